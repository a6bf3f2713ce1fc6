// SPDX-License-Identifier: Apache-2.0
// ovn: OVN's own daemons when backends.network is ovn. ovn-central (northd and the
// NB/SB databases) on the first control host; ovn-controller with Open vSwitch on
// every network host (gateway chassis) and compute host.
import { daemonReload, defineRole, inGroup, type Model, type ModelHost, type RoleFile } from '../../installer/role/index.ts'
import { ovnCentralHost, ovnPorts } from './central.ts'
import { ovnChassisSettings, type Underlay } from './chassis.ts'
import { chassisSteps } from './deploy.ts'

export { ovnChassisSettings, type OvnChassisSettings } from './chassis.ts'

const isCentral = (model: Model, host: ModelHost) => host.name === ovnCentralHost(model).name
const isChassis = (host: ModelHost) => inGroup(host, 'network') || inGroup(host, 'compute')
/** The drop-in that puts the tunnel address on br-phy whenever ovs-vswitchd starts or reloads. */
const underlayDropIn = '/etc/systemd/system/ovs-vswitchd.service.d/stackhouse-underlay.conf'
/** br-phy and the tunnel address on it, on a chassis with the userspace datapath and a tunnel NIC of its own. */
const underlayOf = (model: Model, host: ModelHost) => (isChassis(host) ? ovnChassisSettings(model, host).underlay : null)

/** The drop-in's lines: the same commands after each start and after each reload. */
function underlayDirectives({ bridge, interface: nic, address }: Underlay): string[] {
  const commands = [
    `/usr/bin/ovs-vsctl --may-exist add-br ${bridge} -- set bridge ${bridge} datapath_type=netdev -- --may-exist add-port ${bridge} ${nic}`,
    `/sbin/ip link set dev ${nic} up`,
    `/sbin/ip link set dev ${bridge} up`,
    `-/sbin/ip -4 address flush dev ${bridge}`,
    `/sbin/ip address add ${address} dev ${bridge}`,
  ]
  return ['ExecStartPost', 'ExecReload'].flatMap((key) => commands.map((c) => `${key}=${c}`))
}

/** The drop-in, where the host has an underlay. */
function underlayFiles(model: Model, host: ModelHost): RoleFile[] {
  const underlay = underlayOf(model, host)
  if (!underlay) return []
  return [
    {
      path: underlayDropIn,
      template: 'ovs-vswitchd-underlay.conf.hbs',
      format: 'text',
      vars: { ...underlay, directives: underlayDirectives(underlay) },
      // ovs-vswitchd is PartOf openvswitch-switch: its restart runs the drop-in.
      notify: ['openvswitch-switch.service'],
    },
  ]
}

export default defineRole({
  name: 'ovn',
  description: 'OVN: northd and databases on a control host, ovn-controller and Open vSwitch on chassis',
  daemons: () => [{ service: 'network', binary: 'ovn-controller', log: '/var/log/ovn/ovn-controller.log' }],
  enabled: (model) => model.backends.network === 'ovn',
  hosts: (model) => model.hosts.filter((h) => isCentral(model, h) || isChassis(h)),
  packages: ({ model, host }) => [
    ...(isCentral(model, host) ? ['ovn-central'] : []),
    ...(isChassis(host) ? ['openvswitch-switch', 'ovn-host'] : []),
  ],
  files: ({ model, host }) => [
    ...(isCentral(model, host)
      ? [
          {
            // Read by ovn-ctl through each unit's EnvironmentFile.
            path: '/etc/default/ovn-central',
            format: 'text' as const,
            vars: { address: host.address, nbPort: ovnPorts.nb, sbPort: ovnPorts.sb },
            notify: ['ovn-central.service'],
          },
        ]
      : []),
    ...(isChassis(host)
      ? [
          {
            // NOTE: ovs-ctl (--system-id=random) writes external_ids:system-id from this
            // file at every start, so the chassis name lives here, not in ovs-vsctl.
            path: '/etc/openvswitch/system-id.conf',
            content: `${host.name}\n`,
            format: 'text' as const,
            notify: ['openvswitch-switch.service', 'ovn-host.service'],
          },
        ]
      : []),
    ...underlayFiles(model, host),
  ],
  // The parent units: restarting one restarts its PartOf= children (ovn-northd,
  // ovn-ovsdb-server-nb/-sb; ovsdb-server, ovs-vswitchd; ovn-controller).
  units: ({ model, host }) => [
    ...(isCentral(model, host) ? ['ovn-central.service'] : []),
    ...(isChassis(host) ? ['openvswitch-switch.service', 'ovn-host.service'] : []),
  ],
  bootstrap: ({ model, host }) => [
    ...(underlayOf(model, host) ? [daemonReload('ovn', ['ovs-vswitchd.service'], [underlayDropIn])] : []),
    ...(isChassis(host) ? chassisSteps(model, host) : []),
  ],
})
