// SPDX-License-Identifier: Apache-2.0
// Ceph (Debian 12's Pacific 16.2.15): one small cluster that holds Cinder's RBD
// volumes, which Nova's libvirt attaches. mon + mgr on the first control host,
// one bluestore OSD per storage host (on a device, or on a sparse file inside the
// OSD directory, as /work/shared/reference/ceph-probe.md proved in a sandbox host).
// The bootstrap (monitor store, keys, OSDs, pool) is in bootstrap.ts.
import {
  defineRole,
  hostsIn,
  inGroup,
  scriptFile,
  type BootstrapStep,
  type Model,
  type ModelHost,
  type RoleContext,
  type RoleFile,
} from '../../installer/role/index.ts'
import {
  bootstrapOsdKeyring,
  cinderAuth,
  deviceOsd,
  fileOsd,
  mgrKeyring,
  monAddress,
  monMkfs,
  cephScripts,
  rbdPool,
  waitForMon,
  waitForOsds,
} from './bootstrap.ts'

// The names this role adds to the model, typed for every reader.
declare module '../../installer/role/index.ts' {
  interface SecretRegistry {
    ceph_fsid: string
    ceph_mon_key: string
    ceph_admin_key: string
    ceph_cinder_key: string
  }
}

/** The host running ceph-mon and ceph-mgr: the first control host. */
export function monHost(model: Model): ModelHost {
  return hostsIn(model, 'control')[0] ?? model.hosts[0]!
}

/** Hosts with an OSD: the storage hosts (the mon host when there are none). */
export function osdHosts(model: Model): ModelHost[] {
  const storage = hostsIn(model, 'storage')
  return storage.length ? storage : [monHost(model)]
}

/** Replicas of each object: one per OSD host, at most 3. */
export function poolSize(model: Model): number {
  return Math.min(3, osdHosts(model).length)
}

const isMon = (model: Model, host: ModelHost) => host.name === monHost(model).name
const isOsd = (model: Model, host: ModelHost) => osdHosts(model).some((h) => h.name === host.name)
/** cinder-volume runs here and opens RBD images as client.cinder. */
const isCinderVolume = (host: ModelHost) => inGroup(host, 'storage')
/** nova-compute/libvirt runs here and attaches RBD volumes as client.cinder. */
const isLibvirtCompute = (model: Model, host: ModelHost) => inGroup(host, 'compute') && model.backends.compute === 'libvirt'

/** The `[v2:…,v1:…]` address vector of the monitor (msgr2 on 3300, legacy on 6789). */
export function monAddrs(model: Model): string {
  const a = monHost(model).address
  return `[v2:${a}:3300,v1:${a}:6789]`
}

/**
 * Monitors and OSDs on several servers need their clocks in step (ceph-base Recommends
 * a time daemon; skew over 0.05 s is HEALTH_WARN). Sandbox hosts share this machine's
 * clock and cannot set it, and a one-host cluster has nothing to drift from.
 */
function timeDaemon(model: Model, host: ModelHost): boolean {
  const servers = new Set([monHost(model).name, ...osdHosts(model).map((h) => h.name)])
  return model.target !== 'sandbox' && servers.size > 1 && servers.has(host.name)
}

function cephConfVars(model: Model): Record<string, unknown> {
  const size = poolSize(model)
  const osdDevice = model.backends.ceph.osdDevice
  return {
    fsid: model.secrets.ceph_fsid,
    mon: monHost(model),
    monAddrs: monAddrs(model),
    publicNetwork: model.networks.management.cidr,
    poolSize: size,
    // Ceph's own default: size - size/2 (1 for 1 or 2 copies, 2 for 3).
    poolMinSize: size - Math.floor(size / 2),
    singleReplica: size === 1,
    singleOsdHost: osdHosts(model).length === 1,
    // NOTE: without a device the OSD keeps its data in a sparse file <osd dir>/block
    // that ceph-osd --mkfs creates (no LVM, loop device or ceph-volume needed).
    fileOsd: osdDevice ? false : { bytes: model.backends.ceph.osdSizeGb * 1024 ** 3 },
    // NOTE: OSDs share their hosts with OpenStack services; Ceph's default is 4 GiB.
    osdMemoryTarget: 1024 ** 3,
    mgrDisabledModules: mgrUnloadedModules.join(','),
  }
}

/**
 * ceph-mgr modules (Pacific, ceph-mgr-modules-core) that the manager does not load.
 * It imports every module it finds, enabled or not, each in its own Python
 * sub-interpreter: loading only the always-on ones (balancer, crash, devicehealth,
 * orchestrator, pg_autoscaler, progress, rbd_support, status, telemetry, volumes)
 * halves its memory, 290 → 130 MiB. Those cannot be left out: the cluster then
 * reports MGR_MODULE_ERROR. To use one of these (prometheus, say), override
 * `mgr disabled modules` in ceph.conf and enable the module.
 */
export const mgrUnloadedModules = [
  'alerts',
  'diskprediction_local',
  'influx',
  'insights',
  'iostat',
  'localpool',
  'mirroring',
  'nfs',
  'osd_perf_query',
  'osd_support',
  'prometheus',
  'restful',
  'selftest',
  'snap_schedule',
  'stats',
  'telegraf',
  'test_orchestrator',
  'zabbix',
]

/**
 * Who may read client.cinder's key. cinder-volume reads it through its group; on
 * libvirt compute hosts the key is also readable by nova (which owns it there),
 * and a host with both gets nova:cinder 0440. Elsewhere (the mon host, for
 * `ceph auth import`) only root reads it.
 */
