// SPDX-License-Identifier: Apache-2.0
// inventory (validated, so the schema's defaults are applied) + secrets → model. Pure.
// It restates no default: a key the schema defaults is read as it is.
import { parseHttpUrl } from '../inventory/formats.ts'
import type { Inventory } from '../inventory/schema.ts'
import type { Secrets } from '../secrets/names.ts'
import type { Role, RoleApi } from '../role/contract.ts'
import type { Backends, Endpoint, EndpointRegistry, Model, ModelHost, ServiceConfig } from './types.ts'
import { resolveVirtType } from './facts.ts'

/** The model of a cloud; `roles` give the APIs whose endpoints it lists. */
export function buildModel(
  inv: Inventory,
  inventoryFile: string | null,
  secrets: Secrets,
  roles: readonly Pick<Role, 'name' | 'api' | 'ports'>[],
): Model {
  const port = (role: string, name: string): number => {
    const p = roles.find((r) => r.name === role)?.ports?.[name]
    if (p === undefined) throw new Error(`buildModel: no role ${role} with a port ${name} among the roles given`)
    return p
  }
  const groups = resolveGroups(inv)
  const groupsOf = new Map<string, string[]>(inv.hosts.map((h) => [h.name, []]))
  for (const [g, members] of Object.entries(groups)) for (const m of members) groupsOf.get(m)?.push(g)
  const hosts = inv.hosts.map(
    (h): ModelHost => ({
      name: h.name,
      address: h.address,
      ...(h.hostname && h.hostname !== h.name ? { hostname: h.hostname } : {}),
      tunnelAddress: h.tunnel_address ?? h.address,
      ssh: { user: h.ssh.user, port: h.ssh.port, ...(h.ssh.key ? { key: h.ssh.key } : {}) },
      groups: [...new Set(groupsOf.get(h.name))].sort(),
      interfaces: { ...h.interfaces },
      // No host facts here: loadProject and deploy apply them (installer/facts.ts).
      virtType: resolveVirtType(inv.backends.virt_type, undefined),
    }),
  )
  const control = hosts.filter((h) => h.groups.includes('control'))
  const first = control[0] ?? hosts[0]!
  const tls = {
    enabled: inv.tls.enabled,
    ...(inv.tls.certificate ? { certificate: inv.tls.certificate } : {}),
    ...(inv.tls.key ? { key: inv.tls.key } : {}),
    ...(inv.tls.ca ? { ca: inv.tls.ca } : {}),
  }
  const scheme = tls.enabled ? 'https' : 'http'
  const publicAddress = inv.endpoints?.public_address ?? first.address
  const internalAddress = inv.endpoints?.internal_address ?? first.address
  const url = (addr: string, api: RoleApi, path = api.path) => `${scheme}://${addr}:${api.port}${path}`
  const endpoints = Object.fromEntries(
    roles.flatMap(({ name, api }): [string, Endpoint][] =>
      api
        ? [
            [
              name,
              {
                type: api.type,
                port: api.port,
                public: url(publicAddress, api),
                internal: url(internalAddress, api),
                admin: url(internalAddress, api, api.adminPath ?? api.path),
                process: api.process,
                log: api.log,
              },
            ],
          ]
        : [],
    ),
  ) as unknown as EndpointRegistry
  const mgmt = inv.networks?.management
  return {
    name: inv.name,
    inventoryFile,
    target: inv.target,
    region: inv.region,
    hosts,
    groups,
    networks: {
      management: { cidr: mgmt?.cidr ?? `${first.address}/32`, ...omitCidr(mgmt) },
      tunnel: inv.networks?.tunnel ? { ...inv.networks.tunnel } : { cidr: mgmt?.cidr ?? `${first.address}/32`, ...omitCidr(mgmt) },
      ...(inv.networks?.storage ? { storage: { ...inv.networks.storage } } : {}),
      ...(inv.networks?.provider
        ? {
            provider: {
              ...inv.networks.provider,
              dns: [...inv.networks.provider.dns],
              allocation: { ...inv.networks.provider.allocation },
            },
          }
        : {}),
    },
    services: { ...inv.services },
    backends: resolveBackends(inv),
    ...(inv.vsphere ? { vsphere: vsphereOf(inv.vsphere) } : {}),
    packages: {
      ...(inv.packages?.mirror ? { mirror: reserialised(inv.packages.mirror) } : {}),
      ...(inv.packages?.security_mirror ? { securityMirror: reserialised(inv.packages.security_mirror) } : {}),
      ...(inv.packages?.proxy ? { proxy: reserialised(inv.packages.proxy) } : {}),
    },
    tls,
    publicAddress,
    internalAddress,
    endpoints,
    dashboardUrl: `${scheme}://${publicAddress}/horizon`,
    novncUrl: `${scheme}://${publicAddress}:${port('nova', 'novncproxy')}/vnc_auto.html`,
    database: { host: first.address, port: port('mariadb', 'mysql') },
    rabbitmq: { hosts: control.map((h) => h.address), port: port('rabbitmq', 'amqp') },
    memcachedServers: control.map((h) => `${h.address}:${port('memcached', 'memcached')}`),
    secrets,
    config: stringifyConfig(inv.config ?? {}),
  }
}

