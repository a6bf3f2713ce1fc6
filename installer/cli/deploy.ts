// SPDX-License-Identifier: Apache-2.0
import { preflightRules, skippedRules } from '../preflight/index.ts'
import { Command } from 'commander'
import { roles } from '../../roles/index.ts'
import type { CredentialFiles } from '../credentials.ts'
import type { Model } from '../model/types.ts'
import { checkSelection, type DeployReport } from '../deploy.ts'
import { deployCloud } from '../commands/deploy.ts'
import type { DeployEvent } from '../commands/events.ts'
import { openProject } from '../commands/open.ts'
import { readInventory } from '../project.ts'
import { StackhouseError, UsageError } from '../errors.ts'
import { exitCodes } from './_exit-codes.ts'
import { render } from './_events.ts'
import { err, out, style } from './_style.ts'
import { listOption, projectOptions, withHostAccess, withProject, type ProjectFlags } from './_options.ts'

/** A deploy that ran and failed on a host; the report says where. Exit code 4. */
export class DeployFailed extends StackhouseError {
  constructor(readonly report: DeployReport) {
    super(`deploy failed on ${report.failures.map((f) => f.host).join(', ')}`, { kind: 'hosts' })
    this.name = 'DeployFailed'
  }
}

interface DeployFlags extends ProjectFlags {
  check?: boolean
  only?: string[]
  limit?: string[]
  local?: boolean
  trustNewHosts?: boolean
  json?: boolean
  verbose?: boolean
  quiet?: boolean
  skipPreflight?: string[]
}

const json = (e: DeployEvent) => out(JSON.stringify(e))
const none = () => {}

/** `--json`: the run's progress events as they are, a line each (log lines only with -v); the rest is in the report. */
export const jsonEvents = render<DeployEvent>({
  phase: json,
  task: json,
  result: json,
  failed: json,
  log: json,
  sandbox: none,
  'sandbox-ready': none,
  certificates: json,
  credentials: none,
})

/** A person reads listr2's view (or plain lines) and the sandbox hosts being made; with -v, every command and its output. */
export const humanEvents = render<DeployEvent>({
  phase: none,
  task: none,
  result: none,
  failed: none,
  credentials: none,
  log: (e) => err(style.dim(`${e.host} | ${e.line.split('\n').join(`\n${e.host} | `)}`, process.stderr)),
  sandbox: (e) => err(style.dim(e.line, process.stderr)),
  'sandbox-ready': (e) => e.created.length && err(`created sandbox host(s): ${e.created.join(', ')}`),
  certificates: (e) => {
    for (const c of e.made)
      err(`made ${c.name === 'ca' ? "the deployment's CA" : `the ${c.name} certificate`} (${c.reason ?? 'new'}): ${c.cert}`)
  },
})

export const deployCommand = withHostAccess(
  withProject(new Command('deploy').description('install and configure the cloud on its hosts; safe to re-run')),
  { trustNewHosts: true },
)
  .option('--check', 'change nothing: show what would change, with diffs')
  .option('--only <role...>', 'deploy only these roles, or the phases prepare and post-deploy (commas or spaces)')
  .option('--limit <host...>', 'deploy only to these hosts (commas or spaces)')
  .option(
    '--skip-preflight <check...>',
    `do not judge these preflight checks (${preflightRules.join(', ')}), for an operator who knows better`,
  )
  .option('-v, --verbose', 'stream every command each host runs and its output (secrets masked), instead of the live view')
  .option('-q, --quiet', 'no progress: print only the changes, the failures and the summary')
  .option('--json', 'print progress events as JSON lines (phase, task, result, failed; log with -v), the report last ({"type":"report"})')
  .action(async (given: DeployFlags) => {
    const flags = {
      ...given,
      ...(given.only ? { only: listOption(given.only) } : {}),
      ...(given.limit ? { limit: listOption(given.limit) } : {}),
      ...(given.skipPreflight ? { skipPreflight: listOption(given.skipPreflight) } : {}),
    }
    if (flags.skipPreflight) skippedRules(flags.skipPreflight)
    // Usage first: a misspelt role or host is named before secrets or hosts are touched.
    if (flags.quiet && flags.verbose) throw new UsageError('--quiet and --verbose ask for opposite things', 'choose one')
    checkSelection(
      readInventory(projectOptions(flags)).hosts.map((h) => h.name),
      roles,
      flags,
    )
    // The evaluator's one command: the built-in cloud makes its own secrets, in its fixed home.
    const project = openProject({ ...projectOptions(flags), forDeploy: true })
    const renderer = flags.json || flags.quiet ? 'silent' : flags.verbose || !process.stdout.isTTY ? 'simple' : 'default'
    // An evaluator's one command, too: the sandbox hosts the inventory names are made if missing.
    const report = await deployCloud(project, roles, { ...flags, renderer, onEvent: flags.json ? jsonEvents : humanEvents })
    if (flags.json) out(JSON.stringify({ type: 'report', ...report }))
    else printReport(report, project.model, report.credentials, flags.quiet)
    if (report.failures.length) throw new DeployFailed(report)
    // NOTE: not 0 when --check finds work to do, so CI can use it as a drift check.
    if (report.check && report.changes.length) process.exitCode = exitCodes.pending
  })

