// SPDX-License-Identifier: Apache-2.0
// The inventory's JSON Schema. The TypeScript type is derived from it, so the
// two cannot drift apart; `inventory.schema.json` is generated from it for editors.
import type { FromSchema } from 'json-schema-to-ts'

const hostName = {
  type: 'string',
  pattern: '^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$',
  description: 'Short host name: lower-case letters, digits and dashes (RFC 1123 label).',
} as const

const ipv4 = { type: 'string', format: 'ipv4' } as const
const cidr = {
  type: 'string',
  pattern: '^\\d{1,3}\\.\\d{1,3}\\.\\d{1,3}\\.\\d{1,3}/\\d{1,2}$',
  description: 'IPv4 network in CIDR notation, e.g. 10.0.0.0/24.',
} as const
const iface = { type: 'string', pattern: '^[A-Za-z0-9_.:@-]{1,15}$', description: 'Linux interface name.' } as const
const url = { type: 'string', pattern: '^https?://[^\\s]+$', description: 'http:// or https:// URL.' } as const

const ssh = {
  type: 'object',
  additionalProperties: false,
  properties: {
    user: { type: 'string', minLength: 1, default: 'root' },
    port: { type: 'integer', minimum: 1, maximum: 65535, default: 22 },
    key: { type: 'string', minLength: 1, description: 'Path of the private key (relative to the inventory file).' },
  },
} as const

const host = {
  type: 'object',
  additionalProperties: false,
  required: ['name', 'address'],
  properties: {
    name: hostName,
    address: { ...ipv4, description: 'Management address: the deployer reaches the host here over SSH.' },
    ssh,
    interfaces: {
      type: 'object',
      additionalProperties: false,
      description: 'Per-host interface names, where they differ from the network defaults.',
      properties: { management: iface, provider: iface, tunnel: iface, storage: iface },
    },
    tunnel_address: { ...ipv4, description: 'Address on the tunnel network (default: the management address).' },
  },
} as const

const network = {
  type: 'object',
  additionalProperties: false,
  required: ['cidr'],
  properties: {
    cidr,
    gateway: ipv4,
    interface: iface,
    vlan: { type: 'integer', minimum: 1, maximum: 4094 },
  },
} as const

const provider = {
  type: 'object',
  additionalProperties: false,
  required: ['cidr', 'gateway', 'allocation'],
  properties: {
    cidr,
    gateway: ipv4,
    interface: iface,
    physnet: { type: 'string', pattern: '^[A-Za-z0-9_-]+$', default: 'physnet1' },
    allocation: {
      type: 'object',
      additionalProperties: false,
      required: ['start', 'end'],
      properties: { start: ipv4, end: ipv4 },
      description: 'Range of addresses Neutron hands out as floating IPs.',
    },
    dns: { type: 'array', items: ipv4 },
  },
} as const

const serviceSwitch = { type: 'boolean' } as const

/** Services whose files take overrides under `config:`: the role folders' names. */
export const configurableServices = [
  'common', 'mariadb', 'rabbitmq', 'memcached', 'keystone', 'glance', 'placement',
  'nova', 'neutron', 'ovn', 'cinder', 'ceph', 'swift', 'horizon',
] as const

