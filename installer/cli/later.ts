// SPDX-License-Identifier: Apache-2.0
// Commands whose engine is not built yet. They say so plainly and exit 3.
import { Command } from 'commander'
import { NotBuiltError } from '../errors.ts'
import { withProject } from './_options.ts'

function later(name: string, description: string, detail: string): Command {
  return withProject(new Command(name).description(`${description} (not built yet)`))
    .option('--json', 'machine-readable output')
    .action(() => {
      throw new NotBuiltError(`stackhouse ${name}`, detail)
    })
}

const engine = 'it needs the deploy engine (SSH transport, idempotent tasks), the next milestone. Until then, "stackhouse render" and "stackhouse plan" show what it will apply.'

export const verifyCommand = later('verify', 'prove the cloud works by using it: token, image, network, server, volume, object, dashboard', 'it runs real API calls against a deployed cloud, which needs "stackhouse deploy" first.')
