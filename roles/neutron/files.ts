// SPDX-License-Identifier: Apache-2.0
// The files each Neutron part reads, at the paths Debian's init scripts pass with
// --config-file, with the owner and mode Debian's maintainer scripts give them.
import { serverTlsFiles, type Model, type ModelHost, type RoleFile } from '../../installer/role/index.ts'
import { unitsOf, type NeutronPart } from './parts.ts'
import { linuxbridgeVars, metadataVars, ml2Vars, neutronConfVars } from './vars.ts'

/** Files holding secrets: readable by the services (group neutron), not by others. */
const secret = { owner: 'root', group: 'neutron', mode: 0o640 } as const
/** Files Debian ships world-readable (conffiles, or copied by neutron-common's postinst). */
const plain = { owner: 'root', group: 'root', mode: 0o644 } as const

export const ml2ConfPath = '/etc/neutron/plugins/ml2/ml2_conf.ini'
/** What neutron-ovn-db-sync-util reads after ml2_conf.ini (a restore's resync of OVN). */
export const ovnSyncConfPath = '/etc/neutron/ovn-db-sync.ini'

/** Our ebtables (ebtables-nft that deletes --among rules by number), registered as the `ebtables` alternative. */
export const ebtablesWrapper = '/usr/local/libexec/stackhouse/ebtables'

export function neutronFiles(model: Model, host: ModelHost, running: NeutronPart[]): RoleFile[] {
  return [
    // Every Neutron daemon reads neutron.conf (openstack-pkg-tools adds it to each).
    { path: '/etc/neutron/neutron.conf', ...secret, vars: neutronConfVars(model, running) },
    ...ml2Files(model, running),
    ...(running.includes('server') ? serverFiles(model) : []),
    ...(running.includes('linuxbridgeAgent') ? linuxbridgeFiles(model, host, running) : []),
    ...(running.includes('networkAgents') ? networkAgentFiles(model) : []),
    ...(running.includes('ovnMetadataAgent') ? ovnMetadataFiles(model, running) : []),
  ]
}

/** ml2_conf.ini: every server process and neutron-linuxbridge-agent load it. */
function ml2Files(model: Model, running: NeutronPart[]): RoleFile[] {
  const readers = unitsOf(running, 'server', 'linuxbridgeAgent')
  if (!readers.length) return []
  return [{ path: ml2ConfPath, ...plain, vars: ml2Vars(model), notify: readers }]
}

/** The unit of the eventlet neutron-server; Debian ships none for it. */
function serverFiles(model: Model): RoleFile[] {
  return [
    {
      // NOTE: loaded by the neutron.daemon-reload step when it changes.
      path: '/etc/systemd/system/neutron-server.service',
      ...plain,
      format: 'text',
      vars: { configFiles: ['/etc/neutron/neutron.conf', ml2ConfPath], ovn: model.backends.network === 'ovn' },
      notify: ['neutron-server.service'],
    },
    // With TLS on, neutron-server serves https from these ([ssl] in neutron.conf).
    ...serverTlsFiles(model, 'neutron', 'neutron', ['neutron-server.service']),
    ...(model.backends.network === 'ovn' ? [{ path: ovnSyncConfPath, ...plain, vars: {}, notify: [] }] : []),
  ]
}

function linuxbridgeFiles(model: Model, host: ModelHost, running: NeutronPart[]): RoleFile[] {
  const files: RoleFile[] = [
    {
      path: '/etc/neutron/plugins/ml2/linuxbridge_agent.ini',
      ...plain,
      vars: linuxbridgeVars(model, host),
      notify: unitsOf(running, 'linuxbridgeAgent'),
    },
    // The iptables firewall filters bridged traffic only with br_netfilter's sysctls on.
    { path: '/etc/sysctl.d/60-neutron-linuxbridge.conf', ...plain, format: 'text', notify: ['systemd-sysctl.service'] },
    // NOTE: read at each call through the alternatives link; no daemon restarts for it.
    { path: ebtablesWrapper, ...plain, mode: 0o755, format: 'text', notify: [] },
  ]
  // NOTE: sandbox hosts have br_netfilter built into the kernel and no modprobe.
  if (model.target !== 'sandbox') {
    files.push({ path: '/etc/modules-load.d/neutron-linuxbridge.conf', ...plain, format: 'text', notify: ['systemd-modules-load.service'] })
  }
  return files
}

/** DHCP, L3 and metadata agents: only with Linux bridge, so their interface driver is linuxbridge. */
function networkAgentFiles(model: Model): RoleFile[] {
  const interfaceDriver = { interfaceDriver: 'linuxbridge' }
  return [
    // Debian's neutron-common postinst installs these two root:neutron 0640.
    { path: '/etc/neutron/dhcp_agent.ini', ...secret, vars: interfaceDriver, notify: ['neutron-dhcp-agent.service'] },
    { path: '/etc/neutron/l3_agent.ini', ...secret, vars: interfaceDriver, notify: ['neutron-l3-agent.service'] },
    { path: '/etc/neutron/metadata_agent.ini', ...secret, vars: metadataVars(model, false), notify: ['neutron-metadata-agent.service'] },
  ]
}

function ovnMetadataFiles(model: Model, running: NeutronPart[]): RoleFile[] {
  return [
    {
      path: '/etc/neutron/neutron_ovn_metadata_agent.ini',
      ...secret,
      vars: metadataVars(model, true),
      notify: unitsOf(running, 'ovnMetadataAgent'),
    },
  ]
}
