// SPDX-License-Identifier: Apache-2.0
// The inventory's JSON Schema. The TypeScript type is derived from it, so the
// two cannot drift apart; `inventory.schema.json` is generated from it for editors.
// It is the one place a key's default is written: validation applies them.
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
/** What the kernel accepts (dev_valid_name), less ':' (aliases) and '@' (ip's vlan@parent), never a leading '-'. */
const iface = {
  type: 'string',
  pattern: '^[A-Za-z0-9_][A-Za-z0-9_.-]{0,14}$',
  description: 'Linux interface name: up to 15 letters, digits, "_", "." and "-", starting with a letter, digit or "_".',
} as const
/** http(s)://host[:port][/path]: what apt sources and proxies look like; parsed and re-serialised in the model. */
const url = {
  type: 'string',
  format: 'http-url',
  maxLength: 2048,
  description: 'http:// or https:// URL: host (name or IPv4), optional port and path; no credentials, spaces or quotes.',
} as const
/** A DNS name (RFC 1123) or an IPv4 address: what goes into URLs and /etc/hosts. */
const addressOrName = {
  type: 'string',
  format: 'address-or-name',
  description: 'A DNS name (e.g. cloud.example.com) or an IPv4 address, without http:// or a port.',
} as const
/** A name that reaches commands and files: never starts with "-" (an option) or ".", no spaces or shell characters. */
const safeName = (extra: string, max: number, description: string) =>
  ({ type: 'string', pattern: `^[A-Za-z0-9_][A-Za-z0-9_${extra}-]{0,${max - 1}}$`, description }) as const
/** Free text that lands in configuration files: one line, no control characters. */
const line = (max: number, description: string) =>
  ({ type: 'string', minLength: 1, maxLength: max, pattern: '^[^\\x00-\\x1f\\x7f]+$', description }) as const
/** A block device: /dev/ then path segments that start with a letter, digit or "_" (no "..", no option). */
const device = {
  type: 'string',
  pattern: '^/dev/[A-Za-z0-9_][A-Za-z0-9_.:+-]*(/[A-Za-z0-9_][A-Za-z0-9_.:+-]*)*$',
  maxLength: 255,
  description: 'A block device, e.g. /dev/sdb or /dev/disk/by-id/wwn-0x5000c500a1b2c3d4.',
} as const
/** A path on this machine, relative to the inventory file or starting with ~/. */
const localPath = line(4096, 'A file on this machine: absolute, ~/…, or relative to the inventory file.')

const ssh = {
  type: 'object',
  additionalProperties: false,
  default: {},
  properties: {
    user: {
      type: 'string',
      pattern: '^[a-z_][a-z0-9_-]{0,31}$',
      default: 'root',
      description: 'A Unix user name: lower-case letters, digits, "_" and "-".',
    },
    port: { type: 'integer', minimum: 1, maximum: 65535, default: 22 },
    key: { ...localPath, description: 'Path of the private key: absolute, ~/…, or relative to the inventory file.' },
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
    physnet: { ...safeName('', 64, 'Physical network name: letters, digits, "_" and "-".'), default: 'physnet1' },
    allocation: {
      type: 'object',
      additionalProperties: false,
      required: ['start', 'end'],
      properties: { start: ipv4, end: ipv4 },
      description: 'Range of addresses Neutron hands out as floating IPs.',
    },
    dns: { type: 'array', items: ipv4, default: [] },
  },
} as const

const serviceSwitch = { type: 'boolean', default: true } as const

/** Services whose files take overrides under `config:`: the role folders' names. */
export const configurableServices = [
  'common',
  'mariadb',
  'rabbitmq',
  'memcached',
  'keystone',
  'glance',
  'placement',
  'nova',
  'neutron',
  'ovn',
  'cinder',
  'ceph',
  'swift',
  'horizon',
] as const

