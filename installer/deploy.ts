// SPDX-License-Identifier: Apache-2.0
// `stackhouse deploy` as a library call: render, plan, connect, apply, report.
import { join } from 'node:path'
import { closest } from './closest.ts'
import { gatherFacts } from './facts.ts'
import { preflight, skippedRules } from './preflight/index.ts'
import { UsageError } from './errors.ts'
import { withFacts } from './model/facts.ts'
import type { Model } from './model/types.ts'
import { KeystoneClient } from './openstack/keystone.ts'
import { buildPhases, postDeploy } from './plan/phases.ts'
import type { Project } from './project.ts'
import { render } from './render/render.ts'
import type { Role } from './role/contract.ts'
import { reachHosts, type ReachOptions } from './runner/connect.ts'
import { runWithListr, type ProgressEvent, type RunState } from './runner/listr.ts'
import { HostLog, redactor } from './runner/log.ts'
import { requireSameCloud } from './secrets/host-identity.ts'
import { secretCatalog } from './secrets/names.ts'
import { recordDeploy } from './status.ts'
import type { GuestImageSource } from './postdeploy/index.ts'
import type { PutBack } from './tasks/put-back.ts'

export interface DeployOptions extends ReachOptions {
  check?: boolean
  only?: string[]
  limit?: string[]
  renderer?: 'default' | 'simple' | 'silent'
  /** Progress as it happens: phases, tasks, results, failures. */
  onEvent?: (e: ProgressEvent) => void
  /** Also report every command a task runs and its output (secrets masked) as `log` events. */
  verbose?: boolean
  /** Where post-deploy's test image comes from (the appliance carries one). @default built on this machine */
  guestImage?: GuestImageSource
  /** Preflight checks not to judge, by name (installer/preflight/rules.ts). */
  skipPreflight?: readonly string[]
  /** Folders from a backup, put back before their role configures (installer/backup/restore.ts). */
  putBack?: readonly PutBack[]
}

export interface HostReport {
  host: string
  ok: number
  changed: number
  failed: number
  seconds: number
  log: string
}

export interface DeployReport {
  check: boolean
  hosts: HostReport[]
  changes: { host: string; task: string; title: string; detail?: string; diff?: string }[]
  failures: { host: string; task: string; message: string; command?: string; exitCode?: number; stderr?: string; log: string }[]
  logDir: string
}

export async function deploy(project: Project, roles: readonly Role[], opts: DeployOptions = {}): Promise<DeployReport> {
  const { model } = project
  checkSelection(
    model.hosts.map((h) => h.name),
    roles,
    opts,
  )
  const plan = (m: Model) =>
    buildPhases(m, roles, render(m, roles, project.overrides), {
      ...opts,
      admin: adminClient(m),
      postDeployAdmin: adminClient(m),
      stateDir: project.paths.stateDir,
    })
  let phases = plan(model)
  const hosts = model.hosts.filter((h) => phases.some((p) => p.hosts.some((x) => x.host.name === h.name)))
  const logDir = join(project.paths.stateDir, 'logs', new Date().toISOString().replace(/[:.]/g, '-'))
  const catalog = secretCatalog(roles)
  const redact = redactor(model.secrets, catalog)
  const echo =
    opts.verbose && opts.onEvent ? (host: string) => (line: string) => opts.onEvent!({ type: 'log', host, line }) : () => undefined
  const logs = new Map(hosts.map((h) => [h.name, new HostLog(logDir, h.name, redact, echo(h.name))]))
  const transports = await reachHosts(hosts, project.paths, opts)
  try {
    // The hosts' facts decide values (virt_type: auto) before anything is compared or written.
    const decided = withFacts(model, await gatherFacts(model, transports, project.paths.stateDir))
    if (decided !== model) phases = plan(decided)
    // What every host must be before anything on any of them changes.
    await preflight(decided, transports, skippedRules(opts.skipPreflight ?? []))
    await requireSameCloud(
      project.paths.secrets,
      hosts.map((h) => h.name),
      model.secrets,
      catalog,
      transports,
      { check: opts.check ?? false },
    )
    const state = await runWithListr(phases, transports, logs, {
      check: opts.check ?? false,
      renderer: opts.renderer ?? 'default',
      ...(opts.onEvent ? { onEvent: opts.onEvent } : {}),
    })
    const result = report(
      state,
      hosts.map((h) => h.name),
      logs,
      logDir,
      opts.check ?? false,
      redact,
    )
    if (!result.check)
      recordDeploy(project.paths.stateDir, {
        finished: new Date().toISOString(),
        changes: result.changes.length,
        failures: result.failures.length,
        hosts: result.hosts.map((h) => h.host),
      })
    return result
  } finally {
    await Promise.all([...transports.values()].map((t) => t.close()))
  }
}

