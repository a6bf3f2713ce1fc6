// SPDX-License-Identifier: Apache-2.0
// What a role is: the packages, files and services of one OpenStack service on
// the hosts that run it. Roles are data; the renderer and the engine are generic.
import type { Model, ModelHost } from '../model/types.ts'
import type { CommandSpec } from '../tasks/command.ts'
import type { KeystoneSpec } from '../tasks/keystone.ts'
import type { DatabaseService } from './openstack.ts'

/** What a role's functions see: the whole model and the host being rendered. */
export interface RoleContext {
  model: Model
  host: ModelHost
}

/** One configuration file a host receives. */
export interface RoleFile {
  /** Absolute path on the host, e.g. `/etc/glance/glance-api.conf`. */
  path: string
  /** Template under `roles/<role>/templates/`. @default basename(path) + '.hbs' */
  template?: string
  /** Literal content instead of a template (for generated data such as JSON). */
  content?: string
  /** Values the template sees besides `model` and `host`. */
  vars?: Record<string, unknown>
  /** @default 'root' */
  owner?: string
  /** @default 'root' */
  group?: string
  /** @default 0o644 */
  mode?: number
  /**
   * `ini` files (oslo.config, paste, my.cnf) take operator overrides merged key by key;
   * other files are replaced whole by an override.
   * @default 'ini' when the path ends in .conf, .ini or .cnf, else 'text'
   */
  format?: 'ini' | 'text'
  /** systemd units restarted when this file changes. @default the role's units on this host */
  notify?: string[]
  /**
   * The content is the same on every host that gets the file (e.g. /etc/hosts), so it
   * is rendered once per cloud; with thousands of hosts that is the difference
   * between linear and quadratic time. @default false
   */
  sameOnEveryHost?: boolean
}

export interface Role {
  /** Folder name under `roles/`, and the service name operators use in overrides. */
  name: string
  /** One line for `stackhouse plan` and docs. */
  description: string
  /** Whether the role is on at all for this cloud (a switched-off service, another backend). */
  enabled(model: Model): boolean
  /** Hosts that run this role, in inventory order. */
  hosts(model: Model): ModelHost[]
  /** Debian packages installed on the host. */
  packages(ctx: RoleContext): string[]
  /** Configuration files the host receives. */
  files(ctx: RoleContext): RoleFile[]
  /** systemd units that must be enabled and running on the host. */
  units(ctx: RoleContext): string[]
  /**
   * Units the role's packages enable that this host must not run (a Swift replicator
   * with nothing to replicate): stopped and disabled, so a reboot does not start them.
   */
  unitsOff?(ctx: RoleContext): string[]
  /** debconf answers pre-seeded before packages install: `package question type value`. */
  debconf?(ctx: RoleContext): string[]
  /** Databases the role needs, each with a user named after the service. */
  databases?(model: Model): { database: string; service: DatabaseService }[]
  /** Guarded commands: database schema sync, key setup, users in RabbitMQ… */
  bootstrap?(ctx: RoleContext): BootstrapStep[]
  /** Keystone entities: the service, its endpoints, its user. */
  register?(model: Model): Omit<KeystoneSpec, 'role'>[]
}

export interface BootstrapStep extends CommandSpec {
  /** Run on the role's first host only (schema migrations, cluster bootstrap). @default false */
  once?: boolean
  /** Before the role's units start (default), or after they run (e.g. users in RabbitMQ). */
  when?: 'before-start' | 'after-start'
}

/** Declare a role; returns it unchanged, typed. */
export function defineRole(role: Role): Role {
  return role
}

/** hostsIn's answers per model: roles ask for the same groups once per host, and a cloud may have thousands. */
const groupCache = new WeakMap<Model, Map<string, ModelHost[]>>()

/** Hosts of the model that are members of any of the groups, in inventory order. */
export function hostsIn(model: Model, ...groups: string[]): ModelHost[] {
  const cache = groupCache.get(model) ?? new Map<string, ModelHost[]>()
  groupCache.set(model, cache)
  const key = groups.join('\0')
  let hosts = cache.get(key)
  if (!hosts) {
    hosts = model.hosts.filter((h) => groups.some((g) => h.groups.includes(g)))
    cache.set(key, hosts)
  }
  return hosts
}

/** Which hosts run which role: computed once per model and list of roles, for render, plan, deploy and destroy. */
export interface Placement {
  /** The enabled roles, in the order given. */
  roles: readonly Role[]
  /** Hosts that run the role, in the role's order; [] for a role that is off. */
  hostsOf(role: Role): readonly ModelHost[]
  /** Enabled roles that run on the host, in the roles' order. */
  rolesOn(host: string): readonly Role[]
}

const placements = new WeakMap<Model, WeakMap<readonly Role[], Placement>>()

export function placement(model: Model, roles: readonly Role[]): Placement {
  const byRoles = placements.get(model) ?? new WeakMap<readonly Role[], Placement>()
  placements.set(model, byRoles)
  const cached = byRoles.get(roles)
  if (cached) return cached
  const enabled = roles.filter((r) => r.enabled(model))
  const hostsOf = new Map(enabled.map((r) => [r, r.hosts(model)] as const))
  const rolesOn = new Map<string, Role[]>(model.hosts.map((h) => [h.name, []]))
  for (const r of enabled) for (const h of hostsOf.get(r)!) rolesOn.get(h.name)?.push(r)
  const result: Placement = { roles: enabled, hostsOf: (r) => hostsOf.get(r) ?? [], rolesOn: (h) => rolesOn.get(h) ?? [] }
  byRoles.set(roles, result)
  return result
}

/** The units the roles on a host keep running and those they keep off, in deploy order, without repeats. */
export function unitsOn(model: Model, roles: readonly Role[], host: ModelHost): { wanted: string[]; off: string[] } {
  const on = placement(model, roles).rolesOn(host.name)
  return {
    wanted: [...new Set(on.flatMap((r) => r.units({ model, host })))],
    off: [...new Set(on.flatMap((r) => r.unitsOff?.({ model, host }) ?? []))],
  }
}

/** True when the host is a member of the group. */
export function inGroup(host: ModelHost, group: string): boolean {
  return host.groups.includes(group)
}

/** The all-in-one cloud: every service on one host, which sizes workers and buffers for it. */
export function singleHost(model: Model): boolean {
  return model.hosts.length === 1
}

/**
 * Worker processes per API service on a host. An all-in-one host runs ~20 API
 * services in a few GiB, so each gets one worker there; a dedicated control host
 * gets a few more.
 */
export function apiWorkers(model: Model): number {
  return singleHost(model) ? 1 : 4
}

/**
 * Worker processes of an eventlet server (glance-api, the neutron metadata agent,
 * the Swift servers). On an all-in-one host 0: the server runs in its main process,
 * with no forked child beside it, which saves a whole Python process per service.
 */
export function eventletWorkers(model: Model): number {
  return singleHost(model) ? 0 : apiWorkers(model)
}
