// SPDX-License-Identifier: Apache-2.0
// The built-in inventory used when no -i is given: an all-in-one cloud on one
// local sandbox host. It goes through the same checks as an operator's file.
import { schemaDefault } from './schema.ts'

/** Shown as the file name in messages about the built-in inventory. */
export const builtinInventoryName = '<built-in all-in-one inventory>'

/**
 * Sandbox addressing: hosts sit on the management bridge; the provider bridge is
 * the "outside" of the cloud, so floating IPs are reachable from this machine.
 */
export const sandboxNetworks = {
  management: { cidr: '10.77.0.0/24', gateway: '10.77.0.1', bridge: 'shmgmt0' },
  provider: { cidr: '10.78.0.0/24', gateway: '10.78.0.1', bridge: 'shprov0', start: '10.78.0.100', end: '10.78.0.200' },
  // A network of its own for VXLAN/Geneve, as on servers; an inventory names it when it wants it
  // (OVN's userspace datapath needs one: its tunnel endpoint lives on an OVS bridge).
  tunnel: { cidr: '10.79.0.0/24', gateway: '10.79.0.1', bridge: 'shtun0' },
} as const

/**
 * The built-in cloud. Its choices are the sandbox's (Ceph: sandbox hosts have no
 * device-mapper for LVM; Linux bridge: OVN needs a kernel module on this machine);
 * a value shown only to be seen is the schema's default, read from it.
 */
export const builtinInventory = `
name: stackhouse
target: sandbox
hosts:
  - name: aio1
    address: 10.77.0.11
groups:
  control: [aio1]
  network: [aio1]
  compute: [aio1]
  storage: [aio1]
networks:
  management: { cidr: ${sandboxNetworks.management.cidr}, gateway: ${sandboxNetworks.management.gateway}, interface: host0 }
  provider:
    cidr: ${sandboxNetworks.provider.cidr}
    gateway: ${sandboxNetworks.provider.gateway}
    interface: host1
    allocation: { start: ${sandboxNetworks.provider.start}, end: ${sandboxNetworks.provider.end} }
backends:
  network: linuxbridge
  block_storage: ceph
  virt_type: ${schemaDefault('backends', 'virt_type')}
`.trimStart()

/** Names of the built-in cloud's hosts. */
export function builtinHostNames(): string[] {
  return [...builtinInventory.matchAll(/^  - name: (\S+)$/gm)].map((m) => m[1]!)
}
