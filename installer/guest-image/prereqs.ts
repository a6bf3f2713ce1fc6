// SPDX-License-Identifier: Apache-2.0
// The Debian packages the guest-image build needs on this machine, installed when missing.
import { run } from './_exec.ts'
import { GuestImageError } from './errors.ts'

/** Package → why the build needs it. */
export const hostPackages = {
  'busybox-static': 'the guest userland: shell, init, udhcpc, wget, acpid',
  'dropbear-bin': 'the guest SSH server and its host-key generator',
  syslinux: 'installs the boot loader into the FAT partition (through mtools)',
  'syslinux-common': 'the MBR boot code (mbr.bin)',
  mtools: 'copies files into the FAT partition without mounting it',
  dosfstools: 'mkfs.fat for the boot partition',
  fdisk: 'sfdisk writes the partition table',
  cpio: 'packs the initramfs (the guest root file system)',
  zstd: 'compresses the initramfs',
  'qemu-utils': 'qemu-img converts the raw disk to compressed qcow2',
} as const

/** Reports progress, one line at a time. */
export type Log = (line: string) => void

export const aptEnv = { ...process.env, DEBIAN_FRONTEND: 'noninteractive', LC_ALL: 'C' }

/** Packages of the list that dpkg does not report as installed. */
export async function missingPackages(names: readonly string[]): Promise<string[]> {
  const r = await run('dpkg-query', ['-W', '-f=${Package} ${db:Status-Abbrev}\n', ...names], { allowFail: true })
  const installed = new Set(r.stdout.split('\n').filter((l) => /^\S+ ii/.test(l)).map((l) => l.split(' ')[0]))
  return names.filter((n) => !installed.has(n))
}

export const isRoot = (): boolean => process.getuid?.() === 0

/**
 * Install the packages of `names` that are missing (as root), or explain what to install
 * (as anyone else). `what` names the caller in the message.
 * @default names = the build's own hostPackages
 */
export async function ensurePackages(names: readonly string[] = Object.keys(hostPackages), what = 'building the guest image', log: Log = () => {}): Promise<void> {
  const missing = await missingPackages(names)
  if (!missing.length) return
  const command = `apt-get install -y --no-install-recommends ${missing.join(' ')}`
  if (!isRoot()) {
    throw new GuestImageError(`${what} needs these Debian packages, which are missing: ${missing.join(', ')}`, { fix: `as root: apt-get update && ${command}` })
  }
  log(`installing ${missing.join(' ')}`)
  try {
    await run('apt-get', ['update', '-qq'], { env: aptEnv, timeoutMs: 300_000 })
    await run('apt-get', ['install', '-y', '-qq', '--no-install-recommends', ...missing], { env: aptEnv, timeoutMs: 900_000 })
  } catch (cause) {
    throw new GuestImageError(`installing ${missing.join(', ')} failed`, { cause, fix: `run it yourself and read its output: apt-get update && ${command}` })
  }
}
