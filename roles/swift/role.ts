// SPDX-License-Identifier: Apache-2.0
// Swift object storage: the proxy (Keystone-authenticated) on control hosts; the
// account, container and object servers, their background daemons (resident, or
// one periodic pass on a one-replica ring) and rsync on storage hosts. Debian 12's
// units run each server directly (no uwsgi) from its single /etc/swift/<type>-server.conf.
import {
  serverTlsPaths,
  serverTlsFiles,
  authtoken,
  catalogRegistration,
  daemonReload,
  defineRole,
  directory,
  eventletWorkers,
  hostsIn,
  inGroup,
  scriptFile,
  sh,
  type BootstrapStep,
  type Model,
  type ModelHost,
  type RoleContext,
  type RoleFile,
  type Endpoint,
} from '../../installer/role/index.ts'
import { buildRings, copyRings, ringScripts, ringState } from './rings.ts'

// The names this role adds to the model, typed for every reader.
declare module '../../installer/role/index.ts' {
  interface SecretRegistry {
    swift_keystone_password: string
    swift_hash_path_prefix: string
    swift_hash_path_suffix: string
  }
  interface EndpointRegistry {
    swift: Endpoint
  }
}

/** The storage servers and the ports Swift (2.30, Zed) gives them. */
export const storageServers = [
  { type: 'account', port: 6202 },
  { type: 'container', port: 6201 },
  { type: 'object', port: 6200 },
] as const

type ServerType = (typeof storageServers)[number]['type']

/** Background daemons of each server type, by Debian unit name (besides swift-<type>.service). */
const daemons: Record<ServerType, string[]> = {
  account: ['auditor', 'reaper', 'replicator'],
  container: ['auditor', 'replicator', 'updater'],
  object: ['auditor', 'replicator', 'updater'],
}

/**
 * Whether the background daemons run resident (each its own Python process) or as
 * one pass each every few minutes from swift-housekeeping.timer. With one copy of
 * everything the replicators have no peer and the auditors nothing to restore from,
 * so the periodic pass keeps what they still do (tombstone reclaim, quarantine,
 * listings, the reaper) for no resident memory: nine processes, about 400 MiB on an
 * all-in-one host.
 */
const periodicDaemons = (model: Model) => ringReplicas(model) === 1

const housekeepingEvery = 5

/** The daemons' sections in a server's config, in the order of Swift's sample configs. */
function configSections(type: ServerType): string[] {
  return ['replicator', 'updater', 'auditor', 'reaper'].filter((d) => daemons[type].includes(d))
}

/** The daemons' passes in the order the housekeeping unit runs them: listings first. */
function housekeepingPasses(): { type: ServerType; daemon: string }[] {
  const order = ['updater', 'replicator', 'auditor', 'reaper']
  return order.flatMap((daemon) =>
    storageServers.filter(({ type }) => daemons[type].includes(daemon)).map(({ type }) => ({ type, daemon })),
  )
}

/** Where the devices are mounted (or, in a sandbox, created as directories). */
export const devicesDir = '/srv/node'

const isProxy = (host: ModelHost) => inGroup(host, 'control')

/** Hosts with account/container/object servers: the storage hosts (the control hosts when there are none). */
export function storageHosts(model: Model): ModelHost[] {
  const storage = hostsIn(model, 'storage')
  return storage.length ? storage : hostsIn(model, 'control')
}

const isStorage = (model: Model, host: ModelHost) => storageHosts(model).some((h) => h.name === host.name)

/** Copies of each object: as configured, but never more than there are storage hosts. */
export function ringReplicas(model: Model): number {
  return Math.min(model.backends.swift.replicas, storageHosts(model).length)
}

/**
 * The swift-ring-builder commands that build the three rings: each storage host's
 * one device in region 1, zone 1, weight 100; min_part_hours 1. Run once, on the
 * first proxy host, in /etc/swift; then copy /etc/swift/*.ring.gz to every swift host.
 */
