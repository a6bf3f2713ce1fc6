// SPDX-License-Identifier: Apache-2.0
// `stackhouse stop` / `start`: a cloud's services off and on again, data kept.
// Services stop in the reverse of the deploy order (the dashboard and APIs before
// the database and the message queue they need) and start in the deploy order;
// on sandbox hosts the hosts themselves stop after their services, and start first.
import type { PowerEvent } from './commands/events.ts'
import type { ModelHost } from './model/types.ts'
import type { Project } from './project.ts'
import { unitsOn } from './plan/resolve.ts'
import type { Role } from './role/contract.ts'
import { reachHosts, type ReachOptions } from './runner/connect.ts'
import { startSandbox, stopSandbox } from './sandbox/index.ts'
import { sh } from './shell.ts'
import { waitUntilHealthy } from './status.ts'
import { TaskError } from './tasks/types.ts'

export interface PowerOptions extends ReachOptions {
  /** Progress: sandbox hosts booting (start), each look at the cloud's health while `startCloud` waits. */
  onEvent?: (e: PowerEvent) => void
  /**
   * `startCloud` only: once the services are started, wait at most this long until
   * every unit runs, every API answers and every service and agent reports in.
   * @default no wait
   */
  waitMs?: number
}

export interface PowerReport {
  hosts: { host: string; units: string[] }[]
  /** Sandbox hosts stopped after their services, or started before them. */
  sandboxHosts: string[]
  /** With `waitMs`: whether the cloud was healthy before the time was up. */
  healthy?: boolean
}

/** Units of each host, in deploy order (roles, then each role's own order), without repeats. */
function unitsByHost(project: Project, roles: readonly Role[]): Map<string, string[]> {
  const { model } = project
  return new Map(model.hosts.map((host) => [host.name, unitsOn(model, roles, host).wanted]))
}

async function onEveryHost(
  project: Project,
  opts: PowerOptions,
  script: (units: string[]) => string,
  units: Map<string, string[]>,
): Promise<PowerReport['hosts']> {
  const { model } = project
  const transports = await reachHosts(model.hosts, project.paths, opts)
  try {
    return await Promise.all(
      model.hosts.map(async (h) => {
        const mine = units.get(h.name) ?? []
        if (!mine.length) return { host: h.name, units: [] }
        const r = await transports.get(h.name)!.exec(script(mine))
        if (r.code !== 0)
          throw new TaskError(`systemctl failed on ${h.name} (exit code ${r.code})`, {
            host: h.name,
            task: 'power',
            exitCode: r.code,
            stderr: r.stderr.trim().split('\n').slice(-5).join('\n'),
          })
        return { host: h.name, units: mine }
      }),
    )
  } finally {
    await Promise.all([...transports.values()].map((t) => t.close()))
  }
}

/** Stop every service of the cloud (and its sandbox hosts), keeping all data. */
export async function stopCloud(project: Project, roles: readonly Role[], opts: PowerOptions = {}): Promise<PowerReport> {
  const units = unitsByHost(project, roles)
  // NOTE: one systemctl call per host with the units in reverse order: systemd orders the stop jobs by their dependencies anyway.
  const hosts = await onEveryHost(project, opts, (u) => sh`systemctl stop -- ${[...u].reverse()}`, units)
  const sandbox = project.model.target === 'sandbox' && !opts.local && !opts.connect
  const sandboxHosts = sandbox ? (await stopSandbox(project.model.hosts.map((h) => h.name))).stopped : []
  return { hosts, sandboxHosts }
}

/**
 * Start the cloud's sandbox hosts (if any), then every service in deploy order, one
 * role at a time; with `waitMs`, then wait until the cloud is healthy.
 */
export async function startCloud(project: Project, roles: readonly Role[], opts: PowerOptions = {}): Promise<PowerReport> {
  const sandbox = project.model.target === 'sandbox' && !opts.local && !opts.connect
  const sandboxHosts = sandbox
    ? (
        await startSandbox(
          project.model.hosts.map((h) => h.name),
          (line) => opts.onEvent?.({ type: 'sandbox', line }),
        )
      ).started
    : []
  const units = unitsByHost(project, roles)
  // Each unit its own start, in order: MariaDB and RabbitMQ are up before the services that need them.
  const hosts = await onEveryHost(project, opts, (u) => u.map((unit) => sh`systemctl start -- ${unit}`).join(' && '), units)
  if (opts.waitMs === undefined) return { hosts, sandboxHosts }
  const { connect } = opts
  const health = await waitUntilHealthy(project, roles, {
    ...(opts.local ? { local: true } : {}),
    ...(opts.trustNewHosts ? { trustNewHosts: true } : {}),
    ...(connect ? { connect: async (h: ModelHost) => (await connect([h])).get(h.name)! } : {}),
    waitMs: opts.waitMs,
    onPoll: (report) => opts.onEvent?.({ type: 'status', report }),
  })
  return { hosts, sandboxHosts, healthy: health.healthy }
}
