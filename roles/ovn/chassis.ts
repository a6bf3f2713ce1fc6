// SPDX-License-Identifier: Apache-2.0
// ovn-controller takes its settings from the local Open vSwitch database
// (Open_vSwitch table, external_ids column), not from a file. The deploy engine
// runs these ovs-vsctl commands on each chassis after openvswitch-switch is up.
import { inGroup, type Model, type ModelHost } from '../../installer/role/index.ts'
import { physnet, providerInterface } from '../neutron/network.ts'
import { ovnSbConnection } from './central.ts'

/** The bridge that carries the provider network on a chassis. */
export const providerBridge = 'br-ex'

export interface OvnChassisSettings {
  /** external_ids of the Open_vSwitch row, in the order they are set. */
  externalIds: Record<string, string>
  /** The provider bridge and the NIC plugged into it; null without a provider NIC. */
  providerBridge: { bridge: string; interface: string } | null
  /** Commands to run, as argv (no shell). Every one is idempotent. */
  commands: string[][]
}

/**
 * What ovn-controller on `host` needs: the southbound database, its Geneve
 * endpoint, its name as Nova knows it, the provider bridge mapping, and (on
 * network hosts) the right to host router gateways.
 */
export function ovnChassisSettings(model: Model, host: ModelHost): OvnChassisSettings {
  const nic = providerInterface(model, host)
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
  }
  const commands: string[][] = []
  if (nic) {
    commands.push(['ovs-vsctl', '--may-exist', 'add-br', providerBridge, '--', '--may-exist', 'add-port', providerBridge, nic])
  }
  // Values are double-quoted for ovs-vsctl's own parser (they hold ':' and '-').
  commands.push(['ovs-vsctl', 'set', 'Open_vSwitch', '.', ...Object.entries(externalIds).map(([k, v]) => `external_ids:${k}="${v}"`)])
  return { externalIds, providerBridge: nic ? { bridge: providerBridge, interface: nic } : null, commands }
}
