// SPDX-License-Identifier: Apache-2.0
// `stackhouse verify`: run verifyCloud against the deployed cloud and print one
// line per check (✔/✖, name, seconds, message), and where to look on failure;
// then the memory the cloud holds on each host.
import { StackhouseError } from '../errors.ts'
import { Command } from 'commander'
import { appendFileSync, mkdirSync } from 'node:fs'
import { join } from 'node:path'
import { loadProject } from '../project.ts'
import { redactor } from '../runner/log.ts'
import { secretCatalog } from '../secrets/names.ts'
import { connectAll } from '../runner/connect.ts'
import { verifyCloud, type CheckResult, type VerifyReport } from '../verify/index.ts'
import { hostMemory, type HostMemory } from '../verify/memory.ts'
import type { Project } from '../project.ts'
import { err, out, style } from './_style.ts'
import { projectOptions, withProject, type ProjectFlags } from './_options.ts'

/** Some check failed; the report says which and where to look. Exit code 5. */
export class VerifyFailed extends StackhouseError {
  constructor(readonly report: VerifyReport) {
    super(`verify failed: ${report.checks.filter((c) => c.status === 'fail').map((c) => c.name).join(', ')}`, { kind: 'verify' })
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
  const lines = [`${mark(r)} ${r.name.padEnd(38)}${`${r.seconds.toFixed(1)}s`.padStart(8)}  ${r.status === 'skip' ? style.dim(`skipped: ${first}`) : first}`]
  lines.push(...rest.map((l) => style.dim(`      ${l}`)))
  if (r.hint) {
    const where = [r.hint.service, r.hint.host && `on ${r.hint.host}`, r.hint.log && `log: ${r.hint.log}`].filter(Boolean).join(', ')
    lines.push(`    ${style.cyan('look at:')} ${where}`)
    if (r.hint.fix) lines.push(`    ${style.cyan('try:')} ${r.hint.fix}`)
  }
  return lines.join('\n')
}

export const verifyCommand = withProject(new Command('verify').description('prove the cloud works by using it: token, services, image, network, server, volume, object, dashboard'))
  .option('--json', 'print the report as JSON')
  .option('--keep', 'keep the test server and its floating IP for debugging')
  .action(async (flags: VerifyFlags) => {
    const project = loadProject(projectOptions(flags))
    const redact = redactor(project.model.secrets, secretCatalog(project.roles))
    const logDir = join(project.paths.stateDir, 'logs')
    mkdirSync(logDir, { recursive: true, mode: 0o700 })
    const logFile = join(logDir, `verify-${new Date().toISOString().replace(/[:.]/g, '-')}.log`)
    const log = (l: string) => appendFileSync(logFile, `${new Date().toISOString()} ${redact(l)}\n`, { mode: 0o600 })
    if (!flags.json) out(style.bold(`${'  check'.padEnd(40)}${'time'.padStart(8)}  result`))
    const report = await verifyCloud(project, {
      keep: flags.keep ?? false,
      log,
      onCheck: (r) => {
        log(`${r.status} ${r.id} ${r.seconds}s ${r.message}`)
        if (!flags.json) out(redact(formatCheck(r)))
      },
    })
    const memory = await readMemory(project, log)
    if (flags.json) out(redact(JSON.stringify({ ...report, memory: memory.map((m) => ({ ...m, largest: m.largest.slice(0, 10) })) }, null, 2)))
    else {
      summary(report, logFile)
      for (const m of memory) out(formatMemory(m))
    }
    if (!report.ok) throw new VerifyFailed(report)
  })

const gib = (mib: number) => `${(mib / 1024).toFixed(1)} GiB`

/** `Memory on aio1: 4.2 GiB in 76 processes (…). Largest: privsep-helper ×8 670 MiB, …` */
export function formatMemory(m: HostMemory): string {
  const largest = m.largest.slice(0, 4).map((p) => `${p.program}${p.processes > 1 ? ` ×${p.processes}` : ''} ${p.mib} MiB`).join(', ')
  return `Memory on ${m.host}: ${gib(m.pssMiB)} in ${m.processes} processes (sum of PSS; anonymous ${gib(m.anonMiB)}). Largest: ${largest}`
}

/** Each host's memory after the checks; a host that cannot be reached is logged, not a failure. */
async function readMemory(project: Project, log: (l: string) => void): Promise<HostMemory[]> {
  try {
    const transports = await connectAll(project.model, project.model.hosts, project.paths, {})
    try {
      return await Promise.all([...transports].map(([host, t]) => hostMemory(host, t)))
    } finally {
      await Promise.all([...transports.values()].map((t) => t.close()))
    }
  } catch (e) {
    log(`memory not read: ${(e as Error).message}`)
    return []
  }
}

function summary(r: VerifyReport, logFile: string): void {
  const count = (s: CheckResult['status']) => r.checks.filter((c) => c.status === s).length
  out()
  const line = `${count('pass')} passed, ${count('fail')} failed, ${count('skip')} skipped in ${r.seconds.toFixed(1)} s`
  if (r.ok) out(`${style.green('✔')} The cloud works: ${line}.`)
  else err(`${style.red('✖', process.stderr)} ${line}. Details: ${logFile}`)
  if (r.kept.length) out(`Kept for debugging (delete when done): ${r.kept.join(', ')}`)
}
