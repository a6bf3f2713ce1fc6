// SPDX-License-Identifier: Apache-2.0
// `stackhouse stop` and `stackhouse start`: the cloud off and on again, data kept.
import { Command } from 'commander'
import { roles } from '../../roles/index.ts'
import { startCloud, stopCloud, type PowerReport } from '../power.ts'
import { loadProject } from '../project.ts'
import { waitUntilHealthy } from '../status.ts'
import { exitCodes } from './_exit-codes.ts'
import { err, out, style } from './_style.ts'
import { projectOptions, withProject, type ProjectFlags } from './_options.ts'

interface PowerFlags extends ProjectFlags {
  local?: boolean
  json?: boolean
  wait?: boolean
}

function print(verb: string, r: PowerReport): void {
  for (const h of r.hosts) out(`${style.green('✔')} ${h.host}: ${verb} ${h.units.length} unit(s)`)
  if (r.sandboxHosts.length) out(`${style.green('✔')} sandbox host(s) ${verb}: ${r.sandboxHosts.join(', ')}`)
}

export const stopCommand = withProject(new Command('stop').description('stop every service of the cloud (and its sandbox hosts); nothing is deleted'))
  .option('--local', 'run on this machine instead of over SSH')
  .option('--json', 'print the report as JSON')
  .action(async (flags: PowerFlags) => {
    const report = await stopCloud(loadProject(projectOptions(flags)), roles, flags.local ? { local: true } : {})
    if (flags.json) return out(JSON.stringify(report, null, 2))
    print('stopped', report)
  })

export const startCommand = withProject(new Command('start').description('start the cloud (its sandbox hosts first), then wait until every API answers'))
  .option('--local', 'run on this machine instead of over SSH')
  .option('--no-wait', 'return once the services are started, without waiting for them to answer')
  .option('--json', 'print the report as JSON')
  .action(async (flags: PowerFlags) => {
    const project = loadProject(projectOptions(flags))
    const connect = flags.local ? { local: true } : {}
    const report = await startCloud(project, roles, { ...connect, log: (l) => flags.json || err(style.dim(`  ${l}`, process.stderr)) })
    const health = flags.wait === false ? undefined : await waitUntilHealthy(project, roles, { ...connect, waitMs: 900_000 })
    if (flags.json) out(JSON.stringify({ ...report, ...(health ? { healthy: health.healthy } : {}) }, null, 2))
    else {
      print('started', report)
      if (health) out(health.healthy ? `${style.green('✔')} the cloud is ready: every unit runs, every API answers, every service and agent reports in` : `${style.red('✖')} not healthy after 15 minutes: see stackhouse status`)
    }
    if (health && !health.healthy) process.exitCode = exitCodes.unhealthy
  })
