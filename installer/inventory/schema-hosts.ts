// SPDX-License-Identifier: Apache-2.0
// The inventory schema of one host (an item of `hosts:`): its name, management
// address, how the deployer reaches it over SSH, and its own interface names.
import { hostName, iface, ipv4, localPath } from './schema-values.ts'

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

/** One host of the inventory's `hosts:` list. */
export const hostSchema = {
  type: 'object',
  additionalProperties: false,
  // The address may wait for `stackhouse vsphere create-hosts` (target: vsphere), which writes it in;
  // every other command needs it (rules.ts, hostsHaveAddresses).
  required: ['name'],
  properties: {
    name: hostName,
    address: {
      ...ipv4,
      description:
        'Management address: the deployer reaches the host here over SSH. With target: vsphere, leave it out to have create-hosts write the one the VM gets.',
    },
    ssh,
    interfaces: {
      type: 'object',
      additionalProperties: false,
      description: 'Per-host interface names, where they differ from the network defaults.',
      properties: { management: iface, provider: iface, tunnel: iface, storage: iface },
    },
    hostname: {
      ...hostName,
      description:
        "The machine's own host name, where it is not the inventory name (an appliance renamed after first boot): /etc/hosts gives it as an alias, and the services keep the inventory name.",
    },
    tunnel_address: { ...ipv4, description: 'Address on the tunnel network (default: the management address).' },
  },
} as const
