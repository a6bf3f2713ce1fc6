// SPDX-License-Identifier: Apache-2.0
// inventory (validated, so the schema's defaults are applied) + secrets → model. Pure.
// It restates no default: a key the schema defaults is read as it is.
import { parseHttpUrl } from '../inventory/_formats.ts'
import type { Inventory } from '../inventory/schema.ts'
import type { Secrets } from '../secrets/names.ts'
import { resolveVirtType } from './facts.ts'
import type { Backends, CatalogService, Endpoint, Model, ModelHost, ServiceConfig } from './types.ts'

type Svc = { type: string; port: number; path: string; adminPath?: string }

/** Catalog entries of every API: service type, port and URL path (Zed, Debian packaging). */
const apis: Record<CatalogService, Svc> = {
  keystone: { type: 'identity', port: 5000, path: '/v3' },
  glance: { type: 'image', port: 9292, path: '' },
  placement: { type: 'placement', port: 8778, path: '' },
  nova: { type: 'compute', port: 8774, path: '/v2.1' },
  neutron: { type: 'network', port: 9696, path: '' },
  cinder: { type: 'volumev3', port: 8776, path: '/v3/%(project_id)s' },
  swift: { type: 'object-store', port: 8080, path: '/v1/AUTH_%(project_id)s', adminPath: '/v1' },
}

export function buildModel(inv: Inventory, inventoryFile: string | null, secrets: Secrets): Model {
  const groups = resolveGroups(inv)
  const groupsOf = new Map<string, string[]>(inv.hosts.map((h) => [h.name, []]))
  for (const [g, members] of Object.entries(groups)) for (const m of members) groupsOf.get(m)?.push(g)
  const hosts = inv.hosts.map((h): ModelHost => ({
    name: h.name,
    address: h.address,
    tunnelAddress: h.tunnel_address ?? h.address,
    ssh: { user: h.ssh.user, port: h.ssh.port, ...(h.ssh.key ? { key: h.ssh.key } : {}) },
    groups: [...new Set(groupsOf.get(h.name))].sort(),
    interfaces: { ...h.interfaces },
    // No host facts here: loadProject and deploy apply them (installer/facts.ts).
    virtType: resolveVirtType(inv.backends.virt_type, undefined),
  }))
  const control = hosts.filter((h) => h.groups.includes('control'))
  const first = control[0] ?? hosts[0]!
  const tls = { enabled: inv.tls.enabled, certificate: inv.tls.certificate, key: inv.tls.key }
  const scheme = tls.enabled ? 'https' : 'http'
  const publicAddress = inv.endpoints?.public_address ?? first.address
  const internalAddress = inv.endpoints?.internal_address ?? first.address
  const url = (addr: string, s: Svc, path = s.path) => `${scheme}://${addr}:${s.port}${path}`
  const endpoints = Object.fromEntries(
    Object.entries(apis).map(([name, s]): [string, Endpoint] => [
      name,
      {
        type: s.type,
        port: s.port,
        public: url(publicAddress, s),
        internal: url(internalAddress, s),
        admin: url(internalAddress, s, s.adminPath ?? s.path),
      },
    ]),
  ) as Record<CatalogService, Endpoint>
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
    ...(inv.vsphere ? { vsphere: { ...inv.vsphere } } : {}),
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
    novncUrl: `${scheme}://${publicAddress}:6080/vnc_auto.html`,
    database: { host: first.address, port: 3306 },
    rabbitmq: { hosts: control.map((h) => h.address), port: 5672 },
    memcachedServers: control.map((h) => `${h.address}:11211`),
    secrets,
    config: stringifyConfig(inv.config ?? {}),
  }
}

/** A URL as the URL parser understood it (the schema's `http-url` format has accepted it). */
function reserialised(text: string): string {
  const href = parseHttpUrl(text)
  if (href === undefined) throw new Error(`buildModel: ${JSON.stringify(text)} is not a valid URL; the inventory should have been validated`)
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
