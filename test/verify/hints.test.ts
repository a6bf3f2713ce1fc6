// SPDX-License-Identifier: Apache-2.0
// Verify's hints name the log a daemon's role declares, not a path of their own.
import { describe, expect, it } from 'vitest'
import { daemonLog } from '../../installer/verify/hints.ts'
import { roles } from '../../roles/index.ts'
import { fixtureModel } from '../helpers.ts'

describe("verify's hints", () => {
  it("name a daemon's log as its role declares it, and the journal for one the cloud does not run", () => {
    const model = fixtureModel('3-node')
    expect(daemonLog({ model, roles }, 'nova-compute')).toBe('/var/log/nova/nova-compute.log')
    expect(daemonLog({ model, roles }, 'ovn-controller')).toBe('/var/log/ovn/ovn-controller.log')
    // GIVEN nova's role logging elsewhere THEN the hint follows it
    const moved = roles.map((r) =>
      r.name === 'nova'
        ? { ...r, daemons: () => [{ service: 'compute' as const, binary: 'nova-compute', log: '/srv/log/nova-compute.log' }] }
        : r,
    )
    expect(daemonLog({ model, roles: moved }, 'nova-compute')).toBe('/srv/log/nova-compute.log')
    // AND a Linux bridge agent on this OVN cloud is looked for in the journal
    expect(model.backends.network).toBe('ovn')
    expect(daemonLog({ model, roles }, 'neutron-l3-agent')).toBe('journalctl -u neutron-l3-agent')
  })
})
