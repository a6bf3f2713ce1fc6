// SPDX-License-Identifier: Apache-2.0
// Packages install role by role, so a role configures before later roles' packages are
// in. Its files may be owned by a user another role's packages create: the phases
// must wait for those packages, which the roles' declared users make known.
import { describe, expect, it } from 'vitest'
import { buildPhases } from '../../installer/plan/phases.ts'
import type { Task, TaskContext } from '../../installer/tasks/types.ts'
import { FakeHost } from '../runner/fake-host.ts'
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

  it("start nova-compute only while no apt transaction runs on its host (neutron's packages may be unpacking)", async () => {
    // GIVEN the phases of a cloud with compute hosts, and nova-compute's start task on one
    const m = fixtureModel('3-node')
    const phases = buildPhases(m, roles, render(m, roles), { admin: () => Promise.reject(new Error('not called')) })
    const on = (phase: string, task: (t: Task) => boolean) =>
      phases.find((p) => p.id === phase)!.hosts.flatMap((h) => h.tasks.filter(task).map((t) => ({ host: h.host, task: t })))
    const [compute] = on('nova', (t) => t.unit === 'nova-compute.service')
    expect(compute).toBeDefined()
    // AND an apt transaction of neutron's packages held open on the same host
    const [neutron] = on('neutron.packages', () => true).filter((x) => x.host.name === compute!.host.name)
    const transport = new FakeHost(compute!.host.name)
    let release!: () => void
    const held = new Promise<void>((r) => (release = r))
    transport.onExec = async (command) => {
      if (command.includes(' install ')) await held
    }
    const ctx: TaskContext = { transport, host: compute!.host, check: false, changedFiles: new Set(), log: () => {}, redact: (s) => s }
    const installing = neutron!.task.apply(ctx)
    await new Promise((r) => setTimeout(r, 20))
    // WHEN nova-compute's start comes along THEN it sends nothing to the host until the transaction ends
    const before = transport.commands.length
    const starting = compute!.task.apply(ctx)
    await new Promise((r) => setTimeout(r, 20))
    expect(transport.commands.slice(before)).toEqual([])
    release()
    await installing
    await expect(starting).resolves.toMatchObject({ status: 'changed' })
    expect(transport.commands.at(-1)).toContain('nova-compute.service')
  })
})
