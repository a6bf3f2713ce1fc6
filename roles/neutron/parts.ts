// SPDX-License-Identifier: Apache-2.0
// Which Neutron services a host runs, as data: each part has its Debian packages
// and systemd units (bookworm, neutron 2:21.0.0 = Zed).
import { inGroup, type Model, type ModelHost } from '../../installer/role/index.ts'

export type NeutronPart = 'server' | 'linuxbridgeAgent' | 'networkAgents' | 'ovnMetadataAgent'

export interface PartSpec {
  packages: string[]
  units: string[]
}

/** Debian's uwsgi API and RPC server: kept off where an older deploy or a hand install left them. */
export const replacedServerUnits = ['neutron-api.service', 'neutron-rpc-server.service']

export const parts: Record<NeutronPart, PartSpec> = {
  // NOTE: the control host runs the eventlet /usr/bin/neutron-server (shipped by
  // neutron-common) from our own unit, not Debian's neutron-server metapackage (uwsgi
  // neutron-api plus neutron-rpc-server). ML2/OVN cannot run under uwsgi in Zed: its API
  // workers wait forever for a post-fork hook only the eventlet server fires
  // (https://bugs.launchpad.net/neutron/+bug/1912359). With Linux bridge one eventlet
  // process tree serves the API from its main process and is ~100 MiB smaller than
  // the uwsgi pair on an all-in-one host.
  server: { packages: ['neutron-common'], units: ['neutron-server.service'] },
  linuxbridgeAgent: { packages: ['neutron-linuxbridge-agent'], units: ['neutron-linuxbridge-agent.service'] },
  networkAgents: {
    packages: ['neutron-dhcp-agent', 'neutron-l3-agent', 'neutron-metadata-agent'],
    units: ['neutron-dhcp-agent.service', 'neutron-l3-agent.service', 'neutron-metadata-agent.service'],
  },
  // NOTE: the OVN metadata agent spawns one haproxy per network namespace, but the
  // Debian package does not depend on haproxy (the DHCP/L3/metadata agents do).
  ovnMetadataAgent: { packages: ['neutron-ovn-metadata-agent', 'haproxy'], units: ['neutron-ovn-metadata-agent.service'] },
}

/**
 * The parts a host runs. The server on control hosts. Linux bridge: the L2 agent
 * on network and compute hosts, DHCP/L3/metadata agents on network hosts. OVN:
 * ovn-controller does L2, L3 and DHCP (roles/ovn), so only the OVN metadata
 * agent, on compute hosts.
 */
export function partsOf(model: Model, host: ModelHost): NeutronPart[] {
  const lb = model.backends.network === 'linuxbridge'
  const on: Record<NeutronPart, boolean> = {
    server: inGroup(host, 'control'),
    linuxbridgeAgent: lb && (inGroup(host, 'network') || inGroup(host, 'compute')),
    networkAgents: lb && inGroup(host, 'network'),
    ovnMetadataAgent: !lb && inGroup(host, 'compute'),
  }
  return (Object.keys(parts) as NeutronPart[]).filter((p) => on[p])
}

/** Units of the given parts that the host runs. */
export function unitsOf(running: NeutronPart[], ...of: NeutronPart[]): string[] {
  return running.filter((p) => of.includes(p)).flatMap((p) => parts[p].units)
}
