// SPDX-License-Identifier: Apache-2.0
// The cloud resolved once: step targets name their hosts, and every reader of the
// plan (phases, plan, destroy, status) sees the same roles, units and steps.
import { describe, expect, it } from 'vitest'
import { resolveCloud, targetOf, unitsOn } from '../../installer/plan/resolve.ts'
import { defineRole, hostsIn } from '../../installer/role/index.ts'
import { fixtureModel, hostContext } from '../helpers.ts'

const probe = defineRole({
  name: 'probe',
  description: 'a role with one step per target',
  enabled: () => true,
  hosts: (m) => hostsIn(m, 'control', 'compute'),
  packages: () => [],
  files: () => [],
  units: ({ host }) => [`probe-${host.name}.service`],
  bootstrap: () => [
    { id: 'probe.each', title: 'each', unless: 'true', run: 'true' },
    { id: 'probe.first', title: 'first', on: 'first', unless: 'true', run: 'true' },
    { id: 'probe.control', title: 'first control host', on: 'first-control-host', unless: 'true', run: 'true' },
    { id: 'probe.compute', title: 'compute group', on: { group: 'compute' }, unless: 'true', run: 'true' },
  ],
})

describe('resolveCloud', () => {
  it('runs each step where its target names, whatever the inventory order', () => {
    // GIVEN the 3-node cloud with a compute host listed first
    const model = fixtureModel('3-node', (base) => ({ hosts: ['cmp1', 'ctl1', 'cmp2'].map((n) => hostContext(base, n).host) }))
    // WHEN it is resolved
    const roles = [probe]
    const plan = resolveCloud(model, roles)
    const steps = (host: string) => plan.roleOn(host, probe)!.steps.map((s) => s.id)
    // THEN `first` is the inventory's first host, `first-control-host` the control host, a group its members
    expect(steps('cmp1')).toEqual(['probe.each', 'probe.first', 'probe.compute'])
    expect(steps('ctl1')).toEqual(['probe.each', 'probe.control'])
    expect(steps('cmp2')).toEqual(['probe.each', 'probe.compute'])
    // AND it is resolved once per model and list of roles
    expect(resolveCloud(model, roles)).toBe(plan)
    expect(unitsOn(model, [probe], hostContext(model, 'cmp2').host)).toEqual({ wanted: ['probe-cmp2.service'], off: [], readyWhen: [] })
  })

  it('falls back to the first host when no host of the role is a control host', () => {
    const hosts = [hostContext(fixtureModel('3-node'), 'cmp1').host, hostContext(fixtureModel('3-node'), 'cmp2').host]
    expect(targetOf('first-control-host', hosts).map((h) => h.name)).toEqual(['cmp1'])
    expect(targetOf({ group: 'storage' }, hosts).map((h) => h.name)).toEqual(
      hosts.filter((h) => h.groups.includes('storage')).map((h) => h.name),
    )
    expect(targetOf('first', [])).toEqual([])
    expect(targetOf('first-control-host', [])).toEqual([])
  })
})
