// SPDX-License-Identifier: Apache-2.0
// `stackhouse status` as a library call: read-only and quick. Is every host
// reachable, does every unit its roles want run, does every API answer (and how
// fast), and what did the last deploy do. `waitUntilHealthy` polls it: after a
// reboot or a power cut, it says when the cloud is back.
import { httpFetch } from './openstack/http.ts'
import { existsSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { daemonProblems, reportedDaemons, requiredDaemons, type Daemon } from './daemons.ts'
import type { Model, ModelHost } from './model/types.ts'
import { adminCloud } from './admin-cloud.ts'
import type { Project } from './project.ts'
import { unitsOn } from './plan/resolve.ts'
import type { ReadyMarker, Role } from './role/contract.ts'
import { connectAll, type ConnectOptions } from './runner/connect.ts'
import { sh } from './shell.ts'
import type { Transport } from './transport/types.ts'
import { mkdirPrivate } from './private-dir.ts'

export interface UnitStatus {
  unit: string
  /** What `systemctl is-active` says: active, inactive, failed, activating…; `starting` when active but its log does not say ready yet. */
  state: string
}

export interface HostStatus {
  host: string
  reachable: boolean
  /** Why the host could not be reached. */
  error?: string
  /** The units the host's roles want running, and their state. */
  units: UnitStatus[]
  /** The cloud's units that systemd lists as failed: wanted ones, ones its roles keep off, and services of wanted timers. */
  failed: string[]
  /** Units the roles keep off (e.g. Swift daemons replaced by a periodic pass) that run anyway. */
  runningButOff: string[]
  /**
   * Failed units that are none of the cloud's (e.g. nvmf-autoconnect, which Ceph's packages
   * bring): reported, but they do not make the cloud unhealthy.
   */
  otherFailed: string[]
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
  /** Nova's and Cinder's services and Neutron's agents as their APIs report them (up only while they report in). */
  daemons: Daemon[]
  /** Daemons the cloud needs that no host reports (e.g. no nova-compute yet after a boot). */
  missingDaemons: string[]
  /** Why the daemons could not be read (Keystone or an API not answering). */
  daemonsError?: string
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
  mkdirPrivate(stateDir)
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
  const connect = opts.connect ?? (async (h: ModelHost) => (await connectAll([h], project.paths, opts)).get(h.name)!)
  const timeoutMs = opts.timeoutMs ?? 5000
  const [hosts, apis, daemons] = await Promise.all([
    Promise.all(model.hosts.map((h) => hostStatus(model, roles, h, connect))),
    Promise.all(apiTargets(model).map((a) => probeApi(a, timeoutMs))),
    daemonStatus(model, roles, timeoutMs),
  ])
  const lastDeploy = readLastDeploy(project.paths.stateDir)
  const healthy =
    hosts.every(hostHealthy) &&
    apis.every((a) => a.answers) &&
    !daemons.daemonsError &&
    !daemons.missingDaemons.length &&
    daemons.daemons.every((d) => d.up)
  return {
    healthy,
    hosts,
    apis,
    ...daemons,
    ...(lastDeploy ? { lastDeploy } : {}),
    seconds: Number(((Date.now() - start) / 1000).toFixed(1)),
  }
}

/** The daemons as the APIs report them, read as admin on the internal endpoints. */
async function daemonStatus(
  model: Model,
  roles: readonly Role[],
  timeoutMs: number,
): Promise<Pick<StatusReport, 'daemons' | 'missingDaemons' | 'daemonsError'>> {
  const required = requiredDaemons(model, roles)
  try {
    const admin = await adminCloud(model, timeoutMs)
    const services = (Object.keys(required) as Daemon['service'][]).filter((s) => required[s].length)
    const daemons = (await Promise.all(services.map((s) => reportedDaemons(admin, s)))).flat()
    return {
      daemons,
      missingDaemons: services.flatMap(
        (s) =>
          daemonProblems(
            required[s],
            daemons.filter((d) => d.service === s),
          ).missing,
      ),
    }
  } catch (e) {
    return { daemons: [], missingDaemons: [], daemonsError: (e as Error).message }
  }
}

export function hostHealthy(h: HostStatus): boolean {
  return h.reachable && !h.failed.length && !h.runningButOff.length && h.units.every((u) => u.state === 'active')
}

const unreachable = (host: string, error: string): HostStatus => ({
  host,
  reachable: false,
  error,
  units: [],
  failed: [],
  runningButOff: [],
  otherFailed: [],
})

/**
 * Shell that prints `<unit> ready` or `<unit> not-ready` for each marker. A marker
 * counts from the unit's current process: oslo.log prints the pid after the time.
 */
export function readyScript(markers: readonly ReadyMarker[]): string {
  return markers
    .map(
      (m) =>
        sh`p=$(systemctl show -p MainPID --value -- ${m.unit}); if [ "$p" != 0 ] && grep -F -- " $p INFO " ${m.log} 2>/dev/null | grep -qF -- ${m.line}; then echo ${m.unit} ready; else echo ${m.unit} not-ready; fi; `,
    )
    .join('')
}

/** One round trip per host: the state of each wanted unit and of each unit kept off, then every failed unit. */
async function hostStatus(
  model: Model,
  roles: readonly Role[],
  host: ModelHost,
  connect: (h: ModelHost) => Promise<Transport>,
): Promise<HostStatus> {
  const { wanted, off, readyWhen } = unitsOn(model, roles, host)
  // A timer's service is the cloud's too (swift-housekeeping.service runs from its timer).
  const ours = new Set([...wanted, ...off, ...wanted.filter((u) => u.endsWith('.timer')).map((u) => u.replace(/\.timer$/, '.service'))])
  let t: Transport
  try {
    t = await connect(host)
  } catch (e) {
    return unreachable(host.name, (e as Error).message)
  }
  try {
    const states = (units: string[]) =>
      units.length ? sh`for u in ${units}; do printf '%s %s\n' "$u" "$(systemctl is-active -- "$u" 2>/dev/null)"; done; ` : ''
    const marks = readyScript(readyWhen)
    const script = `${states(wanted)}echo --off; ${states(off)}echo --ready; ${marks}echo --failed; systemctl list-units --state=failed --no-legend --plain 2>/dev/null | cut -d' ' -f1`
    const r = await t.exec(script)
    const [onPart = '', rest = ''] = r.stdout.split('--off\n')
    const [offPart = '', rest2 = ''] = rest.split('--ready\n')
    const [readyPart = '', failedPart = ''] = rest2.split('--failed\n')
    const notReady = new Set(
      readyPart
        .split('\n')
        .filter((l) => l.endsWith(' not-ready'))
        .map((l) => l.split(' ')[0]!),
    )
    const parse = (text: string) =>
      text
        .split('\n')
        .filter(Boolean)
        .map((l) => ({ unit: l.split(' ')[0]!, state: l.split(' ')[1] || 'unknown' }))
    const failed = failedPart
      .split('\n')
      .map((l) => l.trim())
      .filter(Boolean)
    return {
      host: host.name,
      reachable: true,
      // Running, but its log does not say it is ready yet (the DHCP agent before its first sync).
      units: parse(onPart).map((u) => (u.state === 'active' && notReady.has(u.unit) ? { ...u, state: 'starting' } : u)),
      failed: failed.filter((u) => ours.has(u)),
      runningButOff: parse(offPart)
        .filter((u) => ['active', 'activating', 'reloading'].includes(u.state))
        .map((u) => u.unit),
      otherFailed: failed.filter((u) => !ours.has(u)),
    }
  } catch (e) {
    return unreachable(host.name, (e as Error).message)
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
    const r = await httpFetch(api.url, { signal: AbortSignal.timeout(timeoutMs), redirect: 'manual', headers: { Connection: 'close' } })
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
