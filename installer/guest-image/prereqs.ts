// SPDX-License-Identifier: Apache-2.0
// The Debian packages the guest-image build needs on this machine, installed when missing.
import { ensureMachinePackages, type Log } from '../machine-packages.ts'
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

export { aptEnv, isRoot, type Log } from '../machine-packages.ts'

/**
 * Install the packages of `names` that are missing (as root), or explain what to install
 * (as anyone else). `what` names the caller in the message.
 * @default names = the build's own hostPackages
 */
export async function ensurePackages(
  names: readonly string[] = Object.keys(hostPackages),
  what = 'building the guest image',
  log: Log = () => {},
): Promise<void> {
  await ensureMachinePackages(names, { what, log, errorClass: GuestImageError })
}