export const inventorySchema = {
  $id: 'https://stackhouse.dev/schema/inventory.json',
  title: 'Stackhouse inventory',
  type: 'object',
  additionalProperties: false,
  required: ['hosts'],
  properties: {
    name: {
      type: 'string',
      pattern: '^[a-z0-9][a-z0-9-]{0,62}$',
      default: 'stackhouse',
      description: 'Name of the cloud: lower-case letters, digits and dashes.',
    },
    target: {
      enum: ['hosts', 'sandbox', 'vsphere'],
      default: 'hosts',
      description: 'Where the hosts are: Linux servers over SSH, Stackhouse sandbox hosts, or VMs on vSphere.',
    },
    region: { ...safeName('', 64, 'Region name: letters, digits, "_" and "-".'), default: 'RegionOne' },
    hosts: { type: 'array', minItems: 1, items: host },
    groups: {
      type: 'object',
      description: 'Group name → host names. control, network, compute and storage are the groups services run in.',
      propertyNames: {
        pattern: '^[a-z][a-z0-9_-]{0,62}$',
        description: 'A group name: lower-case letters, digits, "_" and "-", starting with a letter.',
      },
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
        public_address: { ...addressOrName, description: 'DNS name or IPv4 address in public URLs, without http:// or a port.' },
        internal_address: { ...addressOrName, description: 'DNS name or IPv4 address in internal/admin URLs, without http:// or a port.' },
      },
    },
    services: {
      type: 'object',
      additionalProperties: false,
      default: {},
      description: 'Optional services on (true) or off (false).',
      properties: { cinder: serviceSwitch, swift: serviceSwitch, horizon: serviceSwitch },
    },
    backends: {
      type: 'object',
      additionalProperties: false,
      default: {},
      properties: {
        network: { enum: ['linuxbridge', 'ovn'], default: 'linuxbridge' },
        block_storage: { enum: ['lvm', 'ceph', 'vmdk'], default: 'lvm' },
        compute: { enum: ['libvirt', 'vmware'], default: 'libvirt' },
        virt_type: { enum: ['auto', 'kvm', 'qemu'], default: 'auto' },
        lvm: {
          type: 'object',
          additionalProperties: false,
          default: {},
          properties: {
            volume_group: {
              ...safeName('.+', 127, 'LVM volume group name: letters, digits, "_", ".", "+" and "-", not starting with "-" or ".".'),
              default: 'cinder-volumes',
            },
            devices: { type: 'array', items: device, uniqueItems: true, default: [] },
          },
        },
        ceph: {
          type: 'object',
          additionalProperties: false,
          default: {},
          properties: {
            pool: {
              ...safeName('.', 63, 'Ceph pool name: letters, digits, "_", "." and "-", not starting with "-" or ".".'),
              default: 'volumes',
            },
            osd_size_gb: { type: 'integer', minimum: 1, maximum: 65536, default: 10 },
            osd_device: device,
          },
        },
        swift: {
          type: 'object',
          additionalProperties: false,
          default: {},
          properties: {
            replicas: { type: 'integer', minimum: 1, maximum: 5, default: 1 },
            part_power: { type: 'integer', minimum: 4, maximum: 22, default: 10 },
            device: {
              ...safeName('', 63, 'Swift device name (a folder under /srv/node): letters, digits, "_" and "-".'),
              default: 'swift1',
            },
          },
        },
      },
    },
    vsphere: {
      type: 'object',
      additionalProperties: false,
      required: ['host', 'username', 'cluster', 'datastore'],
      properties: {
        host: { ...addressOrName, description: 'vCenter address: a DNS name or an IPv4 address.' },
        username: line(256, 'vCenter user, e.g. administrator@vsphere.local.'),
        cluster: line(256, 'Cluster name as vCenter shows it.'),
        datastore: line(256, 'Datastore name (a regular expression).'),
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
      default: {},
      properties: {
        enabled: { type: 'boolean', default: false },
        certificate: { ...localPath, description: 'PEM certificate (chain) file: absolute, ~/…, or relative to the inventory file.' },
        key: { ...localPath, description: 'PEM private key file: absolute, ~/…, or relative to the inventory file.' },
        ca: {
          ...localPath,
          description: "PEM file of the CA that signed tls.certificate, for the hosts' trust store (omit for a public CA).",
        },
      },
    },
    config: {
      type: 'object',
      description: 'Per-service configuration overrides: service → file → section → key → value.',
      propertyNames: { enum: configurableServices },
      additionalProperties: {
        type: 'object',
        propertyNames: {
          pattern: '^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$',
          description: 'A file name as the service has it, e.g. nova.conf.',
        },
        additionalProperties: {
          type: 'object',
          // Section names as INI files have them: [DEFAULT], [keystone_authtoken], [filter:authtoken].
          propertyNames: {
            pattern: '^[A-Za-z0-9_][A-Za-z0-9_.:@/-]{0,127}$',
            description: 'A section name, e.g. DEFAULT, keystone_authtoken or filter:authtoken.',
          },
          additionalProperties: {
            type: 'object',
            propertyNames: {
              pattern: '^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$',
              description: 'An option name: letters, digits, "_", "." and "-".',
            },
            // One line per value: a newline would start a new key or [section] (pattern and maxLength apply to strings).
            additionalProperties: {
              type: ['string', 'number', 'boolean'],
              maxLength: 4096,
              pattern: '^[^\\x00-\\x1f\\x7f]*$',
              description: 'One line of text, a number or true/false.',
            },
          },
        },
      },
    },
  },
} as const

/**
 * A valid inventory with the schema's defaults applied (validation applies them):
 * a key with a `default` is always there, so no reader restates its default.
 */
export type Inventory = FromSchema<typeof inventorySchema>

type SchemaNode = { properties?: Record<string, SchemaNode>; items?: SchemaNode; default?: unknown }

/**
 * The schema's default for the key at `path` (through lists too), e.g.
 * `schemaDefault('backends', 'virt_type')` → `'auto'`, `schemaDefault('hosts', 'ssh', 'port')` → `22`.
 * For text written for people (init's example inventory, the sandbox's), which shows
 * the value without restating it. Throws for a key without a one-word default.
 */
export function schemaDefault(...path: string[]): string | number | boolean {
  let node: SchemaNode | undefined = inventorySchema as SchemaNode
  for (const key of path) node = node?.properties?.[key] ?? node?.items?.properties?.[key]
  const value = node?.default
  if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') return value
  throw new Error(`the inventory schema has no default for ${path.join('.')}`)
}