export function ringCommands(model: Model): string[] {
  const { partPower, device } = model.backends.swift
  return storageServers.flatMap(({ type, port }) => {
    const builder = `/etc/swift/${type}.builder`
    return [
      sh`swift-ring-builder ${builder} create ${partPower} ${ringReplicas(model)} 1`,
      ...storageHosts(model).map((h) => sh`swift-ring-builder ${builder} add ${`r1z1-${h.address}:${port}/${device}`} 100`),
      sh`swift-ring-builder ${builder} rebalance`,
    ]
  })
}

/**
 * Daemons Debian enables but this cloud has no use for: the reconciler (objects in the
 * wrong storage policy; there is one policy), the sharder and container sync (neither is
 * configured) and the reconstructor (erasure-coded policies only). Left enabled they start
 * at boot, the sharder, sync and reconstructor fail, and the reconciler holds ~100 MiB.
 */
const unusedDaemons = [
  'swift-container-reconciler.service',
  'swift-container-sharder.service',
  'swift-container-sync.service',
  'swift-object-reconstructor.service',
]

const daemonUnits = (type: ServerType) => daemons[type].map((d) => `swift-${type}-${d}.service`)

/** Units of one server type that a storage host runs. */
function serverUnits(model: Model, type: ServerType): string[] {
  return [`swift-${type}.service`, ...(periodicDaemons(model) ? [] : daemonUnits(type))]
}

const housekeepingUnits = ['swift-housekeeping.service', 'swift-housekeeping.timer']

function storageFiles({ model }: RoleContext): RoleFile[] {
  const workers = eventletWorkers(model)
  return [
    ...storageServers.map(({ type, port }) => ({
      path: `/etc/swift/${type}-server.conf`,
      // One template for the three servers: they differ only in type, port and daemons.
      template: 'storage-server.conf.hbs',
      // NOTE: the inventory names a device (backends.swift.device), not a disk: the
      // engine creates /srv/node/<device> as a directory (or a loop-mounted file),
      // which mount_check would refuse as "not mounted".
      vars: { type, port, workers, devicesDir, mountCheck: false, daemons: configSections(type) },
      notify: serverUnits(model, type),
    })),
    ...(periodicDaemons(model)
      ? [
          {
            path: '/etc/systemd/system/swift-housekeeping.service',
            format: 'text' as const,
            vars: { passes: housekeepingPasses() },
            notify: [],
          },
          {
            path: '/etc/systemd/system/swift-housekeeping.timer',
            format: 'text' as const,
            vars: { minutes: housekeepingEvery },
            notify: ['swift-housekeeping.timer'],
          },
        ]
      : []),
    {
      path: '/etc/rsyncd.conf',
      vars: { modules: storageServers.map((s) => s.type), devicesDir },
      notify: ['rsync.service'],
    },
  ]
}

function proxyFiles({ model, host }: RoleContext): RoleFile[] {
  return [
    {
      path: '/etc/swift/proxy-server.conf',
      vars: {
        workers: eventletWorkers(model),
        port: model.endpoints.swift.port,
        authtoken: authtoken(model, 'swift'),
        memcacheServers: model.memcachedServers.join(','),
        operatorRoles: 'admin,member',
        tls: model.tls.enabled ? serverTlsPaths('swift') : false,
      },
      // Holds the swift service user's Keystone password.
      group: 'swift',
      mode: 0o640,
      notify: ['swift-proxy.service'],
    },
    ...serverTlsFiles(model, 'swift', 'swift', ['swift-proxy.service']),
    // The ring plan, for the deploy engine and for an operator to read.
    { path: '/etc/swift/stackhouse-rings.txt', vars: { commands: ringCommands(model) }, notify: [] },
    // What step swift.rings runs: the build, and the move of devices when only hosts' addresses changed.
    ...(host.name === ringBuilderHost(model)?.name ? Object.values(ringScripts).map((f) => scriptFile('swift', f)) : []),
  ]
}

