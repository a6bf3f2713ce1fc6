// SPDX-License-Identifier: Apache-2.0
// What Stackhouse records about each sandbox host: hosts/<name>/host.json.
import { existsSync, mkdirSync, readFileSync, readdirSync, renameSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { parseIp } from '../inventory/net.ts'
import type { InterfaceNames } from './names.ts'
import { hostDir, sandboxPaths } from './paths.ts'

/** How a host's root file system was made from the base. */
export type RootfsMode = 'overlay' | 'copy'

export interface HostRecord {
  name: string
  /** Management address, on host0. */
  address: string
  interfaces: InterfaceNames
  /** Its root: mode, mount point, and the pre-installed layer under its own files, or the whole image it boots (the appliance's root), if made from one. */
  rootfs: { mode: RootfsMode; path: string; layer?: string; image?: string }
  createdAt: string
  /** The systemd-nspawn process, with its start time so a reused pid is never signalled. */
  nspawn?: { pid: number; start: number }
  /** systemd (PID 1 inside), and its pid namespace: every process of the host is in it. */
  init?: { pid: number; pidNamespace: string }
  startedAt?: string
}

export function recordFile(name: string): string {
  return join(hostDir(name), 'host.json')
}

export function consoleLog(name: string): string {
  return join(hostDir(name), 'console.log')
}

export function readRecord(name: string): HostRecord | undefined {
  const file = recordFile(name)
  if (!existsSync(file)) return undefined
  return JSON.parse(readFileSync(file, 'utf8')) as HostRecord
}

/** Write host.json atomically: a reader never sees half a file. */
export function writeRecord(rec: HostRecord): void {
  mkdirSync(hostDir(rec.name), { recursive: true })
  const file = recordFile(rec.name)
  writeFileSync(`${file}.tmp`, `${JSON.stringify(rec, null, 2)}\n`)
  renameSync(`${file}.tmp`, file)
}

/** Every recorded host, in address order. */
export function readRecords(): HostRecord[] {
  if (!existsSync(sandboxPaths.hostsDir)) return []
  return readdirSync(sandboxPaths.hostsDir)
    .map((name) => readRecord(name))
    .filter((r): r is HostRecord => !!r)
    .sort((a, b) => parseIp(a.address)! - parseIp(b.address)!)
}
