// SPDX-License-Identifier: Apache-2.0
// The appliance's own inventory: one host, every group, the address it has now.
// It is an ordinary inventory file (target: hosts), deployed with the local
// transport, and it goes through the same checks as an operator's.
import { stringify } from 'yaml'
import { internalExternal, providerInterface, floatingMode } from './network.ts'
import type { ApplianceSettings } from './settings.ts'

/** What the network gave the appliance (DHCP) or what its settings said (static). */
export interface Lease {
  interface: string
  address: string
  /** e.g. 192.0.2.0/24 */
  cidr: string
  gateway?: string
}

/**
 * @param cloudName the host's name in the cloud: the host name first boot had, which the
 * services keep when the machine is renamed later (its own name is then an alias).
 */
export function applianceInventory(s: ApplianceSettings, lease: Lease, cloudName = s.hostname): string {
  const provider =
    floatingMode(s) === 'lan'
      ? {
          cidr: lease.cidr,
          ...(lease.gateway ? { gateway: lease.gateway } : {}),
          interface: providerInterface,
          allocation: { start: s.floatingRange!.start, end: s.floatingRange!.end },
        }
      : {
          cidr: internalExternal.cidr,
          gateway: internalExternal.gateway,
          interface: providerInterface,
          allocation: { start: internalExternal.start, end: internalExternal.end },
        }
  const host = cloudName
  const doc = {
    name: 'stackhouse',
    target: 'hosts',
    hosts: [{ name: host, address: lease.address, ...(s.hostname !== host ? { hostname: s.hostname } : {}) }],
    groups: { control: [host], network: [host], compute: [host], storage: [host] },
    networks: {
      management: { cidr: lease.cidr, ...(lease.gateway ? { gateway: lease.gateway } : {}), interface: lease.interface },
      provider,
    },
    // Ceph on a file-backed OSD: it needs no spare disk and no device-mapper.
    backends: { network: 'linuxbridge', block_storage: 'ceph', virt_type: 'auto' },
    // cloud.tls: every endpoint https, from a CA first boot makes on this VM (never in the image).
    ...(s.tls ? { tls: { enabled: true } } : {}),
  }
  return `# Written by the appliance's first boot from its settings (stackhouse appliance reconfigure changes it).\n${stringify(doc)}`
}
