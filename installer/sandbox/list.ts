// SPDX-License-Identifier: Apache-2.0
// What `sandbox list` shows, and what the tests and the deploy engine read.
import { isRunning } from './boot.ts'
import type { InterfaceNames } from './names.ts'
import { consoleLog, readRecords, type HostRecord, type RootfsMode } from './state.ts'

export interface SandboxHost {
  name: string
  /** Management address: SSH as root with sandboxPaths.key, checked against sandboxPaths.knownHosts. */
  address: string
  state: 'running' | 'stopped'
  /** The systemd-nspawn process, while running. */
  pid?: number
  /** systemd (PID 1 inside) as seen from this machine, while running: `nsenter -t PID -a …` runs a command in the host. */
  initPid?: number
  /** Seconds since the host was started, while running. */
  uptimeSeconds?: number
  rootfs: RootfsMode
  rootfsPath: string
  /** The pre-installed layer under the host's own files, if it was made from one. */
  layer?: string
  consoleLog: string
  /** Machine-side interfaces of host0 and host1. */
  interfaces: InterfaceNames
}

export function describeHost(rec: HostRecord, now = Date.now()): SandboxHost {
  const running = isRunning(rec)
  return {
    name: rec.name,
    address: rec.address,
    state: running ? 'running' : 'stopped',
    ...(running && rec.nspawn ? { pid: rec.nspawn.pid } : {}),
    ...(running && rec.init ? { initPid: rec.init.pid } : {}),
    ...(running && rec.startedAt ? { uptimeSeconds: Math.round((now - Date.parse(rec.startedAt)) / 1000) } : {}),
    rootfs: rec.rootfs.mode,
    rootfsPath: rec.rootfs.path,
    ...(rec.rootfs.layer ? { layer: rec.rootfs.layer } : {}),
    consoleLog: consoleLog(rec.name),
    interfaces: rec.interfaces,
  }
}

/** Every sandbox host, in address order. */
export function listSandboxes(): SandboxHost[] {
  return readRecords().map((r) => describeHost(r))
}
