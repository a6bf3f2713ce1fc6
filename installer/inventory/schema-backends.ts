// SPDX-License-Identifier: Apache-2.0
// The inventory schema of `backends:`: which network, block storage and compute
// drivers the cloud uses, and the settings of LVM, Ceph and Swift.
import { device, safeName } from './schema-values.ts'

/** The inventory's `backends:`, every key with its default. */
export const backendsSchema = {
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
} as const
