// SPDX-License-Identifier: Apache-2.0
// The chassis settings of ovnChassisSettings as guarded steps: they live in the
// local Open vSwitch database, so they are set once openvswitch-switch runs.
// ovn-central needs none: ovn-ctl creates the NB/SB databases and their TCP
// remotes from /etc/default/ovn-central at start.
import { argv, sh, type BootstrapStep, type Model, type ModelHost } from '../../installer/role/index.ts'
import { ovnChassisSettings } from './chassis.ts'

/**
 * A guard true when every external_ids key has its value. ovs-vsctl prints a
 * value in double quotes unless it is a bare identifier; --if-exists prints
 * nothing for a missing key.
 */
function externalIdsSet(ids: Record<string, string>): string {
  return Object.entries(ids)
    .map(([k, v]) => sh`[ "$(ovs-vsctl --if-exists get Open_vSwitch . ${`external_ids:${k}`} | tr -d '"')" = ${v} ]`)
    .join(' && ')
}

/** Steps on a chassis (network and compute hosts): the provider bridge, then ovn-controller's settings. */
export function chassisSteps(model: Model, host: ModelHost): BootstrapStep[] {
  const s = ovnChassisSettings(model, host)
  const setIds = s.commands.at(-1)!
  const steps: BootstrapStep[] = []
  if (s.providerBridge) {
    const { bridge, interface: nic } = s.providerBridge
    steps.push({
      id: 'ovn.provider-bridge',
      title: `bridge ${bridge} with ${nic}`,
      when: 'after-start',
      unless: sh`ovs-vsctl br-exists ${bridge} && [ "$(ovs-vsctl port-to-br ${nic} 2>/dev/null)" = ${bridge} ]`,
      run: argv(...s.commands[0]!),
    })
  }
  steps.push({
    id: 'ovn.chassis',
    title: `ovn-controller settings (external_ids: ${Object.keys(s.externalIds).join(', ')})`,
    when: 'after-start',
    unless: externalIdsSet(s.externalIds),
    run: argv(...setIds),
  })
  return steps
}
