// SPDX-License-Identifier: Apache-2.0
// `stackhouse status`: is the cloud up, read-only and quick; `--wait` until it is.
import { Command, InvalidArgumentError } from 'commander'
import { roles } from '../../roles/index.ts'
import { openProject } from '../commands/open.ts'
import { cloudStatus, hostHealthy, waitUntilHealthy, type StatusReport } from '../status.ts'
import { sanitizeMessage } from '../printable.ts'
import { exitCodes } from './_exit-codes.ts'
import { err, out, style } from './_style.ts'
import { projectOptions, withHostAccess, withProject, type ProjectFlags } from './_options.ts'

interface StatusFlags extends ProjectFlags {
  json?: boolean
  wait?: number | true
  local?: boolean
}

function seconds(value: string): number {
  const n = Number(value)
  if (!Number.isInteger(n) || n < 1 || n > 86_400) throw new InvalidArgumentError('give whole seconds, 1 to 86400')
  return n
}

export const statusCommand = withHostAccess(
  withProject(
    new Command('status').description(
      'is the cloud up: hosts reachable, wanted units running, none failed, every API answering, every service and agent reporting in; the last deploy (read-only)',
    ),
  ),
  { trustNewHosts: false, localHelp: 'look at this machine instead of over SSH (a one-host cloud)' },
)
  .option('--wait [seconds]', 'poll until the cloud is healthy, at most this long (default 900)', seconds)
  .option('--json', 'print the report as JSON')
  .action(async (flags: StatusFlags) => {
    const project = openProject({ ...projectOptions(flags), localFiles: true })
    const connect = flags.local ? { local: true } : {}
    const report =
      flags.wait === undefined
        ? await cloudStatus(project, roles, connect)
        : await waitUntilHealthy(project, roles, {
            ...connect,
            waitMs: (flags.wait === true ? 900 : flags.wait) * 1000,
            onPoll: (r) =>
              flags.json || r.healthy || err(style.dim(`  not healthy yet: ${problems(r).slice(0, 3).join('; ')}`, process.stderr)),
          })
    if (flags.json) out(JSON.stringify(report, null, 2))
    else print(report)
    if (!report.healthy) process.exitCode = exitCodes.unhealthy
  })

/** The services and agents that never reported or are down, a phrase each. */
const daemonsWrong = (r: StatusReport): string[] => [
  ...r.missingDaemons.map((b) => `${b} never reported`),
  ...r.daemons.filter((d) => !d.up).map((d) => `${d.binary} on ${d.host} down`),
]

/** One line per thing that is wrong. */
function problems(r: StatusReport): string[] {
  return [
    ...r.hosts.filter((h) => !h.reachable).map((h) => `${h.host} unreachable`),
    ...r.hosts.flatMap((h) => h.units.filter((u) => u.state !== 'active').map((u) => `${h.host} ${u.unit} ${u.state}`)),
    ...r.hosts.flatMap((h) => h.failed.filter((f) => !h.units.some((u) => u.unit === f)).map((f) => `${h.host} ${f} failed`)),
    ...r.hosts.flatMap((h) => h.runningButOff.map((u) => `${h.host} ${u} runs but should be off (stackhouse deploy turns it off)`)),
    ...r.apis.filter((a) => !a.answers).map((a) => `${a.service} API ${a.status ?? a.error ?? 'no answer'}`),
    ...(r.daemonsError ? [`services and agents unknown: ${r.daemonsError}`] : []),
    ...daemonsWrong(r),
  ]
}

function print(r: StatusReport): void {
  for (const h of r.hosts) {
    const running = h.units.filter((u) => u.state === 'active').length
    const line = h.reachable
      ? `${running}/${h.units.length} units running${h.failed.length ? `, failed: ${h.failed.join(' ')}` : ''}`
      : `unreachable: ${h.error ?? ''}`
    out(`${hostHealthy(h) ? style.green('✔') : style.red('✖')} ${h.host.padEnd(14)}${sanitizeMessage(line)}`)
    for (const u of h.units.filter((x) => x.state !== 'active')) out(`    ${style.yellow(u.unit)} ${u.state}`)
    for (const u of h.runningButOff) out(`    ${style.yellow(u)} runs but should be off (stackhouse deploy turns it off)`)
    if (h.otherFailed.length)
      out(style.dim(`    also failed, not the cloud's units (not counted): ${sanitizeMessage(h.otherFailed.join(' '))}`))
  }
  for (const a of r.apis) {
    out(
      `${a.answers ? style.green('✔') : style.red('✖')} ${a.service.padEnd(14)}${a.answers ? `${a.status} in ${a.ms} ms` : `no answer (${a.status ?? a.error})`}  ${style.dim(a.url)}`,
    )
  }
  if (r.daemonsError) out(`${style.red('✖')} ${'daemons'.padEnd(14)}unknown: ${sanitizeMessage(r.daemonsError)}`)
  else {
    const bad = daemonsWrong(r)
    const up = r.daemons.filter((d) => d.up).length
    out(
      `${bad.length ? style.red('✖') : style.green('✔')} ${'daemons'.padEnd(14)}${up}/${r.daemons.length} services and agents up${bad.length ? `: ${sanitizeMessage(bad.join(', '))}` : ''}`,
    )
  }
  const last = r.lastDeploy
  out(
    last
      ? `Last deploy: ${last.finished}, ${last.changes} change(s), ${last.failures ? style.red(`${last.failures} failure(s)`) : 'no failures'} on ${last.hosts.join(', ')}`
      : 'Last deploy: none recorded here',
  )
  out(
    r.healthy
      ? `${style.green('✔')} healthy (${r.seconds} s)`
      : `${style.red('✖')} not healthy: ${problems(r).length} problem(s) (${r.seconds} s)`,
  )
}
