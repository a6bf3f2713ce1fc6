// SPDX-License-Identifier: Apache-2.0
// What each host receives, role by role: the input the deploy engine turns into tasks.
import type { Model } from '../model/types.ts'
import { render, type OverrideFile } from '../render/render.ts'
import type { Role } from '../render/role.ts'

export interface HostPlan {
  host: string
  address: string
  groups: string[]
  roles: { role: string; packages: string[]; units: string[]; unitsOff: string[]; files: string[] }[]
}

export function planHosts(model: Model, roles: readonly Role[], overrides: readonly OverrideFile[] = []): HostPlan[] {
  const files = render(model, roles, overrides)
  return model.hosts.map((host) => ({
    host: host.name,
    address: host.address,
    groups: host.groups.filter((g) => g !== 'all'),
    roles: roles
      .filter((r) => r.enabled(model) && r.hosts(model).some((h) => h.name === host.name))
      .map((r) => ({
        role: r.name,
        packages: r.packages({ model, host }),
        units: r.units({ model, host }),
        unitsOff: r.unitsOff?.({ model, host }) ?? [],
        files: files.filter((f) => f.host === host.name && f.role === r.name).map((f) => f.path),
      })),
  }))
}
