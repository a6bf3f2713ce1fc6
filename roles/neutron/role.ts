// SPDX-License-Identifier: Apache-2.0
// neutron: the networking API and RPC server on control hosts, and the agents of
// the chosen backend. The eventlet neutron-server on control hosts. Linux bridge:
// the L2 agent on network and compute hosts, DHCP/L3/metadata agents on network
// hosts. OVN: the OVN metadata agent on compute hosts; OVN's own daemons
// (ovn-central, ovn-controller, Open vSwitch) are roles/ovn.
import { defineRole, hostsIn } from '../../installer/role/index.ts'
import { bootstrapSteps, debconfSelections, registration } from './deploy.ts'
import { neutronFiles } from './files.ts'
import { parts, partsOf, replacedServerUnits } from './parts.ts'

export { tlsFiles } from './vars.ts'

export default defineRole({
  name: 'neutron',
  description: 'Neutron networking: API, RPC server and the Linux bridge or OVN metadata agents',
  enabled: () => true,
  hosts: (model) =>
    model.backends.network === 'ovn' ? hostsIn(model, 'control', 'compute') : hostsIn(model, 'control', 'network', 'compute'),
  packages: ({ model, host }) => [...new Set(partsOf(model, host).flatMap((p) => parts[p].packages))],
  files: ({ model, host }) => neutronFiles(model, host, partsOf(model, host)),
  units: ({ model, host }) => partsOf(model, host).flatMap((p) => parts[p].units),
  unitsOff: ({ model, host }) => (partsOf(model, host).includes('server') ? replacedServerUnits : []),
  debconf: ({ model, host }) => debconfSelections(model, host),
  databases: () => [{ database: 'neutron', service: 'neutron' }],
  bootstrap: ({ model, host }) => bootstrapSteps(model, host),
  register: registration,
})
