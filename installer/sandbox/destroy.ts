// SPDX-License-Identifier: Apache-2.0
// `sandbox destroy`: stop the host, remove its interfaces, mounts, folder,
// known_hosts lines and inventory entry. Nothing of it may remain.
import { rmSync, rmdirSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { withLock } from './_lock.ts'
import { stopAptCacher } from './apt-cacher.ts'
import { stopHost } from './boot.ts'
import { SandboxError } from './errors.ts'
import { writeSandboxInventory } from './inventory.ts'
import { deleteLinks, removeBridges } from './network.ts'
import { hostDir } from './paths.ts'
import { requireRoot } from './prereqs.ts'
import { removeHostDir } from './rootfs.ts'
import { removeKnownHost } from './ssh.ts'
import { readRecord, readRecords, type HostRecord } from './state.ts'

/** Names that have no host; destroy checks them all before touching any host. */
export function unknownNames(names: readonly string[]): string[] {
  return names.filter((n) => !readRecord(n))
}

/**
 * nspawn's lock on the root folder, named after its device and inode
 * (systemd src/shared/machine-image.c image_path_lock). nspawn removes it when it
 * exits, but not when it had to be killed.
 */
function nspawnLockFile(rootfs: string): string | undefined {
  try {
    const st = statSync(rootfs)
    return `/run/systemd/nspawn/locks/inode-${st.dev}:${st.ino}`
  } catch {
    return undefined
  }
}

/** What nspawn leaves behind when it could not clean up itself. */
function removeNspawnLeftovers(rec: HostRecord, lock: string | undefined): void {
  if (lock) rmSync(lock, { force: true })
  try {
    rmdirSync(join('/run/systemd/nspawn/propagate', rec.name))
  } catch {
    // absent, or not empty and so not left by this host
  }
}

async function destroyRecord(rec: HostRecord): Promise<void> {
  const lock = nspawnLockFile(rec.rootfs.path)
  await stopHost(rec)
  removeNspawnLeftovers(rec, lock)
  await deleteLinks(Object.values(rec.interfaces).filter((n): n is string => !!n))
  await removeHostDir(hostDir(rec.name))
  await withLock('hosts', async () => {
    removeKnownHost(rec.address)
    writeSandboxInventory(readRecords())
  })
}

/** Destroy sandbox hosts by name; throws, touching none, when a name has no host. */
export async function destroySandbox(...names: string[]): Promise<void> {
  requireRoot('destroying sandbox hosts')
  const unknown = unknownNames(names)
  if (unknown.length) {
    const existing = readRecords().map((r) => r.name)
    throw new SandboxError(`no sandbox host named ${unknown.map((n) => `"${n}"`).join(', ')}; nothing was destroyed`, {
      fix: existing.length ? `existing hosts: ${existing.join(', ')}` : 'there are no sandbox hosts',
    })
  }
  for (const name of names) await destroyRecord(readRecord(name)!)
}

/**
 * Destroy every host, remove the bridges and stop apt-cacher-ng. The base root
 * file system and the package cache stay: they are what makes the next create fast.
 */
export async function destroyAllSandboxes(): Promise<string[]> {
  requireRoot('destroying sandbox hosts')
  const names = readRecords().map((r) => r.name)
  for (const name of names) await destroyRecord(readRecord(name)!)
  await removeBridges()
  await stopAptCacher()
  return names
}
