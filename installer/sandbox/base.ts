// SPDX-License-Identifier: Apache-2.0
// The Debian 12 root file system every host starts from: debootstrapped once
// (through the package cache, so a rebuild downloads nothing) and then reused.
import { existsSync, renameSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { run } from './_exec.ts'
import { withLock } from './_lock.ts'
import { aptProxy } from './apt-cacher.ts'
import { SandboxError } from './errors.ts'
import { codename, viaCache, type DebianMirrors } from './mirror.ts'
import { sandboxPaths } from './paths.ts'
import { removeHostKeys } from './ssh.ts'

/** Packages beyond minbase: systemd as init, sshd for the deployer, python3 for tooling. */
export const basePackages = [
  'systemd',
  'systemd-sysv',
  'dbus',
  'openssh-server',
  'iproute2',
  'python3',
  'ca-certificates',
  'sudo',
  'gnupg',
  'procps',
  'less',
  'apt-utils',
] as const

/** Written after the base is complete: its presence means the base is usable. */
const marker = `${sandboxPaths.baseRootfs}.json`

/** True when the base root file system has been built completely. */
export function baseExists(): boolean {
  return existsSync(marker) && existsSync(sandboxPaths.baseRootfs)
}

/**
 * Remove what must differ between hosts, so no two hosts share it: SSH host keys
 * and the machine id (written per host), and the build machine's resolv.conf.
 */
function generalise(root: string): void {
  removeHostKeys(root)
  writeFileSync(join(root, 'etc', 'machine-id'), '')
  rmSync(join(root, 'var', 'lib', 'dbus', 'machine-id'), { force: true })
  writeFileSync(join(root, 'etc', 'resolv.conf'), '# Sandbox hosts have no DNS server: names are in /etc/hosts.\n')
}

async function debootstrap(target: string, mirrors: DebianMirrors): Promise<void> {
  const args = [
    '--variant=minbase',
    `--include=${basePackages.join(',')}`,
    `--components=${mirrors.components.join(',')}`,
    codename,
    target,
    viaCache(mirrors.archive),
  ]
  try {
    await run('debootstrap', args, { env: { ...process.env, http_proxy: aptProxy }, timeoutMs: 1_800_000 })
  } catch (cause) {
    const log = join(target, 'debootstrap', 'debootstrap.log')
    throw new SandboxError('building the base root file system with debootstrap failed', {
      cause,
      fix: `see ${log}${existsSync(log) ? '' : ' (if it exists)'}; the package cache log is in ${sandboxPaths.aptLogDir}`,
    })
  }
}

/**
 * Build the base root file system unless it exists. Needs apt-cacher-ng running.
 * Built in a temporary folder and renamed when complete, so a crash never leaves a
 * half-built base that later hosts would boot from.
 */
export async function ensureBase(mirrors: DebianMirrors, log: (line: string) => void = () => {}): Promise<boolean> {
  if (baseExists()) return false
  return withLock('rootfs-base', async () => {
    if (baseExists()) return false
    const tmp = `${sandboxPaths.baseRootfs}.tmp`
    rmSync(tmp, { recursive: true, force: true })
    // NOTE: a base without its marker is a build that stopped half-way: rebuild it.
    rmSync(sandboxPaths.baseRootfs, { recursive: true, force: true })
    log(`building the base root file system (debootstrap ${codename}, about a minute the first time)`)
    const started = Date.now()
    await debootstrap(tmp, mirrors)
    generalise(tmp)
    const info = {
      codename,
      mirror: mirrors.archive,
      packages: basePackages,
      builtAt: new Date().toISOString(),
      seconds: (Date.now() - started) / 1000,
    }
    renameSync(tmp, sandboxPaths.baseRootfs)
    writeFileSync(marker, `${JSON.stringify(info, null, 2)}\n`)
    return true
  })
}
