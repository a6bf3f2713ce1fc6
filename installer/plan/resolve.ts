// SPDX-License-Identifier: Apache-2.0
// model + roles → what each host runs, resolved once: which roles, their packages,
// debconf answers, units (wanted and kept off), the steps that run there (targets
// resolved), the databases made from there and the Keystone registrations made in
// its phase. Pure and cached per model and list of roles; render, plan, deploy,
// destroy, status and power all read it, so they can never disagree.
import type { Model, ModelHost } from '../model/types.ts'
import type { BootstrapStep, ReadyMarker, Role, StepTarget } from '../role/contract.ts'
import type { KeystoneSpec } from '../tasks/keystone.ts'
import { placement } from './placement.ts'

/** A database and its user, made over MariaDB's socket on the database host. */
export interface DatabasePlan {
  database: string
  user: string
  password: string
}

/** One role on one host. */
export interface RolePlan {
  role: Role
  packages: string[]
  /** Shell lines run in the role's apt transaction, before and after its packages (Role.beforePackages, Role.afterPackages). */
  beforePackages: string[]
  afterPackages: string[]
  debconf: string[]
  units: string[]
  unitsOff: string[]
  /** Units that are up only once their log says so. */
  readyWhen: ReadyMarker[]
  /** The role's steps that run on this host, in the role's order. */
  steps: BootstrapStep[]
  /** Made in this role's phase from this host: it is the database host (or the role's first). */
  databases: DatabasePlan[]
  /** Registered in this role's phase from this host: the role's first control host. */
  registrations: Omit<KeystoneSpec, 'role'>[]
}

export interface ResolvedHost {
  host: ModelHost
  /** The enabled roles on the host, in the roles' order. */
  roles: RolePlan[]
}

export interface CloudPlan {
  /** The model the plan was resolved from. */
  model: Model
  /** The enabled roles, in the order given. */
  roles: readonly Role[]
  hosts: ResolvedHost[]
  /** The hosts that run a role, in the role's order; [] for a role that is off. */
  hostsOf(role: Role): readonly ModelHost[]
  /** The role's plan on a host, if it runs there. */
  roleOn(host: string, role: Role): RolePlan | undefined
}

const plans = new WeakMap<Model, WeakMap<readonly Role[], CloudPlan>>()

export function resolveCloud(model: Model, roles: readonly Role[]): CloudPlan {
  const byRoles = plans.get(model) ?? new WeakMap<readonly Role[], CloudPlan>()
  plans.set(model, byRoles)
  const cached = byRoles.get(roles)
  if (cached) return cached
  const placed = placement(model, roles)
  const hosts = model.hosts.map(
    (host): ResolvedHost => ({ host, roles: placed.rolesOn(host.name).map((role) => rolePlan(model, role, placed.hostsOf(role), host)) }),
  )
  const index = new Map(hosts.map((h) => [h.host.name, new Map(h.roles.map((r) => [r.role, r]))]))
  const plan: CloudPlan = { model, roles: placed.roles, hosts, hostsOf: placed.hostsOf, roleOn: (host, role) => index.get(host)?.get(role) }
  byRoles.set(roles, plan)
  return plan
}

/** The hosts a step target names, among the role's hosts. */
export function targetOf(on: StepTarget, hosts: readonly ModelHost[]): readonly ModelHost[] {
  if (on === 'each') return hosts
  if (on === 'first') return hosts.slice(0, 1)
  if (on === 'first-control-host') return [hosts.find((h) => h.groups.includes('control')) ?? hosts[0]!].filter(Boolean)
  return hosts.filter((h) => h.groups.includes(on.group))
}

function rolePlan(model: Model, role: Role, hosts: readonly ModelHost[], host: ModelHost): RolePlan {
  const ctx = { model, host }
  const runsHere = (s: BootstrapStep) => targetOf(s.on ?? 'each', hosts).includes(host)
  const registrar = targetOf('first-control-host', hosts)[0]
  // Databases are made over MariaDB's local socket, so on the database host when it runs this role.
  const dbHost = hosts.find((h) => h.address === model.database.host) ?? registrar
  return {
    role,
    packages: role.packages(ctx),
    beforePackages: role.beforePackages?.(ctx) ?? [],
    afterPackages: role.afterPackages?.(ctx) ?? [],
    debconf: role.debconf?.(ctx) ?? [],
    units: role.units(ctx),
    unitsOff: role.unitsOff?.(ctx) ?? [],
    readyWhen: role.readyWhen?.(ctx) ?? [],
    steps: (role.bootstrap?.(ctx) ?? []).filter(runsHere),
    databases:
      host === dbHost
        ? (role.databases?.(model) ?? []).map(({ database, service }) => ({
            database,
            user: service,
            password: model.secrets[`${service}_database_password`],
          }))
        : [],
    registrations: host === registrar ? (role.register?.(model) ?? []) : [],
  }
}

/** The units the roles on a host keep running and those they keep off, in deploy order, without repeats. */
export function unitsOn(
  model: Model,
  roles: readonly Role[],
  host: ModelHost,
): { wanted: string[]; off: string[]; readyWhen: ReadyMarker[] } {
  const mine = resolveCloud(model, roles).hosts.find((h) => h.host.name === host.name)?.roles ?? []
  return {
    wanted: [...new Set(mine.flatMap((r) => r.units))],
    off: [...new Set(mine.flatMap((r) => r.unitsOff))],
    readyWhen: mine.flatMap((r) => r.readyWhen),
  }
}
