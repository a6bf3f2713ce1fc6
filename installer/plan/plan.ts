// SPDX-License-Identifier: Apache-2.0
// What each host receives, role by role: the input the deploy engine turns into tasks.
import type { Model } from '../model/types.ts'
import { filesByHostAndRole, render, type OverrideFile } from '../render/render.ts'
import type { Role } from '../role/contract.ts'
import { placement } from './placement.ts'

export interface HostPlan {
  host: string
  address: string
  groups: string[]
  roles: { role: string; packages: string[]; units: string[]; unitsOff: string[]; files: string[] }[]
}

export function planHosts(model: Model, roles: readonly Role[], overrides: readonly OverrideFile[] = []): HostPlan[] {
  const filesOf = filesByHostAndRole(render(model, roles, overrides))
  const placed = placement(model, roles)
  return model.hosts.map((host) => ({
    host: host.name,
    address: host.address,
    groups: host.groups.filter((g) => g !== 'all'),
    roles: placed.rolesOn(host.name).map((r) => ({
      role: r.name,
      packages: r.packages({ model, host }),
      units: r.units({ model, host }),
      unitsOff: r.unitsOff?.({ model, host }) ?? [],
      files: filesOf(host.name, r.name).map((f) => f.path),
    })),
  }))
}
