// SPDX-License-Identifier: Apache-2.0
// Which roles run on which hosts, resolved once per model and list of roles.
import type { Model, ModelHost } from '../model/types.ts'
import type { Role } from '../role/contract.ts'

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