/** --limit and --only name hosts and roles (or the phases prepare and post-deploy) that exist; checked before anything is touched. */
export function checkSelection(
  hosts: readonly string[],
  roles: readonly Role[],
  opts: Pick<DeployOptions, 'only' | 'limit' | 'local'>,
): void {
  const names = ['prepare', ...roles.map((r) => r.name).filter((r) => r !== 'common'), postDeploy]
  const unknown = (given: string[] | undefined, known: readonly string[]) => (given ?? []).filter((x) => !known.includes(x))
  const suggest = (bad: string[], known: readonly string[]) =>
    bad
      .map((b) => closest(b, known))
      .filter(Boolean)
      .map((g) => `"${g}"`)
  const badHosts = unknown(opts.limit, hosts)
  if (badHosts.length) {
    const guess = suggest(badHosts, hosts)
    throw new UsageError(
      `--limit: no host is named ${badHosts.join(', ')}`,
      `${guess.length ? `did you mean ${guess.join(', ')}? ` : ''}hosts: ${hosts.join(', ')}`,
    )
  }
  const reached = opts.limit?.length ? opts.limit.length : hosts.length
  if (opts.local && reached !== 1) {
    throw new UsageError(
      `--local deploys a one-host cloud on this machine; the run has ${reached} hosts`,
      "drop --local to reach the hosts over SSH, or --limit the run to this machine's host",
    )
  }
  const badRoles = unknown(opts.only, names)
  if (badRoles.length) {
    const guess = suggest(badRoles, names)
    throw new UsageError(
      `--only: no role is named ${badRoles.join(', ')}`,
      `${guess.length ? `did you mean ${guess.join(', ')}? ` : ''}roles and phases: ${names.join(', ')}`,
    )
  }
}

/** An admin Keystone client, logged in once when a task first needs it (its catalog is as of that moment). */
function adminClient(model: Model): () => Promise<KeystoneClient> {
  let client: Promise<KeystoneClient> | undefined
  return () =>
    (client ??= KeystoneClient.login({
      authUrl: model.endpoints.keystone.internal,
      username: 'admin',
      password: model.secrets.admin_password,
      projectName: 'admin',
    }))
}

function report(
  state: RunState,
  hosts: string[],
  logs: Map<string, HostLog>,
  logDir: string,
  check: boolean,
  redact: (s: string) => string,
): DeployReport {
  return {
    check,
    logDir,
    hosts: hosts.map((host) => {
      const mine = state.outcomes.filter((o) => o.host === host)
      return {
        host,
        ok: mine.filter((o) => o.result.status === 'ok').length,
        changed: mine.filter((o) => o.result.status === 'changed').length,
        failed: state.failures.filter((f) => f.host === host).length,
        seconds: ((state.finished.get(host) ?? Date.now()) - (state.started.get(host) ?? Date.now())) / 1000,
        log: logs.get(host)!.path,
      }
    }),
    changes: state.outcomes
      .filter((o) => o.result.status === 'changed')
      .map((o) => ({
        host: o.host,
        task: o.task,
        title: o.title,
        ...(o.result.detail ? { detail: redact(o.result.detail) } : {}),
        ...(o.result.diff ? { diff: redact(o.result.diff) } : {}),
      })),
    failures: state.failures.map(({ host, error }) => ({
      host,
      task: error.task,
      message: redact(error.message),
      log: logs.get(host)!.path,
      ...(error.command ? { command: redact(error.command) } : {}),
      ...(error.exitCode !== undefined ? { exitCode: error.exitCode } : {}),
      ...(error.stderr ? { stderr: redact(error.stderr) } : {}),
    })),
  }
}
