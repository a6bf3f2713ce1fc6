// SPDX-License-Identifier: Apache-2.0
// neutron: the networking API and RPC server on control hosts, and the agents of
// the chosen backend. The eventlet neutron-server on control hosts. Linux bridge:
// the L2 agent on network and compute hosts, DHCP/L3/metadata agents on network
// hosts. OVN: the OVN metadata agent on compute hosts; OVN's own daemons
// (ovn-central, ovn-controller, Open vSwitch) are roles/ovn.
import { defineRole, hostsIn, sh, type Endpoint } from '../../installer/role/index.ts'
import { bootstrapSteps, debconfSelections, ovnResync, registration } from './deploy.ts'
import { ebtablesWrapper, neutronFiles } from './files.ts'
import { parts, partsOf, replacedServerUnits } from './parts.ts'

// The names this role adds to the model, typed for every reader.
declare module '../../installer/role/index.ts' {
  interface SecretRegistry {
    neutron_database_password: string
    neutron_keystone_password: string
    metadata_proxy_secret: string
  }
  interface EndpointRegistry {
    neutron: Endpoint
  }
}

export { tlsFiles } from './vars.ts'

export default defineRole({
  name: 'neutron',
  description: 'Neutron networking: API, RPC server and the Linux bridge or OVN metadata agents',
  needs: ['mariadb', 'rabbitmq', 'keystone', 'ovn'],
  secrets: {
    neutron_database_password: 'password',
    neutron_keystone_password: 'password',
    metadata_proxy_secret: 'password',
  },
  api: { type: 'network', port: 9696, path: '', process: 'neutron-server', log: '/var/log/neutron/neutron-server.log' },
  leftovers: ['/var/lib/neutron', '/etc/neutron', '/var/log/neutron'],
  // The ebtables alternative the deploy registered (deploy.ts): the link goes back to ebtables-nft.
  undo: [sh`update-alternatives --quiet --remove ebtables ${ebtablesWrapper}`],
  // The agents that must report in; with OVN, ovn-controller reports as an agent too (roles/ovn declares it).
  daemons: (model) =>
    (model.backends.network === 'ovn'
      ? ['neutron-ovn-metadata-agent']
      : ['neutron-linuxbridge-agent', 'neutron-dhcp-agent', 'neutron-l3-agent', 'neutron-metadata-agent']
    ).map((binary) => ({ service: 'network', binary, log: `/var/log/neutron/${binary}.log` })),
  enabled: () => true,
  hosts: (model) =>
    model.backends.network === 'ovn' ? hostsIn(model, 'control', 'compute') : hostsIn(model, 'control', 'network', 'compute'),
  users: ['neutron'],
  packages: ({ model, host }) => [...new Set(partsOf(model, host).flatMap((p) => parts[p].packages))],
  files: ({ model, host }) => neutronFiles(model, host, partsOf(model, host)),
  units: ({ model, host }) => partsOf(model, host).flatMap((p) => parts[p].units),
  unitsOff: ({ model, host }) => (partsOf(model, host).includes('server') ? replacedServerUnits : []),
  // NOTE: the DHCP agent reports in before it has synced its networks (dnsmasq and the
  // hosts files): after a boot, a server launched then gets no lease for a while.
  readyWhen: ({ model, host }) =>
    partsOf(model, host).includes('networkAgents')
      ? [{ unit: 'neutron-dhcp-agent.service', log: '/var/log/neutron/neutron-dhcp-agent.log', line: 'Synchronizing state complete' }]
      : [],
  debconf: ({ model, host }) => debconfSelections(model, host),
  databases: () => [{ database: 'neutron', service: 'neutron' }],
  backup: (model) => (model.backends.network === 'ovn' ? { on: 'first-control-host', afterRestore: [ovnResync] } : undefined),
  bootstrap: ({ model, host }) => bootstrapSteps(model, host),
  register: registration,
})
