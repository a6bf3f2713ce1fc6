// SPDX-License-Identifier: Apache-2.0
// The resolved, typed view of a cloud. Everything after validation reads this,
// never the YAML: defaults are applied, groups resolved, URLs computed.
import type { Secrets } from '../secrets/names.ts'

/** Groups that services are placed on. Operators may add more. */
export type ServiceGroup = 'control' | 'network' | 'compute' | 'storage'

/**
 * Role name → its API's endpoint. Empty here: each role with an `api` adds its
 * name (`declare module '…/installer/role/index.ts' { interface EndpointRegistry
 * { nova: Endpoint } }`), so `model.endpoints.nova` is typed.
 */
export interface EndpointRegistry {}

/** Services with a Keystone catalog entry. */
export type CatalogService = keyof EndpointRegistry & string

export interface Endpoint {
  /** Catalog service type, e.g. `identity`, `volumev3`. */
  type: string
  public: string
  internal: string
  admin: string
  /** Port the API listens on. */
  port: number
  /** The process behind it, e.g. `nova-api`, and its log: where to look when it fails. */
  process: string
  log: string
}

export interface ModelHost {
  name: string
  /** Management address: SSH, APIs, databases. */
  address: string
  /** The machine's own host name, where it is not `name`: an alias in /etc/hosts (the services keep `name`). */
  hostname?: string
  /** Address VXLAN/Geneve tunnels use. @default address */
  tunnelAddress: string
  ssh: { user: string; port: number; key?: string }
  /** Groups the host belongs to, sorted. */
  groups: string[]
  interfaces: { management?: string; provider?: string; tunnel?: string; storage?: string }
  /** libvirt's virt_type here (installer/model/facts.ts): the inventory's, or decided by the host's facts for `auto`. */
  virtType: HostVirtType
  /** The host is a container, by its facts (installer/model/facts.ts). */
  container?: boolean
  /**
   * `netdev`: Open vSwitch runs its userspace datapath here, as the kernel has no
   * openvswitch module (a sandbox host), by its facts. Unset: the kernel datapath.
   */
  ovsDatapath?: 'netdev'
}

/** libvirt's virt_type on one host, and what decided it. */
export interface HostVirtType {
  type: 'kvm' | 'qemu'
  /**
   * `inventory`: backends.virt_type names it. `host`: it is `auto` and the host's
   * recorded facts decided. `assumed`: `auto` with no facts recorded for the host yet
   * (offline render or plan before the first deploy).
   */
  from: 'inventory' | 'host' | 'assumed'
}

export interface ModelNetwork {
  cidr: string
  gateway?: string
  interface?: string
  vlan?: number
}

export interface ProviderNetwork {
  cidr: string
  gateway: string
  interface?: string
  physnet: string
  allocation: { start: string; end: string }
  dns: string[]
}

export interface Backends {
  network: 'linuxbridge' | 'ovn'
  blockStorage: 'lvm' | 'ceph' | 'vmdk'
  compute: 'libvirt' | 'vmware'
  /** `auto` is resolved on the compute host at deploy time (/dev/kvm usable or not). */
  virtType: 'auto' | 'kvm' | 'qemu'
  lvm: { volumeGroup: string; devices: string[] }
  ceph: { pool: string; osdSizeGb: number; osdDevice?: string }
  swift: { replicas: number; partPower: number; device: string }
}

/** INI-style overrides: file → section → key → value. */
export type ServiceConfig = Record<string, Record<string, Record<string, string>>>

export interface Model {
  /** Cloud name. @default 'stackhouse' */
  name: string
  /** Path of the inventory file, or null for the built-in all-in-one default. */
  inventoryFile: string | null
  target: 'hosts' | 'sandbox' | 'vsphere'
  region: string
  hosts: ModelHost[]
  /** Group name → host names, in inventory order. */
  groups: Record<string, string[]>
  networks: {
    management: ModelNetwork
    tunnel: ModelNetwork
    storage?: ModelNetwork
    provider?: ProviderNetwork
  }
  services: { cinder: boolean; swift: boolean; horizon: boolean }
  backends: Backends
  /** The vCenter the VMware drivers use (cluster and datastore pattern are theirs). */
  vsphere?: { host: string; port: number; username: string; cluster?: string; datastore?: string; insecure: boolean }
  packages: { mirror?: string; securityMirror?: string; proxy?: string }
  tls: {
    enabled: boolean
    /** The operator's files, as the inventory names them (else the deployment CA makes them). */
    certificate?: string
    key?: string
    ca?: string
    /** What hosts get: set by loadProject (installer/tls/material.ts) when TLS is on. */
    pem?: TlsPem
  }
  /** Address/name in public URLs, and in internal/admin URLs. */
  publicAddress: string
  internalAddress: string
  endpoints: Readonly<EndpointRegistry>
  /** Horizon's URL (dashboard is not a catalog service). */
  dashboardUrl: string
  /** noVNC proxy base URL as seen by browsers. */
  novncUrl: string
  database: { host: string; port: number }
  rabbitmq: { hosts: string[]; port: number }
  /** `host:port` entries of every memcached server. */
  memcachedServers: string[]
  secrets: Secrets
  /** Inline overrides from the inventory's `config:` key, per service. */
  config: Record<string, ServiceConfig>
}

/** The PEM texts of TLS: the server certificate (chain), its key, and the CA that signed it (none: a public CA's). */
export interface TlsPem {
  cert: string
  key: string
  ca?: string
}
