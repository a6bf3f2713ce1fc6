// SPDX-License-Identifier: Apache-2.0
// Which disk first boot may format: only a whole, writable, fixed disk of 4 GiB or
// more with nothing on it that lsblk knows of (the root disk, a CD, a partitioned
// or formatted disk, a mounted one are never candidates).
import { describe, expect, it } from 'vitest'
import { blankDisks } from '../../appliance/first-boot/data-disk.ts'

const disk = (name: string, more: Record<string, unknown> = {}) => ({
  name,
  type: 'disk',
  size: 100 * 2 ** 30,
  fstype: null,
  pttype: null,
  ro: false,
  rm: false,
  mountpoints: [null],
  ...more,
})

describe('the data disk', () => {
  it('is a blank whole disk: never the root disk, a CD, a small disk, a formatted, partitioned or mounted one', () => {
    const lsblk = JSON.stringify({
      blockdevices: [
        disk('vda', { pttype: 'gpt', children: [{ ...disk('vda1'), type: 'part', fstype: 'ext4', mountpoints: ['/'] }] }),
        disk('vdb'),
        disk('vdc', { fstype: 'ext4' }),
        disk('vdd', { mountpoints: ['/mnt'] }),
        disk('vde', { size: 2 ** 30 }),
        disk('sr0', { type: 'rom', rm: true, size: 2 ** 20 }),
        disk('vdf', { ro: true }),
        { ...disk('loop0'), type: 'loop' },
        // A root file system on the whole disk, as on this machine: mounted, so never blank
        disk('sda', { mountpoints: ['/'] }),
      ],
    })
    expect(blankDisks(lsblk)).toEqual([{ path: '/dev/vdb', bytes: 100 * 2 ** 30 }])
  })
})