export const inventorySchema = {
  $id: 'https://stackhouse.dev/schema/inventory.json',
  title: 'Stackhouse inventory',
  type: 'object',
  additionalProperties: false,
  required: ['hosts'],
  properties: {
    name: { type: 'string', pattern: '^[a-z0-9][a-z0-9-]*$', description: 'Name of the cloud.' },
    target: {
      enum: ['hosts', 'sandbox', 'vsphere'],
      default: 'hosts',
      description: 'Where the hosts are: Linux servers over SSH, Stackhouse sandbox hosts, or VMs on vSphere.',
    },
    region: { type: 'string', pattern: '^[A-Za-z0-9_-]+$', default: 'RegionOne' },
    hosts: { type: 'array', minItems: 1, items: host },
    groups: {
      type: 'object',
      description: 'Group name → host names. control, network, compute and storage are the groups services run in.',
      propertyNames: { pattern: '^[a-z][a-z0-9_-]*$' },
      additionalProperties: { type: 'array', items: hostName, uniqueItems: true },
    },
    networks: {
      type: 'object',
      additionalProperties: false,
      required: ['management'],
      properties: { management: network, tunnel: network, storage: network, provider },
    },
    endpoints: {
      type: 'object',
      additionalProperties: false,
      properties: {
        public_address: { type: 'string', minLength: 1, description: 'Address or DNS name in public URLs.' },
        internal_address: { type: 'string', minLength: 1, description: 'Address or DNS name in internal/admin URLs.' },
      },
    },
    services: {
      type: 'object',
      additionalProperties: false,
      description: 'Optional services on (true) or off (false).',
      properties: { cinder: serviceSwitch, swift: serviceSwitch, horizon: serviceSwitch },
    },
    backends: {
      type: 'object',
      additionalProperties: false,
      properties: {
        network: { enum: ['linuxbridge', 'ovn'], default: 'linuxbridge' },
        block_storage: { enum: ['lvm', 'ceph', 'vmdk'], default: 'lvm' },
        compute: { enum: ['libvirt', 'vmware'], default: 'libvirt' },
        virt_type: { enum: ['auto', 'kvm', 'qemu'], default: 'auto' },
        lvm: {
          type: 'object',
          additionalProperties: false,
          properties: {
            volume_group: { type: 'string', pattern: '^[A-Za-z0-9_.+-]+$', default: 'cinder-volumes' },
            devices: { type: 'array', items: { type: 'string', pattern: '^/dev/' } },
          },
        },
        ceph: {
          type: 'object',
          additionalProperties: false,
          properties: {
            pool: { type: 'string', pattern: '^[A-Za-z0-9_.-]+$', default: 'volumes' },
            osd_size_gb: { type: 'integer', minimum: 1, default: 10 },
            osd_device: { type: 'string', pattern: '^/dev/' },
          },
        },
        swift: {
          type: 'object',
          additionalProperties: false,
          properties: {
            replicas: { type: 'integer', minimum: 1, maximum: 5, default: 1 },
            part_power: { type: 'integer', minimum: 4, maximum: 22, default: 10 },
            device: { type: 'string', pattern: '^[A-Za-z0-9_-]+$', default: 'swift1' },
          },
        },
      },
    },
    vsphere: {
      type: 'object',
      additionalProperties: false,
      required: ['host', 'username', 'cluster', 'datastore'],
      properties: {
        host: { type: 'string', minLength: 1, description: 'vCenter address.' },
        username: { type: 'string', minLength: 1 },
        cluster: { type: 'string', minLength: 1 },
        datastore: { type: 'string', minLength: 1, description: 'Datastore name (a regular expression).' },
        insecure: { type: 'boolean', default: false },
      },
    },
    packages: {
      type: 'object',
      additionalProperties: false,
      properties: {
        mirror: { ...url, description: 'Debian archive mirror, e.g. http://mirror.example/debian' },
        security_mirror: url,
        proxy: { ...url, description: 'HTTP proxy for apt, e.g. an apt-cacher-ng.' },
      },
    },
    tls: {
      type: 'object',
      additionalProperties: false,
      properties: {
        enabled: { type: 'boolean', default: false },
        certificate: { type: 'string', minLength: 1 },
        key: { type: 'string', minLength: 1 },
      },
    },
    config: {
      type: 'object',
      description: 'Per-service configuration overrides: service → file → section → key → value.',
      propertyNames: { enum: configurableServices },
      additionalProperties: {
        type: 'object',
        additionalProperties: {
          type: 'object',
          additionalProperties: {
            type: 'object',
            additionalProperties: { type: ['string', 'number', 'boolean'] },
          },
        },
      },
    },
  },
} as const

export type Inventory = FromSchema<typeof inventorySchema, { keepDefaultedPropertiesOptional: true }>
