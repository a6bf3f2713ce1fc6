// SPDX-License-Identifier: Apache-2.0
// The inventory's JSON Schema. The TypeScript type is derived from it, so the
// two cannot drift apart; `inventory.schema.json` is generated from it for editors.
// It and its parts (hosts, networks, backends and config in the schema-*.ts files)
// are the one place a key's default is written: validation applies them.
import type { FromSchema } from 'json-schema-to-ts'
import { backendsSchema } from './schema-backends.ts'
import { configSchema } from './schema-config.ts'
import { hostSchema } from './schema-hosts.ts'
import { networksSchema } from './schema-networks.ts'
import { vsphereSchema } from './schema-vsphere.ts'
import { addressOrName, hostName, localPath, safeName, url } from './schema-values.ts'

const serviceSwitch = { type: 'boolean', default: true } as const

/** The whole inventory file's schema, built from the parts in the schema-*.ts files. */
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
    hosts: { type: 'array', minItems: 1, items: hostSchema },
    groups: {
      type: 'object',
      description: 'Group name → host names. control, network, compute and storage are the groups services run in.',
      propertyNames: {
        pattern: '^[a-z][a-z0-9_-]{0,62}$',
        description: 'A group name: lower-case letters, digits, "_" and "-", starting with a letter.',
      },
      additionalProperties: { type: 'array', items: hostName, uniqueItems: true },
    },
    networks: networksSchema,
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
    backends: backendsSchema,
    vsphere: vsphereSchema,
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
    config: configSchema,
  },
} as const

/**
 * An inventory as the schema accepts it, with its defaults applied: a host's address
 * may still be missing (create-hosts fills it in). The rules check this.
 */
export type InventoryDraft = FromSchema<typeof inventorySchema>

/**
 * A valid inventory with the schema's defaults applied (validation applies them):
 * a key with a `default` is always there, so no reader restates its default.
 * Every host has its address (the rules refuse one without).
 */
export type Inventory = Omit<InventoryDraft, 'hosts'> & { hosts: (InventoryDraft['hosts'][number] & { address: string })[] }

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