/** A URL as the URL parser understood it (the schema's `http-url` format has accepted it). */
function reserialised(text: string): string {
  const href = parseHttpUrl(text)
  if (href === undefined)
    throw new Error(`buildModel: ${JSON.stringify(text)} is not a valid URL; the inventory should have been validated`)
  return href
}

/** Group → host names; `all` always holds every host. */
function resolveGroups(inv: Inventory): Record<string, string[]> {
  const groups: Record<string, string[]> = { all: inv.hosts.map((h) => h.name) }
  for (const [name, members] of Object.entries(inv.groups ?? {})) groups[name] = [...members]
  return groups
}

function resolveBackends(inv: Inventory): Backends {
  const b = inv.backends
  return {
    network: b.network,
    blockStorage: b.block_storage,
    compute: b.compute,
    virtType: b.virt_type,
    lvm: { volumeGroup: b.lvm.volume_group, devices: [...b.lvm.devices] },
    ceph: {
      pool: b.ceph.pool,
      osdSizeGb: b.ceph.osd_size_gb,
      ...(b.ceph.osd_device ? { osdDevice: b.ceph.osd_device } : {}),
    },
    swift: {
      replicas: b.swift.replicas,
      partPower: b.swift.part_power,
      device: b.swift.device,
    },
  }
}

function omitCidr(n: { cidr: string; gateway?: string; interface?: string; vlan?: number } | undefined) {
  if (!n) return {}
  const { cidr: _cidr, ...rest } = n
  return rest
}

/** oslo.config reads strings; booleans and numbers are written the way it parses them. */
function stringifyConfig(config: NonNullable<Inventory['config']>): Record<string, ServiceConfig> {
  const out: Record<string, ServiceConfig> = {}
  for (const [svc, files] of Object.entries(config)) {
    out[svc] = {}
    for (const [file, sections] of Object.entries(files)) {
      out[svc][file] = {}
      for (const [section, keys] of Object.entries(sections)) {
        out[svc][file][section] = Object.fromEntries(Object.entries(keys).map(([k, v]) => [k, String(v)]))
      }
    }
  }
  return out
}

/** What the drivers need of the inventory's vsphere: section (create-hosts reads the rest from the inventory itself). */
function vsphereOf(vs: NonNullable<Inventory['vsphere']>): NonNullable<Model['vsphere']> {
  const { host, port, username, cluster, datastore, insecure } = vs
  return { host, port, username, insecure, ...(cluster ? { cluster } : {}), ...(datastore ? { datastore } : {}) }
}
