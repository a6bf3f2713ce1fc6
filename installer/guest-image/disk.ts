// SPDX-License-Identifier: Apache-2.0
// initramfs → FAT16 boot partition with SYSLINUX → MBR disk → compressed qcow2.
// No mount and no loop device: mtools writes into the partition file, sfdisk and plain
// file writes build the disk (guest-probe.md: extlinux on ext4 fails to load the kernel).
import { closeSync, openSync, readSync, statSync, truncateSync, writeFileSync, writeSync } from 'node:fs'
import { join } from 'node:path'
import { run } from './_exec.ts'
import { walk } from './_walk.ts'

const MiB = 1024 * 1024

/** SYSLINUX's MBR boot code, from syslinux-common. */
export const mbrBin = '/usr/lib/syslinux/mbr/mbr.bin'

/** Pack `root` as a newc cpio owned by root, compressed with zstd, into `out`. */
export async function makeInitramfs(root: string, out: string): Promise<void> {
  const cpio = `${out}.cpio`
  await run('cpio', ['--quiet', '-o', '-H', 'newc', '-R', '0:0', '-O', cpio], { cwd: root, input: `${walk(root).join('\n')}\n` })
  // NOTE: gzip, zstd and lz4 unpack equally fast here; xz costs 0.35 s more (guest-probe.md).
  await run('zstd', ['-q', '-f', '-19', '-T0', cpio, '-o', out])
}

/** What goes onto the boot partition. */
export interface BootFiles {
  vmlinuz: string
  initrd: string
  syslinuxCfg: string
}

/** Build a bootable raw disk in `work` from the boot files and convert it to compressed qcow2 at `qcow2`. */
export async function makeDisk(work: string, files: BootFiles, qcow2: string): Promise<void> {
  const payload = statSync(files.vmlinuz).size + statSync(files.initrd).size
  // FAT16 needs at least 16 MiB to stay FAT16; 2 MiB spare covers ldlinux.sys and the FATs.
  const partMiB = Math.max(18, Math.ceil(payload / MiB) + 2)
  const part = join(work, 'boot.fat')
  const raw = join(work, 'disk.raw')
  sparseFile(raw, (partMiB + 1) * MiB)
  await run('sfdisk', ['--quiet', '--no-reread', '--no-tell-kernel', raw], { input: 'label: dos\nstart=2048, type=6, bootable\n' })
  sparseFile(part, partMiB * MiB)
  // -h 2048: the partition starts 2048 sectors in, which SYSLINUX's boot sector needs to know.
  await run('mkfs.fat', ['-F', '16', '-h', '2048', '-n', 'GUEST', '--invariant', part])
  for (const [from, name] of [
    [files.vmlinuz, 'vmlinuz'],
    [files.initrd, 'initrd.img'],
    [files.syslinuxCfg, 'syslinux.cfg'],
  ] as const) {
    await run('mcopy', ['-i', part, from, `::/${name}`])
  }
  await run('syslinux', ['--install', part])
  copyInto(part, raw, MiB)
  copyInto(mbrBin, raw, 0, 440) // boot code only: bytes 440+ hold the partition table
  await run('qemu-img', ['convert', '-q', '-c', '-f', 'raw', '-O', 'qcow2', raw, qcow2])
}

/** A new file of `bytes` zeros, sparse. */
function sparseFile(file: string, bytes: number): void {
  writeFileSync(file, '')
  truncateSync(file, bytes)
}

/** Write `length` bytes of `from` (all of it by default) into `to` at `offset`, in place. */
function copyInto(from: string, to: string, offset: number, length = statSync(from).size): void {
  const src = openSync(from, 'r')
  const dst = openSync(to, 'r+')
  try {
    const buf = Buffer.alloc(Math.min(length, MiB))
    for (let done = 0; done < length; ) {
      const n = readSync(src, buf, 0, Math.min(buf.length, length - done), done)
      if (n === 0) break
      writeSync(dst, buf, 0, n, offset + done)
      done += n
    }
  } finally {
    closeSync(src)
    closeSync(dst)
  }
}
