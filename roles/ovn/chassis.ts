// SPDX-License-Identifier: Apache-2.0
// ovn-controller takes its settings from the local Open vSwitch database
// (Open_vSwitch table, external_ids column), not from a file. The deploy engine
// runs these ovs-vsctl commands on each chassis after openvswitch-switch is up.
import { inGroup, type Model, type ModelHost } from '../../installer/role/index.ts'
import { physnet, providerInterface } from '../neutron/network.ts'
import { ovnSbConnection } from './central.ts'

/** The bridge that carries the provider network on a chassis. */
export const providerBridge = 'br-ex'

/** The bridge that holds the tunnel address with the userspace datapath. */
export const underlayBridge = 'br-phy'

/**
 * Where Geneve leaves a chassis that runs Open vSwitch's userspace datapath.
 * NOTE: OVS tunnels in userspace only from an address on one of its own bridges
 * (its route lookup must end at an OVS port), so the tunnel NIC becomes a port of
 * br-phy and the tunnel address moves onto br-phy.
 */
export interface Underlay {
  bridge: string
  interface: string
  /** The host's tunnel address with the tunnel network's prefix, e.g. 10.79.0.62/24. */
  address: string
}

export interface OvnChassisSettings {
  /** `netdev` where the kernel has no openvswitch module (host facts). */
  datapath: 'system' | 'netdev'
  /** external_ids of the Open_vSwitch row, in the order they are set. */
  externalIds: Record<string, string>
  /** Keys Stackhouse sets on some chassis and not on this one: removed, so a host that changed role loses them. */
  clearedIds: string[]
  /** The provider bridge and the NIC plugged into it; null without a provider NIC. */
  providerBridge: { bridge: string; interface: string } | null
  /** br-phy with the tunnel NIC: only with the userspace datapath and a tunnel NIC of its own. */
  underlay: Underlay | null
  /** Commands to run, as argv (no shell): the provider bridge, the external_ids, the keys removed. Every one is idempotent. */
  commands: { providerBridge: string[] | null; setIds: string[]; clearIds: string[] | null }
}

/** external_ids keys only some chassis get. */
const optionalIds = ['ovn-bridge-mappings', 'ovn-cms-options', 'ovn-bridge-datapath-type'] as const

/** The host's NIC on the tunnel network, when it is not its management NIC. */
function ownTunnelInterface(model: Model, host: ModelHost): string | undefined {
  const tunnel = host.interfaces.tunnel ?? model.networks.tunnel.interface
  const management = host.interfaces.management ?? model.networks.management.interface
  return tunnel && tunnel !== management ? tunnel : undefined
}

/**
 * What ovn-controller on `host` needs: the southbound database, its Geneve
 * endpoint, its name as Nova knows it, the provider bridge mapping, and (on
 * network hosts) the right to host router gateways.
 */
export function ovnChassisSettings(model: Model, host: ModelHost): OvnChassisSettings {
  // NOTE: every chassis is bridged to the provider network, as any may host a router's
  // gateway: Zed's Neutron reads enable-chassis-as-gw and the bridge mappings from
  // Chassis.external_ids, where Debian 12's OVN 23.03 no longer writes them, so its
  // gateway scheduler sees no gateway chassis and spreads gateways over all of them.
  const nic = providerInterface(model, host)
  const datapath = host.ovsDatapath ?? 'system'
  const netdev = datapath === 'netdev'
  const externalIds: Record<string, string> = {
    'ovn-remote': ovnSbConnection(model),
    'ovn-encap-type': 'geneve',
    'ovn-encap-ip': host.tunnelAddress,
    'ovn-bridge': 'br-int',
    // NOTE: Neutron binds a port to the chassis whose hostname equals the port's
    // binding:host_id, nova-compute's host (the machine's hostname, which the
    // inventory name must match); Debian's ovs-record-hostname records `hostname -f`.
    hostname: host.name,
    ...(nic ? { 'ovn-bridge-mappings': `${physnet(model)}:${providerBridge}` } : {}),
    ...(inGroup(host, 'network') ? { 'ovn-cms-options': 'enable-chassis-as-gw' } : {}),
    // ovn-controller makes br-int with this datapath.
    ...(netdev ? { 'ovn-bridge-datapath-type': 'netdev' } : {}),
  }
  // Only a tunnel address and NIC of its own can move onto br-phy: the management ones stay the host's.
  const tunnelNic = netdev && host.tunnelAddress !== host.address ? ownTunnelInterface(model, host) : undefined
  const underlay = tunnelNic
    ? { bridge: underlayBridge, interface: tunnelNic, address: `${host.tunnelAddress}/${model.networks.tunnel.cidr.split('/')[1]}` }
    : null
  const providerBridgeCommand = nic
    ? [
        'ovs-vsctl',
        '--may-exist',
        'add-br',
        providerBridge,
        ...(netdev ? ['--', 'set', 'bridge', providerBridge, 'datapath_type=netdev'] : []),
        '--',
        '--may-exist',
        'add-port',
        providerBridge,
        nic,
      ]
    : null
  const clearedIds = optionalIds.filter((k) => !(k in externalIds))
  const commands = {
    providerBridge: providerBridgeCommand,
    // Values are double-quoted for ovs-vsctl's own parser (they hold ':' and '-').
    setIds: ['ovs-vsctl', 'set', 'Open_vSwitch', '.', ...Object.entries(externalIds).map(([k, v]) => `external_ids:${k}="${v}"`)],
    clearIds: clearedIds.length ? ['ovs-vsctl', 'remove', 'Open_vSwitch', '.', 'external_ids', ...clearedIds] : null,
  }
  return { datapath, externalIds, clearedIds, providerBridge: nic ? { bridge: providerBridge, interface: nic } : null, underlay, commands }
}