export function cinderKeyringAccess(model: Model, host: ModelHost): Pick<RoleFile, 'owner' | 'group' | 'mode'> {
  const cinder = isCinderVolume(host)
  const nova = isLibvirtCompute(model, host)
  if (cinder && nova) return { owner: 'nova', group: 'cinder', mode: 0o440 }
  if (cinder) return { owner: 'root', group: 'cinder', mode: 0o640 }
  if (nova) return { owner: 'root', group: 'nova', mode: 0o640 }
  return { owner: 'root', group: 'root', mode: 0o600 }
}

/** client.cinder's capabilities: RBD on the volumes pool only (proved by the probe). */
export function cinderCaps(model: Model): { mon: string; osd: string; mgr: string } {
  const pool = model.backends.ceph.pool
  return { mon: 'profile rbd', osd: `profile rbd pool=${pool}`, mgr: `profile rbd pool=${pool}` }
}

function files({ model, host }: RoleContext): RoleFile[] {
  const server = isMon(model, host) || isOsd(model, host)
  return [
    { path: '/etc/ceph/ceph.conf', vars: cephConfVars(model) },
    {
      path: '/etc/ceph/ceph.client.cinder.keyring',
      vars: { key: model.secrets.ceph_cinder_key, caps: cinderCaps(model) },
      ...cinderKeyringAccess(model, host),
      notify: [],
    },
    // Servers use client.admin for `ceph osd new`, pools and auth during bootstrap.
    ...(server
      ? [{ path: '/etc/ceph/ceph.client.admin.keyring', vars: { key: model.secrets.ceph_admin_key }, mode: 0o600, notify: [] }]
      : []),
    // Seeds the monitor's auth database at `ceph-mon --mkfs` (run as ceph, hence ceph:ceph).
    ...(isMon(model, host)
      ? [
          {
            path: '/etc/ceph/ceph.mon.keyring',
            vars: { monKey: model.secrets.ceph_mon_key, adminKey: model.secrets.ceph_admin_key },
            owner: 'ceph',
            group: 'ceph',
            mode: 0o600,
            notify: [],
          },
          scriptFile('ceph', cephScripts.mon),
        ]
      : []),
    // The program of this host's ceph.osd step.
    ...(isOsd(model, host) ? [scriptFile('ceph', model.backends.ceph.osdDevice ? cephScripts.device : cephScripts.file)] : []),
  ]
}

/**
 * The bootstrap steps of one host. The monitor host: its store before ceph-mon@
 * starts; then the manager's key, client.cinder and, once poolSize OSDs are up,
 * the pool. Each OSD host (the monitor host too, in an all-in-one cloud): its OSD,
 * once the monitor answers. Client-only hosts (cinder-volume, libvirt) have none.
 */
function bootstrap({ model, host }: RoleContext): BootstrapStep[] {
  const mon = isMon(model, host)
  const osd = isOsd(model, host)
  if (!mon && !osd) return []
  const device = model.backends.ceph.osdDevice
  return [
    ...(mon ? [monMkfs(model, host, monAddrs(model)), monAddress(host, monAddrs(model))] : []),
    waitForMon(monAddrs(model)),
    ...(mon ? [mgrKeyring(host)] : []),
    ...(osd ? (device ? [bootstrapOsdKeyring(), deviceOsd(device)] : [fileOsd()]) : []),
    ...(mon ? [cinderAuth(), waitForOsds(poolSize(model)), rbdPool(model.backends.ceph.pool)] : []),
  ]
}

export default defineRole({
  name: 'ceph',
  description: 'Ceph cluster (mon, mgr, OSDs) for Cinder RBD volumes, and its clients',
  secrets: {
    ceph_fsid: 'uuid',
    ceph_mon_key: 'ceph-key',
    ceph_admin_key: 'ceph-key',
    ceph_cinder_key: 'ceph-key',
  },
  leftovers: ['/var/lib/ceph', '/etc/ceph', '/var/log/ceph'],
  // The monitor's store is the cluster's map and keys: without it the OSDs' data is
  // unreadable. Copied with the monitor stopped for a moment (its RocksDB changes
  // under a live copy); restored before the monitor first starts on a new host.
  backup: (model) => ({
    paths: ['/var/lib/ceph/mon'],
    on: 'first-control-host',
    stopWhileCopied: [`ceph-mon@${monHost(model).name}.service`],
  }),
  // NOTE: the cluster exists only to hold Cinder's volumes.
  enabled: (model) => model.services.cinder && model.backends.blockStorage === 'ceph',
  hosts: (model) => model.hosts.filter((h) => isMon(model, h) || isOsd(model, h) || isCinderVolume(h) || isLibvirtCompute(model, h)),
  users: ['ceph'],
  packages: ({ model, host }) => [
    'ceph-common',
    ...(isMon(model, host) ? ['ceph-mon', 'ceph-mgr'] : []),
    ...(isOsd(model, host) ? ['ceph-osd'] : []),
    ...(timeDaemon(model, host) ? ['chrony'] : []),
  ],
  files,
  units: ({ model, host }) => [
    ...(isMon(model, host) ? [`ceph-mon@${host.name}.service`, `ceph-mgr@${host.name}.service`] : []),
    // OSD ids come from `ceph osd new` at deploy time; the target starts every ceph-osd@<id>.
    ...(isOsd(model, host) ? ['ceph-osd.target'] : []),
  ],
  bootstrap,
})
