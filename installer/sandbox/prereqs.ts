// SPDX-License-Identifier: Apache-2.0
// The Debian packages the sandbox needs on this machine, installed when missing.
import { run } from './_exec.ts'
import { SandboxError } from './errors.ts'

/** Package → why the sandbox needs it. */
export const requiredPackages = {
  'systemd-container': 'systemd-nspawn boots the hosts',
  debootstrap: 'builds the Debian 12 base root file system',
  'apt-cacher-ng': 'caches packages for every host',
  iproute2: 'bridges and veth links (ip)',
  'openssh-client': 'ssh-keygen for the sandbox key and host keys',
  'debian-archive-keyring': 'debootstrap checks the archive signatures with it',
} as const

export type Log = (line: string) => void

/** Packages of the list that dpkg does not report as installed. */
export async function missingPackages(names: readonly string[] = Object.keys(requiredPackages)): Promise<string[]> {
  const r = await run('dpkg-query', ['-W', '-f=${Package} ${db:Status-Abbrev}\n', ...names], { allowFail: true })
  const installed = new Set(r.stdout.split('\n').filter((l) => /^\S+ ii/.test(l)).map((l) => l.split(' ')[0]))
  return names.filter((n) => !installed.has(n))
}

const aptEnv = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' }

/** Install what is missing (as root), or explain what to install (as anyone else). */
export async function ensurePrerequisites(log: Log = () => {}): Promise<void> {
  const missing = await missingPackages()
  if (!missing.length) return
  const command = `apt-get install -y --no-install-recommends ${missing.join(' ')}`
  if (process.getuid?.() !== 0) {
    throw new SandboxError(`sandbox hosts need root, and these packages are missing: ${missing.join(', ')}`, { fix: `as root: apt-get update && ${command}` })
  }
  log(`installing ${missing.join(' ')}`)
  try {
    // Wait for the dpkg lock instead of failing at once: another apt may be running (or a parallel create).
    const lock = ['-o', 'DPkg::Lock::Timeout=300']
    await run('apt-get', [...lock, 'update', '-qq'], { env: aptEnv, timeoutMs: 600_000 })
    await run('apt-get', [...lock, 'install', '-y', '-qq', '--no-install-recommends', ...missing], { env: aptEnv, timeoutMs: 900_000 })
  } catch (cause) {
    throw new SandboxError(`installing the sandbox prerequisites failed`, { cause, fix: `run it yourself and read its output: apt-get update && ${command}` })
  }
}

/** Sandbox hosts change bridges, mounts and namespaces: only root can. */
export function requireRoot(what: string): void {
  if (process.getuid?.() !== 0) throw new SandboxError(`${what} needs root`, { fix: 'run it as root (sudo stackhouse sandbox …)' })
}
