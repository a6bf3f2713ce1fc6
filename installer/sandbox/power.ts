// SPDX-License-Identifier: Apache-2.0
// Stop a sandbox host without losing anything, and start it again: also after this
// machine rebooted, when its bridges, package cache and overlay mount are gone.
import { withLock } from './_lock.ts'
import { run } from './_exec.ts'
import { isRunning, startHost, stopHost, waitForBoot } from './boot.ts'
import { prepareMachine } from './create.ts'
import { SandboxError } from './errors.ts'
import { hostDir } from './paths.ts'
import { requireRoot } from './prereqs.ts'
import { mountsUnder, overlayMount } from './rootfs.ts'
import { readRecord, writeRecord, type HostRecord } from './state.ts'

/** The records of the names, all checked before any host is touched. */
function records(names: readonly string[]): HostRecord[] {
  const missing = names.filter((n) => !readRecord(n))
  if (missing.length)
    throw new SandboxError(`no sandbox host is named ${missing.join(', ')}`, {
      fix: 'see "stackhouse sandbox list", or create it: stackhouse sandbox create NAME',
    })
  return names.map((n) => readRecord(n)!)
}

/**
 * Boot a stopped host. Its overlay root is mounted again when a reboot of this
 * machine took the mount away (the host's own files are in upper/, untouched).
 */
export async function bootStopped(rec: HostRecord): Promise<void> {
  if (rec.rootfs.mode === 'overlay' && !mountsUnder(rec.rootfs.path).includes(rec.rootfs.path)) {
    await run('mount', overlayMount(hostDir(rec.name), rec.rootfs.path, rec.rootfs.layer, rec.rootfs.image))
  }
  const started = await withLock('hosts', () => startHost(rec, writeRecord))
  await waitForBoot(started)
}

/** Start the named hosts that are stopped; returns which it started and which already ran. */
export async function startSandbox(
  names: readonly string[],
  log: (line: string) => void = () => {},
): Promise<{ started: string[]; running: string[] }> {
  requireRoot('starting sandbox hosts')
  const recs = records(names)
  // The bridges and the package cache, gone after a reboot of this machine.
  await prepareMachine(log)
  const result = { started: [] as string[], running: [] as string[] }
  for (const rec of recs) {
    if (isRunning(rec)) {
      result.running.push(rec.name)
      continue
    }
    log(`booting sandbox host ${rec.name}`)
    await bootStopped(rec)
    result.started.push(rec.name)
  }
  return result
}

/** Stop the named hosts cleanly (systemd inside halts); their disks and addresses stay for `startSandbox`. */
export async function stopSandbox(names: readonly string[]): Promise<{ stopped: string[]; notRunning: string[] }> {
  requireRoot('stopping sandbox hosts')
  const recs = records(names)
  const result = { stopped: [] as string[], notRunning: [] as string[] }
  for (const rec of recs) {
    if (!isRunning(rec)) {
      result.notRunning.push(rec.name)
      continue
    }
    await stopHost(rec)
    result.stopped.push(rec.name)
  }
  return result
}
