// SPDX-License-Identifier: Apache-2.0
// `stackhouse status` as a library call: read-only and quick. Is every host
// reachable, does every unit its roles want run, does every API answer (and how
// fast), and what did the last deploy do. `waitUntilHealthy` polls it: after a
// reboot or a power cut, it says when the cloud is back.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import type { Model, ModelHost } from './model/types.ts'
import type { Project } from './project.ts'
import { placement, type Role } from './render/role.ts'
import { connectAll, type ConnectOptions } from './runner/connect.ts'
import { sh } from './shell.ts'
import type { Transport } from './transport/types.ts'

export interface UnitState {
  unit: string
  /** What `systemctl is-active` says: active, inactive, failed, activating… */
  state: string
}

export interface HostStatus {
  host: string
  reachable: boolean
  /** Why the host could not be reached. */
  error?: string
  /** The units the host's roles want running, and their state. */
  units: UnitState[]
  /** Any unit systemd lists as failed on the host, wanted or not. */
  failed: string[]
}

export interface ApiStatus {
  service: string
  url: string
  answers: boolean
  /** HTTP status (any status under 500 means the API answers). */
  status?: number
  ms?: number
  error?: string
}

/** What the last deploy (not --check) did, kept in the project's state folder. */
export interface LastDeploy {
  finished: string
  changes: number
  failures: number
  hosts: string[]
}

export interface StatusReport {
  healthy: boolean
  hosts: HostStatus[]
  apis: ApiStatus[]
  lastDeploy?: LastDeploy
  seconds: number
}

export interface StatusOptions extends ConnectOptions {
  /** How to reach a host. @default SSH (or local) as deploy reaches it */
  connect?: (host: ModelHost) => Promise<Transport>
  /** Per API request. @default 5000 */
  timeoutMs?: number
}

const lastDeployFile = (stateDir: string) => join(stateDir, 'last-deploy.json')

/** Record a finished deploy for `status` (called by deploy; --check runs change nothing and are not recorded). */
export function recordDeploy(stateDir: string, deploy: LastDeploy): void {
  mkdirSync(stateDir, { recursive: true, mode: 0o700 })
  writeFileSync(lastDeployFile(stateDir), `${JSON.stringify(deploy, null, 2)}\n`, { mode: 0o600 })
}

function readLastDeploy(stateDir: string): LastDeploy | undefined {
  try {
    return existsSync(lastDeployFile(stateDir)) ? (JSON.parse(readFileSync(lastDeployFile(stateDir), 'utf8')) as LastDeploy) : undefined
  } catch {
    return undefined
  }
}

export async function cloudStatus(project: Project, roles: readonly Role[], opts: StatusOptions = {}): Promise<StatusReport> {
  const start = Date.now()
  const { model } = project
  const connect = opts.connect ?? (async (h: ModelHost) => (await connectAll(model, [h], project.paths, opts)).get(h.name)!)
  const [hosts, apis] = await Promise.all([Promise.all(model.hosts.map((h) => hostStatus(model, roles, h, connect))), Promise.all(apiTargets(model).map((a) => probeApi(a, opts.timeoutMs ?? 5000)))])
  const lastDeploy = readLastDeploy(project.paths.stateDir)
  const healthy = hosts.every((h) => h.reachable && !h.failed.length && h.units.every((u) => u.state === 'active')) && apis.every((a) => a.answers)
  return { healthy, hosts, apis, ...(lastDeploy ? { lastDeploy } : {}), seconds: Number(((Date.now() - start) / 1000).toFixed(1)) }
}

/** One round trip per host: the state of each wanted unit, then every failed unit. */
async function hostStatus(model: Model, roles: readonly Role[], host: ModelHost, connect: (h: ModelHost) => Promise<Transport>): Promise<HostStatus> {
  const wanted = [...new Set(placement(model, roles).rolesOn(host.name).flatMap((r) => r.units({ model, host })))]
  let t: Transport
  try {
    t = await connect(host)
  } catch (e) {
    return { host: host.name, reachable: false, error: (e as Error).message, units: [], failed: [] }
  }
  try {
    const script = sh`for u in ${wanted}; do printf '%s %s\n' "$u" "$(systemctl is-active -- "$u" 2>/dev/null)"; done; echo --failed; systemctl list-units --state=failed --no-legend --plain 2>/dev/null | cut -d' ' -f1`
    const r = await t.exec(script)
    const [states = '', failed = ''] = r.stdout.split('--failed\n')
    const units = states.split('\n').filter(Boolean).map((l) => ({ unit: l.split(' ')[0]!, state: l.split(' ')[1] || 'unknown' }))
    return { host: host.name, reachable: true, units, failed: failed.split('\n').map((l) => l.trim()).filter(Boolean) }
  } catch (e) {
    return { host: host.name, reachable: false, error: (e as Error).message, units: [], failed: [] }
  } finally {
    await t.close()
  }
}

/** Each API's root as the deployer reaches it (internal endpoints), and the dashboard. */
function apiTargets(model: Model): { service: string; url: string }[] {
  const on: Record<string, boolean> = { cinder: model.services.cinder, swift: model.services.swift }
  const apis = Object.entries(model.endpoints)
    .filter(([service]) => on[service] ?? true)
    .map(([service, e]) => ({ service, url: `${new URL(e.internal).origin}/` }))
  return model.services.horizon ? [...apis, { service: 'horizon', url: model.dashboardUrl }] : apis
}

async function probeApi(api: { service: string; url: string }, timeoutMs: number): Promise<ApiStatus> {
  const start = Date.now()
  try {
    const r = await fetch(api.url, { signal: AbortSignal.timeout(timeoutMs), redirect: 'manual', headers: { Connection: 'close' } })
    await r.body?.cancel()
    return { ...api, answers: r.status < 500, status: r.status, ms: Date.now() - start }
  } catch (e) {
    const cause = (e as { cause?: { code?: string } }).cause?.code
    return { ...api, answers: false, error: cause ?? (e as Error).name ?? String(e) }
  }
}

/** Poll until healthy or `waitMs` passes; returns the last report either way. */
export async function waitUntilHealthy(
  project: Project,
  roles: readonly Role[],
  opts: StatusOptions & { waitMs: number; everyMs?: number; onPoll?: (r: StatusReport) => void },
): Promise<StatusReport> {
  const deadline = Date.now() + opts.waitMs
  for (;;) {
    const report = await cloudStatus(project, roles, opts)
    opts.onPoll?.(report)
    if (report.healthy || Date.now() >= deadline) return report
    await new Promise((r) => setTimeout(r, Math.min(opts.everyMs ?? 5000, Math.max(0, deadline - Date.now()))))
  }
}