export function printReport(r: DeployReport, model: Model, creds?: CredentialFiles, quiet = false): void {
  if (!quiet) {
    out()
    out(style.bold(`${'host'.padEnd(12)}${'ok'.padStart(6)}${'changed'.padStart(9)}${'failed'.padStart(8)}${'time'.padStart(9)}`))
    for (const h of r.hosts)
      out(
        `${h.host.padEnd(12)}${String(h.ok).padStart(6)}${String(h.changed).padStart(9)}${String(h.failed).padStart(8)}${`${h.seconds.toFixed(1)}s`.padStart(9)}`,
      )
    out()
  }
  for (const c of r.changes) {
    out(
      `  ${style.yellow(r.check ? '~' : '✎')} ${c.host} ${style.cyan(c.task)} ${c.title}${c.detail && c.detail !== c.title ? style.dim(` (${c.detail})`) : ''}`,
    )
    if (r.check && c.diff)
      out(
        c.diff
          .split('\n')
          .map((l) => `      ${l.startsWith('+') ? style.green(l) : l.startsWith('-') ? style.red(l) : l}`)
          .join('\n'),
      )
  }
  const total = r.hosts.reduce((n, h) => n + h.ok + h.changed, 0)
  if (!r.changes.length && !r.failures.length) out(`${style.green('✔')} No changes: ${total} tasks ok on ${r.hosts.length} host(s).`)
  else if (!r.failures.length)
    out(
      `${style.green('✔')} ${r.changes.length} change(s)${r.check ? ' would be made (--check: nothing was changed)' : ''}; ${total - r.changes.length} tasks already ok.`,
    )
  for (const f of r.failures) {
    err(`${style.red('✖', process.stderr)} ${f.host}: task ${f.task} failed: ${f.message}`)
    if (f.command) err(`  command: ${f.command.split('\n').join('\n           ')}`)
    if (f.stderr)
      err(
        `  output (last lines):\n${f.stderr
          .split('\n')
          .map((l) => `    ${l}`)
          .join('\n')}`,
      )
    err(`  full log: ${f.log}`)
  }
  if (quiet) return
  out(style.dim(`Logs: ${r.logDir}`))
  if (creds) printAccess(model, creds)
}

/** Where the cloud is and how to use it: the last thing a deploy prints. */
function printAccess(model: Model, creds: CredentialFiles): void {
  out()
  out(style.bold(`The ${model.name} cloud is deployed.`))
  out(`  Dashboard  ${model.dashboardUrl}   (user admin or demo; passwords: stackhouse secrets show admin_password | demo_password)`)
  out(`  Keystone   ${model.endpoints.keystone.public}`)
  out(`  Consoles   ${model.novncUrl}`)
  out(`  Credentials: ${creds.adminOpenrc}, ${creds.demoOpenrc}, ${creds.cloudsYaml} (mode 0600)`)
  out(`  From this machine: apt-get install python3-openstackclient && . ${creds.adminOpenrc} && openstack catalog list`)
  out(`  Check it works:    stackhouse verify${model.inventoryFile ? ` -i ${model.inventoryFile}` : ''}`)
}
