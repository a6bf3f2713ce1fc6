// SPDX-License-Identifier: Apache-2.0
// The chassis settings of ovnChassisSettings as guarded steps: they live in the
// local Open vSwitch database, so they are set once openvswitch-switch runs.
// ovn-central needs none: ovn-ctl creates the NB/SB databases and their TCP
// remotes from /etc/default/ovn-central at start.
import { argv, inGroup, sh, type BootstrapStep, type Model, type ModelHost } from '../../installer/role/index.ts'
import { ovnChassisSettings } from './chassis.ts'

/** A shell test that the Open_vSwitch row's column (or map key) is `value` (unquoted); --if-exists prints nothing for a missing key. */
const ovsValueIs = (column: string, value: string) => sh`[ "$(ovs-vsctl --if-exists get Open_vSwitch . ${column} | tr -d '"')" = ${value} ]`

/** A guard true when every external_ids key has its value. */
function externalIdsSet(ids: Record<string, string>): string {
  return Object.entries(ids)
    .map(([k, v]) => ovsValueIs(`external_ids:${k}`, v))
    .join(' && ')
}

/**
 * The userspace datapath, before any other chassis setting: br-int made (or remade)
 * netdev, and TSO support on, which ovs-vswitchd reads only at start. NOTE: with
 * TSO support on, OVS reads and writes the offload metadata of its AF_PACKET and tap
 * ports, so a packet whose TCP checksum the kernel left to the NIC (the OVN metadata
 * proxy's replies) leaves with a filled one; without it they reach the guest broken.
 */
function userspaceDatapathStep(): BootstrapStep {
  // NOTE: br-int is not in the guard: os-vif sets it to `system` for a moment at each
  // plug (ovn-controller sets it back from ovn-bridge-datapath-type), and a deploy then
  // must not restart ovs-vswitchd. br-int made before the setting is made netdev here.
  return {
    id: 'ovn.userspace-datapath',
    title: 'Open vSwitch userspace datapath (no openvswitch kernel module): br-int netdev, TSO support, ovs-vswitchd restarted',
    when: 'after-start',
    unless: `${ovsValueIs('other_config:userspace-tso-enable', 'true')} && ${ovsValueIs('external_ids:ovn-bridge-datapath-type', 'netdev')}`,
    run: [
      'ovs-vsctl set Open_vSwitch . other_config:userspace-tso-enable=true external_ids:ovn-bridge-datapath-type=netdev',
      '{ ! ovs-vsctl br-exists br-int || ovs-vsctl set bridge br-int datapath_type=netdev; }',
      'systemctl restart ovs-vswitchd.service',
    ].join(' && '),
  }
}

/** Where os-vif (in nova-compute) reaches the local Open vSwitch database: its default, [os_vif_ovs] ovsdb_connection. */
export const osVifManager = 'ptcp:6640:127.0.0.1'

/**
 * The local OVSDB on TCP loopback, for os-vif: nova-compute runs as nova, and the
 * database's unix socket is root's (0750). Loopback only, as Kolla does it.
 */
function osVifManagerStep(): BootstrapStep {
  return {
    id: 'ovn.ovsdb-manager',
    title: `Open vSwitch database on ${osVifManager} for nova-compute's os-vif`,
    when: 'after-start',
    unless: sh`ovs-vsctl get-manager | grep -qxF ${osVifManager}`,
    run: argv('ovs-vsctl', 'set-manager', osVifManager),
  }
}

/** Steps on a chassis (network and compute hosts): the datapath, the provider bridge, then ovn-controller's settings. */
export function chassisSteps(model: Model, host: ModelHost): BootstrapStep[] {
  const s = ovnChassisSettings(model, host)
  const steps: BootstrapStep[] = s.datapath === 'netdev' ? [userspaceDatapathStep()] : []
  if (s.providerBridge && s.commands.providerBridge) {
    const { bridge, interface: nic } = s.providerBridge
    const datapath = s.datapath === 'netdev' ? sh` && [ "$(ovs-vsctl get bridge ${bridge} datapath_type)" = netdev ]` : ''
    steps.push({
      id: 'ovn.provider-bridge',
      title: `bridge ${bridge} with ${nic}`,
      when: 'after-start',
      unless: sh`ovs-vsctl br-exists ${bridge} && [ "$(ovs-vsctl port-to-br ${nic} 2>/dev/null)" = ${bridge} ]` + datapath,
      run: argv(...s.commands.providerBridge),
    })
  }
  // A key that is not there reads as nothing.
  const cleared = s.clearedIds.map((k) => ovsValueIs(`external_ids:${k}`, ''))
  steps.push({
    id: 'ovn.chassis',
    title: `ovn-controller settings (external_ids: ${Object.keys(s.externalIds).join(', ')})`,
    when: 'after-start',
    unless: [externalIdsSet(s.externalIds), ...cleared].join(' && '),
    run: [argv(...s.commands.setIds), ...(s.commands.clearIds ? [argv(...s.commands.clearIds)] : [])].join(' && '),
  })
  if (inGroup(host, 'compute')) steps.push(osVifManagerStep())
  return steps
}
