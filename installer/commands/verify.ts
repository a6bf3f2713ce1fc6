// SPDX-License-Identifier: Apache-2.0
// `stackhouse verify` as one library call: a log file for the run, every check,
// then the memory the cloud holds on each host; secrets masked in all of it.
import { appendFileSync, mkdirSync } from 'node:fs'
import { join } from 'node:path'
import type { ModelHost } from '../model/types.ts'
import type { Project } from '../project.ts'
import { connectAll, type ConnectOptions } from '../runner/connect.ts'
import { redactor } from '../runner/log.ts'
import { secretCatalog } from '../secrets/names.ts'
import type { Transport } from '../transport/types.ts'
import { verifyCloud, type VerifyOptions, type VerifyReport } from '../verify/index.ts'
import { hostMemory, type HostMemory } from '../verify/memory.ts'
import type { VerifyEvent } from './events.ts'

/** How `verifyDeployedCloud` runs: the checks' own options, its events, and how hosts are reached for their memory. */
export interface VerifyCloudOptions extends Omit<VerifyOptions, 'onCheck' | 'log'>, ConnectOptions {
  /** Each check as it finishes, then each host's memory; secrets masked. */
  onEvent?: (e: VerifyEvent) => void
  /** How to reach the hosts to read their memory. @default SSH (or this machine with `local`) */
  connect?: (hosts: ModelHost[]) => Promise<Map<string, Transport>>
}

/** The checks' report, with each host's memory and the log file's path. */
export interface VerifyCloudReport extends VerifyReport {
  /** Each host's memory after the checks; empty when the hosts could not be reached (the log says why). */
  memory: HostMemory[]
  /** The run's log: each result, and the detail of failures (stack traces), secrets masked. */
  logFile: string
}

/**
 * Everything `stackhouse verify` does but print: open a log file in the project's
 * state folder (logs/verify-TIME.log, mode 0600), run the checks, read each host's
 * memory. A failed check is in the report (`ok: false`), not thrown.
 */
export async function verifyDeployedCloud(project: Project, opts: VerifyCloudOptions = {}): Promise<VerifyCloudReport> {
  const { onEvent, connect, local, trustNewHosts, ...checks } = opts
  const redact = masker(redactor(project.model.secrets, secretCatalog(project.roles)))
  const { logFile, log } = openLog(project.paths.stateDir, redact)
  const report = await verifyCloud(project, {
    ...checks,
    log,
    onCheck: (r) => {
      log(`${r.status} ${r.id} ${r.seconds}s ${r.message}`)
      onEvent?.({ type: 'check', result: redact(r) })
    },
  })
  const reach =
    connect ??
    ((hosts: ModelHost[]) => connectAll(hosts, project.paths, { ...(local ? { local } : {}), ...(trustNewHosts ? { trustNewHosts } : {}) }))
  const memory = redact(await readMemory(project, reach, log))
  for (const m of memory) onEvent?.({ type: 'memory', memory: m })
  return { ...redact(report), memory, logFile }
}

/** A new log file under the state folder, and a function that appends a line to it. */
function openLog(stateDir: string, redact: <T>(value: T) => T): { logFile: string; log: (line: string) => void } {
  const logDir = join(stateDir, 'logs')
  mkdirSync(logDir, { recursive: true, mode: 0o700 })
  const logFile = join(logDir, `verify-${new Date().toISOString().replace(/[:.]/g, '-')}.log`)
  return { logFile, log: (l) => appendFileSync(logFile, `${new Date().toISOString()} ${redact(l)}\n`, { mode: 0o600 }) }
}

/** Each host's memory after the checks; a host that cannot be reached is logged, not a failure. */
async function readMemory(
  project: Project,
  connect: (hosts: ModelHost[]) => Promise<Map<string, Transport>>,
  log: (l: string) => void,
): Promise<HostMemory[]> {
  try {
    const transports = await connect(project.model.hosts)
    try {
      return await Promise.all([...transports].map(([host, t]) => hostMemory(host, t)))
    } finally {
      await Promise.all([...transports.values()].map((t) => t.close()))
    }
  } catch (e) {
    log(`memory not read: ${(e as Error).message}`)
    return []
  }
}

/** Mask secrets in every string of a value made of plain objects, arrays and strings. */
function masker(redact: (s: string) => string): <T>(value: T) => T {
  const walk = (v: unknown): unknown => {
    if (typeof v === 'string') return redact(v)
    if (Array.isArray(v)) return v.map(walk)
    if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, walk(x)]))
    return v
  }
  return <T>(value: T) => walk(value) as T
}
