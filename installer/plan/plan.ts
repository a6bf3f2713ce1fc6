// SPDX-License-Identifier: Apache-2.0
// What each host receives, role by role: the input the deploy engine turns into tasks.
import type { Model } from '../model/types.ts'
import { filesByHostAndRole, render, type OverrideFile } from '../render/render.ts'
import type { Role } from '../role/contract.ts'
import { resolveCloud } from './resolve.ts'

export interface HostPlan {
  host: string
  address: string
  groups: string[]
  roles: { role: string; packages: string[]; units: string[]; unitsOff: string[]; files: string[] }[]
}

export function planHosts(model: Model, roles: readonly Role[], overrides: readonly OverrideFile[] = []): HostPlan[] {
  const filesOf = filesByHostAndRole(render(model, roles, overrides))
  return resolveCloud(model, roles).hosts.map(({ host, roles: mine }) => ({
    host: host.name,
    address: host.address,
    groups: host.groups.filter((g) => g !== 'all'),
    roles: mine.map((r) => ({
      role: r.role.name,
      packages: r.packages,
      units: r.units,
      unitsOff: r.unitsOff,
      files: filesOf(host.name, r.role.name).map((f) => f.path),
    })),
  }))
}
