// SPDX-License-Identifier: Apache-2.0
// The inventory schema of `networks:`: the management, tunnel and storage networks,
// and the provider network whose allocation range Neutron hands out as floating IPs.
import { cidr, iface, ipv4, safeName } from './schema-values.ts'

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

/** The inventory's `networks:`; only management is required. */
export const networksSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['management'],
  properties: { management: network, tunnel: network, storage: network, provider },
} as const
