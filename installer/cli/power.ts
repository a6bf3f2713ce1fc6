// SPDX-License-Identifier: Apache-2.0
// `stackhouse stop` and `stackhouse start`: the cloud off and on again, data kept.
import { Command } from 'commander'
import { roles } from '../../roles/index.ts'
import { startCloud, stopCloud, type PowerReport } from '../power.ts'
import type { PowerEvent } from '../commands/events.ts'
import { openProject } from '../commands/open.ts'
import { exitCodes } from './_exit-codes.ts'
import { render } from './_events.ts'
import { err, out, style } from './_style.ts'
import { projectOptions, withHostAccess, withProject, type ProjectFlags } from './_options.ts'

interface PowerFlags extends ProjectFlags {
  local?: boolean
  json?: boolean
  wait?: boolean
}

function print(verb: string, r: PowerReport): void {
  for (const h of r.hosts) out(`${style.green('✔')} ${h.host}: ${verb} ${h.units.length} unit(s)`)
  if (r.sandboxHosts.length) out(`${style.green('✔')} sandbox host(s) ${verb}: ${r.sandboxHosts.join(', ')}`)
}

export const stopCommand = withHostAccess(
  withProject(new Command('stop').description('stop every service of the cloud (and its sandbox hosts); nothing is deleted')),
  { trustNewHosts: false },
)
  .option('--json', 'print the report as JSON')
  .action(async (flags: PowerFlags) => {
    const report = await stopCloud(openProject(projectOptions(flags)), roles, flags.local ? { local: true } : {})
    if (flags.json) return out(JSON.stringify(report, null, 2))
    print('stopped', report)
  })

export const startCommand = withHostAccess(
  withProject(new Command('start').description('start the cloud (its sandbox hosts first), then wait until every API answers')),
  { trustNewHosts: false },
)
  .option('--no-wait', 'return once the services are started, without waiting for them to answer')
  .option('--json', 'print the report as JSON')
  .action(async (flags: PowerFlags) => {
    const report = await startCloud(openProject(projectOptions(flags)), roles, {
      ...(flags.local ? { local: true } : {}),
      ...(flags.wait === false ? {} : { waitMs: 900_000 }),
      onEvent: render<PowerEvent>({ sandbox: (e) => flags.json || err(style.dim(`  ${e.line}`, process.stderr)), status: () => {} }),
    })
    if (flags.json) out(JSON.stringify(report, null, 2))
    else {
      print('started', report)
      if (report.healthy !== undefined)
        out(
          report.healthy
            ? `${style.green('✔')} the cloud is ready: every unit runs, every API answers, every service and agent reports in`
            : `${style.red('✖')} not healthy after 15 minutes: see stackhouse status`,
        )
    }
    if (report.healthy === false) process.exitCode = exitCodes.unhealthy
  })
