// SPDX-License-Identifier: Apache-2.0
// What the checks share: the model, the API sessions, what earlier checks made
// (server, floating IP…), and the list of what to delete at the end.
import { randomBytes } from 'node:crypto'
import type { Model, ModelHost } from '../model/types.ts'
import type { Cloud } from '../openstack/index.ts'
import type { Role } from '../role/contract.ts'
import { CheckFailure, type Hint } from './types.ts'

/** Something verify made, and how to delete it. */
interface Made {
  what: string
  /** Kept with --keep (the test server and what it needs to be reached). */
  keepable: boolean
  /** Deleted after everything else (a volume, once the server it may still be attached to is gone). */
  last: boolean
  remove(): Promise<void>
}

export interface MadeOptions {
  keepable?: boolean
  last?: boolean
}

/** Timings the checks use; tests shorten them. */
export interface Timeouts {
  /** How long a server may take to become ACTIVE (QEMU TCG is slow). @default 300000 */
  bootTimeoutMs: number
  /** How long the guest may take to answer ping once ACTIVE (it boots, takes DHCP). @default 180000 */
  reachTimeoutMs: number
  /** Pause after ACTIVE before looking at the power state. @default 5000 */
  settleMs: number
}

export interface VerifyContext extends Timeouts {
  model: Model
  /** The cloud's roles: what it runs, and which daemons must report in. */
  roles: readonly Role[]
  stateDir: string
  /** Suffix of every name verify gives, so runs (and leftovers) are told apart. */
  run: string
  admin?: Cloud
  demo?: Cloud
  server?: { id: string; name: string; fixedIp?: string; host?: string }
  /** The anti-affinity group of verify's servers, on a cloud with several compute hosts. */
  serverGroup?: string
  floatingIp?: { id: string; address: string }
  /** The guest answered SSH: later checks may run commands in it. */
  sshReady?: boolean
  /** Record something made, so it is deleted at the end, also when a check fails. */
  made(what: string, remove: () => Promise<void>, opts?: MadeOptions): void
  cleanup: Made[]
  log(line: string): void
}

export const defaultTimeouts: Timeouts = { bootTimeoutMs: 300_000, reachTimeoutMs: 180_000, settleMs: 5000 }

export function createContext(
  model: Model,
  roles: readonly Role[],
  stateDir: string,
  timeouts: Partial<Timeouts>,
  log: (l: string) => void,
): VerifyContext {
  const cleanup: Made[] = []
  return {
    model,
    roles,
    stateDir,
    log,
    cleanup,
    ...defaultTimeouts,
    ...timeouts,
    run: randomBytes(3).toString('hex'),
    made: (what, remove, opts = {}) => cleanup.push({ what, remove, keepable: opts.keepable ?? false, last: opts.last ?? false }),
  }
}

/** The context's session, or a failure saying which earlier check should have made it. */
export function need<T>(value: T | undefined, what: string): T {
  if (value === undefined) throw new CheckFailure(`${what} is not available (an earlier check failed)`)
  return value
}

/** `name (address)` of a host, by name or as the first host of a group. */
export function hostLabel(model: Model, nameOrGroup: string): string | undefined {
  const h: ModelHost | undefined =
    model.hosts.find((x) => x.name === nameOrGroup || x.name === nameOrGroup.split('.')[0]) ??
    model.hosts.find((x) => x.name === model.groups[nameOrGroup]?.[0])
  return h ? `${h.name} (${h.address})` : undefined
}

/** A hint for a service of a group (or named host), with its log file. */
export function hintFor(model: Model, service: string, hostOrGroup: string, log: string, fix?: string): Hint {
  const host = hostLabel(model, hostOrGroup)
  return { service, ...(host ? { host } : {}), log, ...(fix ? { fix } : {}) }
}

/** Poll `probe` every `everyMs` until it returns a value, or fail with `what` after `timeoutMs`. */
export async function waitFor<T>(what: string, timeoutMs: number, probe: () => Promise<T | undefined>, everyMs = 2000): Promise<T> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const got = await probe()
    if (got !== undefined) return got
    if (Date.now() > deadline) throw new CheckFailure(`${what}: not after ${Math.round(timeoutMs / 1000)} s`)
    await new Promise((r) => setTimeout(r, everyMs))
  }
}

/** Seconds since `start` (a Date.now()), one decimal. */
export const since = (start: number): string => `${((Date.now() - start) / 1000).toFixed(1)} s`
