// SPDX-License-Identifier: Apache-2.0
// How neutron is deployed besides its files: debconf answers, the schema migration,
// the kernel settings the Linux bridge agent needs, the unit file of the eventlet
// server, and the Keystone catalog entry.
import {
  alembicMigration,
  apiScheme,
  asUser,
  catalogRegistration,
  daemonReload,
  fastMigration,
  waitForHttp,
  type BootstrapStep,
  type Model,
  type ModelHost,
} from '../../installer/role/index.ts'
import { ebtablesWrapper, ml2ConfPath, ovnSyncConfPath } from './files.ts'
import { partsOf } from './parts.ts'

/**
 * debconf answers that keep the maintainer scripts away from the database, RabbitMQ,
 * [keystone_authtoken], [nova], the catalog and metadata_agent.ini. Every default is
 * false already; pre-seeding makes that independent of what an earlier install left.
 * Templates: neutron-common and neutron-metadata-agent (bookworm 2:21.0.0).
 */
export function debconfSelections(model: Model, host: ModelHost): string[] {
  const running = partsOf(model, host)
  return [
    'neutron-common neutron/configure_db boolean false',
    'neutron-common neutron/configure_rabbit boolean false',
    'neutron-common neutron/configure_ksat boolean false',
    'neutron-common neutron/configure_nova boolean false',
    'neutron-common neutron-common/dbconfig-install boolean false',
    ...(running.includes('networkAgents') ? ['neutron-metadata-agent neutron-metadata/configure boolean false'] : []),
  ]
}

const dbManage = `neutron-db-manage --config-file /etc/neutron/neutron.conf --config-file ${ml2ConfPath}`

/**
 * `upgrade head`, the command neutron-common's postinst runs when configure_db is on.
 * Done when the database is at every head: alembic marks each revision that is a
 * head with "(head)", in `heads` (all of them) and in `current` (those applied), so
 * the counts match only when the expand and contract branches are both at their head.
 * NOTE: on the first control host (a neutron-server host): agents' neutron.conf has no [database].
 */
function dbSync(model: Model): BootstrapStep {
  const heads = (cmd: string) => `$(${asUser('neutron', `${dbManage} ${cmd}`)} 2>/dev/null | grep -c '(head)')`
  const step = {
    id: 'neutron.db-sync',
    on: 'first-control-host' as const,
    title: 'neutron-db-manage upgrade head',
    unless: `h=${heads('heads')}; c=${heads('current')}; [ "$h" -gt 0 ] && [ "$c" -eq "$h" ]`,
    run: asUser('neutron', `${dbManage} upgrade head`),
  }
  return fastMigration(step, alembicMigration(model, 'neutron'))
}

/** br_netfilter provides the net.bridge.* sysctls (built into the kernel of sandbox hosts). */
const brNetfilter: BootstrapStep = {
  id: 'neutron.br-netfilter',
  title: 'kernel module br_netfilter',
  unless: '[ -e /proc/sys/net/bridge/bridge-nf-call-iptables ]',
  run: 'modprobe br_netfilter',
}

/** Apply /etc/sysctl.d/60-neutron-linuxbridge.conf now; systemd-sysctl applies it at boot. */
const bridgeSysctls: BootstrapStep = {
  id: 'neutron.sysctl',
  title: 'sysctl net.bridge.bridge-nf-call-ip{,6}tables = 1',
  unless: '[ "$(sysctl -n net.bridge.bridge-nf-call-iptables)" = 1 ] && [ "$(sysctl -n net.bridge.bridge-nf-call-ip6tables)" = 1 ]',
  run: 'sysctl -p /etc/sysctl.d/60-neutron-linuxbridge.conf',
}

/**
 * Our ebtables wrapper as the `ebtables` alternative, above ebtables-nft (20) and
 * -legacy (10), with ebtables-nft's save and restore: neutron runs `ebtables` by
 * name, which resolves through /usr/sbin/ebtables whatever the agent's PATH.
 */
const ebtablesAlternative: BootstrapStep = {
  id: 'neutron.ebtables',
  title: `ebtables alternative ${ebtablesWrapper} (deletes --among rules newer kernels refuse by specification)`,
  unless: `[ "$(readlink -f /usr/sbin/ebtables)" = ${ebtablesWrapper} ]`,
  run: [
    `update-alternatives --quiet --install /usr/sbin/ebtables ebtables ${ebtablesWrapper} 30`,
    '--slave /usr/sbin/ebtables-restore ebtables-restore /usr/sbin/ebtables-nft-restore',
    '--slave /usr/sbin/ebtables-save ebtables-save /usr/sbin/ebtables-nft-save',
    `&& update-alternatives --quiet --set ebtables ${ebtablesWrapper}`,
  ].join(' '),
}

/** The steps of one host, in the order they run. */
export function bootstrapSteps(model: Model, host: ModelHost): BootstrapStep[] {
  const running = partsOf(model, host)
  return [
    ...(running.includes('linuxbridgeAgent') ? [brNetfilter, bridgeSysctls, ebtablesAlternative] : []),
    ...(running.includes('server') ? [daemonReload('neutron', ['neutron-server.service'])] : []),
    ...(running.includes('server') ? [dbSync(model)] : []),
    // A restarted server takes seconds to answer; post-deploy and the next roles call it.
    ...(running.includes('server')
      ? [waitForHttp('neutron.wait', `${apiScheme(model)}://${host.address}:${model.endpoints.neutron.port}/`)]
      : []),
  ]
}

/**
 * After a restore: OVN's northbound database made to say what Neutron's restored one
 * says. The revision numbers that came back with Neutron's database say every object
 * was written to OVN, so neutron-server's own repair finds nothing to do, while the
 * new host's northbound database holds none of them; the sync tool compares the
 * objects themselves, adds what is missing and deletes what Neutron does not know.
 */
export const ovnResync = {
  title: "OVN's northbound database from Neutron's (neutron-ovn-db-sync-util, repair)",
  // As neutron, like the server: a lock or log file it makes stays the server's.
  run: asUser(
    'neutron',
    `neutron-ovn-db-sync-util --config-file /etc/neutron/neutron.conf --config-file ${ml2ConfPath} --config-file ${ovnSyncConfPath} --ovn-neutron_sync_mode repair`,
  ),
}

/** The network service in the catalog, and its service user. */
export function registration(model: Model) {
  return [catalogRegistration(model, 'neutron', { name: 'neutron', description: 'OpenStack Networking' })]
}
