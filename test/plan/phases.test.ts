// SPDX-License-Identifier: Apache-2.0
// Packages install role by role, so a role configures before later roles' packages are
// in. Its files may be owned by a user another role's packages create: the phases
// must wait for those packages, which the roles' declared users make known.
import { describe, expect, it } from 'vitest'
import { buildPhases } from '../../installer/plan/phases.ts'
import { render } from '../../installer/render/render.ts'
import { roles } from '../../roles/index.ts'
import { fixtureModel } from '../helpers.ts'

/** Accounts every Debian system has (base-passwd), which no role creates. */
const baseAccounts = ['root', 'www-data']

describe('the phases of the built-in cloud', () => {
  it.each(['aio', '3-node'] as const)('%s: every file owner is a base account or a user some role declares', (fixture) => {
    const files = render(fixtureModel(fixture), roles)
    const declared = new Set(roles.flatMap((r) => r.users ?? []))
    const owners = new Set(files.flatMap((f) => [f.owner, f.group]))
    expect([...owners].filter((o) => !baseAccounts.includes(o) && !declared.has(o))).toEqual([])
  })

  it("make ceph wait for cinder's packages: it writes the cinder keyring as nova:cinder", () => {
    // GIVEN a cloud with Ceph, which configures before cinder (cinder needs it)
    const m = fixtureModel('3-node')
    const phases = buildPhases(m, roles, render(m, roles), { admin: () => Promise.reject(new Error('not called')) })
    const needs = (id: string) => phases.find((p) => p.id === id)!.needs
    // THEN ceph's phase waits for the packages that create nova and cinder, and nothing waits in a circle
    expect(needs('ceph')).toEqual(expect.arrayContaining(['ceph.packages', 'cinder.packages']))
    expect(needs('cinder.packages')).not.toContain('ceph')
    // AND a role whose files only its own users own waits for no other role's packages
    expect(needs('glance')!.filter((n) => n.endsWith('.packages'))).toEqual(['glance.packages'])
  })
})
