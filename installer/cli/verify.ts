// SPDX-License-Identifier: Apache-2.0
import { StackhouseError } from '../errors.ts'
// `stackhouse verify`: run verifyDeployedCloud and print one line per check as it
// finishes (✔/✖, name, seconds, message), and where to look on failure; then the
// summary and the memory the cloud holds on each host.
import { Command } from 'commander'
import type { VerifyEvent } from '../commands/events.ts'
import { openProject } from '../commands/open.ts'
import { verifyDeployedCloud, type VerifyCloudReport } from '../commands/verify.ts'
import type { CheckResult, VerifyReport } from '../verify/index.ts'
import type { HostMemory } from '../verify/memory.ts'
import { render } from './_events.ts'
import { err, out, style } from './_style.ts'
import { projectOptions, withProject, type ProjectFlags } from './_options.ts'

/** Some check failed; the report says which and where to look. Exit code 5. */
export class VerifyFailed extends StackhouseError {
  constructor(readonly report: VerifyReport) {
    super(
      `verify failed: ${report.checks
        .filter((c) => c.status === 'fail')
        .map((c) => c.name)
        .join(', ')}`,
      { kind: 'verify' },
    )
    this.name = 'VerifyFailed'
  }
}

interface VerifyFlags extends ProjectFlags {
  json?: boolean
  keep?: boolean
}

const mark = (r: CheckResult) => (r.status === 'pass' ? style.green('✔') : r.status === 'fail' ? style.red('✖') : style.yellow('-'))

/** One check as a table row, with its hint below it when it failed. */
export function formatCheck(r: CheckResult): string {
  const [first = '', ...rest] = r.message.split('\n')
  const lines = [
    `${mark(r)} ${r.name.padEnd(38)}${`${r.seconds.toFixed(1)}s`.padStart(8)}  ${r.status === 'skip' ? style.dim(`skipped: ${first}`) : first}`,
  ]
  lines.push(...rest.map((l) => style.dim(`      ${l}`)))
  if (r.hint) {
    const where = [r.hint.service, r.hint.host && `on ${r.hint.host}`, r.hint.log && `log: ${r.hint.log}`].filter(Boolean).join(', ')
    lines.push(`    ${style.cyan('look at:')} ${where}`)
    if (r.hint.fix) lines.push(`    ${style.cyan('try:')} ${r.hint.fix}`)
  }
  return lines.join('\n')
}

export const verifyCommand = withProject(
  new Command('verify').description(
    'prove the cloud works by using it: token, services, image, network, server, volume, object, dashboard',
  ),
)
  .option('--json', 'print the report as JSON')
  .option('--keep', 'keep the test server and its floating IP for debugging')
  .action(async (flags: VerifyFlags) => {
    const project = openProject(projectOptions(flags))
    if (!flags.json) out(style.bold(`${'  check'.padEnd(40)}${'time'.padStart(8)}  result`))
    // Each check as it finishes; the memory is printed after the summary, from the report.
    const onEvent = render<VerifyEvent>({ check: (e) => flags.json || out(formatCheck(e.result)), memory: () => {} })
    const report = await verifyDeployedCloud(project, { keep: flags.keep ?? false, onEvent })
    if (flags.json) {
      const { logFile: _, memory, ...rest } = report
      out(JSON.stringify({ ...rest, memory: memory.map((m) => ({ ...m, largest: m.largest.slice(0, 10) })) }, null, 2))
    } else {
      summary(report)
      for (const m of report.memory) out(formatMemory(m))
    }
    if (!report.ok) throw new VerifyFailed(report)
  })

const gib = (mib: number) => `${(mib / 1024).toFixed(1)} GiB`

/** `Memory on aio1: 4.2 GiB in 76 processes (…). Largest: privsep-helper ×8 670 MiB, …` */
export function formatMemory(m: HostMemory): string {
  const largest = m.largest
    .slice(0, 4)
    .map((p) => `${p.program}${p.processes > 1 ? ` ×${p.processes}` : ''} ${p.mib} MiB`)
    .join(', ')
  return `Memory on ${m.host}: ${gib(m.pssMiB)} in ${m.processes} processes (sum of PSS; anonymous ${gib(m.anonMiB)}). Largest: ${largest}`
}

function summary(r: VerifyCloudReport): void {
  const count = (s: CheckResult['status']) => r.checks.filter((c) => c.status === s).length
  out()
  const line = `${count('pass')} passed, ${count('fail')} failed, ${count('skip')} skipped in ${r.seconds.toFixed(1)} s`
  if (r.ok) out(`${style.green('✔')} The cloud works: ${line}.`)
  else err(`${style.red('✖', process.stderr)} ${line}. Details: ${r.logFile}`)
  if (r.kept.length) out(`Kept for debugging (delete when done): ${r.kept.join(', ')}`)
}
