// SPDX-License-Identifier: Apache-2.0
// The appliance's disk, made without a hypervisor and without device-mapper: a
// sparse raw file with a GPT (a 1 MiB BIOS boot partition, then the ext4 root),
// the root file system written by mke2fs straight from a folder, and GRUB for
// BIOS installed from the appliance's own packages (chroot), with a serial and a
// VGA console. Loop devices are the one kernel feature it needs.
import { randomUUID } from 'node:crypto'
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { run } from '../../installer/sandbox/_exec.ts'

/** GPT partition types. */
const biosBoot = '21686148-6449-6E6F-744E-656564454649'
const linuxFs = '0FC63DAF-8483-4772-8E79-3D69D8477DE4'

export interface DiskOptions {
  /** The finished root file system, as a folder. */
  root: string
  /** The raw disk to write (replaced). */
  out: string
  /** Virtual size; the file stays sparse. */
  sizeGiB: number
  /** Changes made in the mounted root before the boot loader goes in. */
  finish: (mounted: string, rootUuid: string) => Promise<void>
}

/** Kernel arguments: both consoles, the serial one last so it is /dev/console (the banner test reads it). */
export const kernelArgs = 'console=tty0 console=ttyS0,115200n8 net.ifnames=1'

/** GRUB's menu, written by us: a kernel update inside the VM runs update-grub, which reads /etc/default/grub.d. */
export function grubConfig(rootUuid: string, release: string): string {
  return [
    'serial --unit=0 --speed=115200',
    'terminal_input console serial',
    'terminal_output console serial',
    'set timeout=1',
    'insmod part_gpt',
    'insmod ext2',
    `search --no-floppy --fs-uuid --set=root ${rootUuid}`,
    "menuentry 'Stackhouse appliance' {",
    `  linux /boot/vmlinuz-${release} root=UUID=${rootUuid} ro ${kernelArgs}`,
    `  initrd /boot/initrd.img-${release}`,
    '}',
    '',
  ].join('\n')
}

export const grubDefaults = [
  `GRUB_CMDLINE_LINUX="${kernelArgs}"`,
  'GRUB_TERMINAL="console serial"',
  'GRUB_SERIAL_COMMAND="serial --unit=0 --speed=115200"',
  'GRUB_TIMEOUT=1',
  '',
].join('\n')

/** Where the root partition starts, in bytes (sector 4096): a raw disk's root is mounted at this offset. */
export const rootPartitionOffset = 4096 * 512

/** The partition table, as sfdisk reads it. */
export function partitionTable(): string {
  return `label: gpt\nstart=2048, size=2048, type=${biosBoot}, name="bios"\nstart=${rootPartitionOffset / 512}, type=${linuxFs}, name="root"\n`
}

/** Make the disk. Loop devices and mounts are released on every path out. */
export async function makeDisk(o: DiskOptions): Promise<{ rootUuid: string }> {
  rmSync(o.out, { force: true })
  await run('truncate', ['-s', `${o.sizeGiB}G`, o.out])
  await run('sfdisk', ['--quiet', o.out], { input: partitionTable() })
  const loop = (await run('losetup', ['--find', '--show', '--partscan', o.out])).stdout.trim()
  const mnt = mkdtempSync(join(tmpdir(), 'stackhouse-disk-'))
  const mounted: string[] = []
  try {
    const part = `${loop}p2`
    // Without udev the partition devices may not appear by themselves.
    if (!existsSync(part)) await run('partx', ['--add', loop], { allowFail: true })
    if (!existsSync(part)) throw new Error(`${part} did not appear: this kernel does not scan loop partitions`)
    const rootUuid = randomUUID()
    await run('mkfs.ext4', ['-q', '-L', 'stackhouse-root', '-U', rootUuid, '-d', o.root, part], { timeoutMs: 1_800_000 })
    await run('mount', [part, mnt])
    mounted.push(mnt)
    await o.finish(mnt, rootUuid)
    for (const [fs, dir, type] of [
      ['/dev', 'dev', ''],
      ['proc', 'proc', 'proc'],
      ['sysfs', 'sys', 'sysfs'],
    ] as const) {
      mkdirSync(join(mnt, dir), { recursive: true })
      await run('mount', type ? ['-t', type, fs, join(mnt, dir)] : ['--bind', fs, join(mnt, dir)])
      mounted.push(join(mnt, dir))
    }
    await run('chroot', [mnt, 'grub-install', '--target=i386-pc', '--modules=part_gpt ext2', loop], { timeoutMs: 300_000 })
    return { rootUuid }
  } finally {
    for (const m of mounted.reverse()) await run('umount', [m], { allowFail: true })
    await run('losetup', ['--detach', loop], { allowFail: true })
    rmSync(mnt, { recursive: true, force: true })
  }
}
