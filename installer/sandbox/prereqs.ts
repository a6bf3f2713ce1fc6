// SPDX-License-Identifier: Apache-2.0
// The Debian packages the sandbox needs on this machine, installed when missing.
import { ensureMachinePackages, type Log } from '../machine-packages.ts'
import { SandboxError } from './errors.ts'

/** Package → why the sandbox needs it. */
export const requiredPackages = {
  'systemd-container': 'systemd-nspawn boots the hosts',
  debootstrap: 'builds the Debian 12 base root file system',
  'apt-cacher-ng': 'caches packages for every host',
  iproute2: 'bridges and veth links (ip)',
  ethtool: 'checksums filled in on the provider veths (for OVN)',
  'openssh-client': 'ssh-keygen for the sandbox key and host keys',
  'debian-archive-keyring': 'debootstrap checks the archive signatures with it',
} as const

export type { Log } from '../machine-packages.ts'

/** Install what is missing (as root), or explain what to install (as anyone else). */
export async function ensurePrerequisites(log: Log = () => {}): Promise<void> {
  await ensureMachinePackages(Object.keys(requiredPackages), { what: 'sandbox hosts', log, errorClass: SandboxError })
}

/** Sandbox hosts change bridges, mounts and namespaces: only root can. */
export function requireRoot(what: string): void {
  if (process.getuid?.() !== 0) throw new SandboxError(`${what} needs root`, { fix: 'run it as root (sudo stackhouse sandbox …)' })
}