/** Every host with a swift daemon: proxies and storage hosts. */
const swiftHosts = (model: Model) => model.hosts.filter((h) => isProxy(h) || isStorage(model, h))

/** Where the rings are built: the first proxy host. */
function ringBuilderHost(model: Model): ModelHost | undefined {
  return hostsIn(model, 'control')[0]
}

/**
 * Before the units start: the device directory on storage hosts (swift's, like the
 * data in it), and the rings: built on the first proxy host, copied to the others.
 */
function bootstrap({ model, host }: RoleContext): BootstrapStep[] {
  const builder = ringBuilderHost(model)
  const device = `${devicesDir}/${model.backends.swift.device}`
  return [
    ...(isStorage(model, host) ? [directory('swift.device', device, 'swift', 0o755)] : []),
    ...(host.name === builder?.name ? [buildRings()] : []),
    // One host has them already; several share the builder's.
    ...(builder && swiftHosts(model).length > 1 ? [copyRings(builder.name)] : []),
    ...(isStorage(model, host) && periodicDaemons(model) ? [daemonReload('swift', housekeepingUnits)] : []),
  ]
}

/** The object store in the catalog, and the service user the proxy validates tokens with. */
function register(model: Model) {
  return [catalogRegistration(model, 'swift', { name: 'swift', description: 'OpenStack Object Storage' })]
}

export default defineRole({
  name: 'swift',
  description: 'Swift object storage: proxy on control hosts, account/container/object servers on storage hosts',
  needs: ['keystone'],
  secrets: {
    swift_keystone_password: 'password',
    swift_hash_path_prefix: 'hex',
    swift_hash_path_suffix: 'hex',
  },
  api: {
    type: 'object-store',
    port: 8080,
    path: '/v1/AUTH_%(project_id)s',
    adminPath: '/v1',
    process: 'swift-proxy',
    log: 'journalctl -u swift-proxy',
  },
  leftovers: ['/srv/node', '/var/lib/swift', '/etc/swift', '/var/log/swift'],
  // The builder files are the rings' history: rings built again would move every
  // partition. Put back before the ring step, which then finds them built. (Not all
  // of /etc/swift: Debian's package makes backups/ a link to /var/backups/swift.)
  backup: () => ({ paths: ringState, on: 'first-control-host' }),
  enabled: (model) => model.services.swift,
  hosts: swiftHosts,
  users: ['swift'],
  packages: ({ model, host }) => [
    'swift',
    ...(isProxy(host) ? ['swift-proxy', 'python3-keystonemiddleware'] : []),
    ...(isStorage(model, host) ? ['swift-account', 'swift-container', 'swift-object', 'rsync'] : []),
  ],
  files: (ctx) => [
    {
      path: '/etc/swift/swift.conf',
      vars: { prefix: ctx.model.secrets.swift_hash_path_prefix, suffix: ctx.model.secrets.swift_hash_path_suffix },
      // The hash path secrets: root:swift 0640 (Debian ships the placeholder file 0644).
      group: 'swift',
      mode: 0o640,
    },
    ...(isProxy(ctx.host) ? proxyFiles(ctx) : []),
    ...(isStorage(ctx.model, ctx.host) ? storageFiles(ctx) : []),
  ],
  units: ({ model, host }) => [
    ...(isProxy(host) ? ['swift-proxy.service'] : []),
    // NOTE: rsync.service starts only with /etc/rsyncd.conf (ConditionPathExists), which is
    // one of this role's files and so is written before the units start.
    ...(isStorage(model, host)
      ? [
          ...storageServers.flatMap((s) => serverUnits(model, s.type)),
          ...(periodicDaemons(model) ? ['swift-housekeeping.timer'] : []),
          'rsync.service',
        ]
      : []),
  ],
  unitsOff: ({ model, host }) =>
    isStorage(model, host) ? [...(periodicDaemons(model) ? storageServers.flatMap((s) => daemonUnits(s.type)) : []), ...unusedDaemons] : [],
  bootstrap,
  register,
})
