// SPDX-License-Identifier: Apache-2.0
// Before deploying to `target: sandbox`, make sure every host of the inventory is
// a running sandbox host at its address: create the missing, boot the stopped.
import type { Model } from '../model/types.ts'
import { isRunning } from './boot.ts'
import { createSandbox, prepareMachine } from './create.ts'
import { SandboxError } from './errors.ts'
import { bootStopped } from './power.ts'
import { readRecord } from './state.ts'

export interface EnsureResult {
  created: string[]
  started: string[]
}

export async function ensureSandboxHosts(model: Model, log: (line: string) => void = () => {}): Promise<EnsureResult> {
  const result: EnsureResult = { created: [], started: [] }
  for (const host of model.hosts) {
    const rec = readRecord(host.name)
    if (!rec) {
      log(`creating sandbox host ${host.name} (${host.address})`)
      await createSandbox(host.name, { address: host.address, log })
      result.created.push(host.name)
      continue
    }
    if (rec.address !== host.address) {
      throw new SandboxError(`sandbox host ${host.name} has address ${rec.address}, the inventory says ${host.address}`, {
        fix: `use ${rec.address} in the inventory, or re-create the host: stackhouse sandbox destroy ${host.name}`,
      })
    }
    if (!isRunning(rec)) {
      log(`booting sandbox host ${host.name}`)
      await prepareMachine(log)
      await bootStopped(rec)
      result.started.push(host.name)
    }
  }
  return result
}
