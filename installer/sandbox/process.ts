// SPDX-License-Identifier: Apache-2.0
// Processes this sandbox started, identified by pid AND start time, so a pid the
// kernel has since reused for something else is never signalled.
import { readFileSync, readdirSync, readlinkSync } from 'node:fs'

/** Fields of /proc/PID/stat after the command name; undefined when the process is gone. */
function statFields(pid: number): string[] | undefined {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, 'utf8')
    // The command name (field 2) may hold spaces and parentheses: split after the last ')'.
    return text.slice(text.lastIndexOf(')') + 2).split(' ')
  } catch {
    return undefined
  }
}

/** True while the process exists and is not a zombie. */
export function isAlive(pid: number): boolean {
  const f = statFields(pid)
  return !!f && f[0] !== 'Z' && f[0] !== 'X'
}

/** Start time in clock ticks since boot (field 22 of /proc/PID/stat). */
export function startTime(pid: number): number | undefined {
  const f = statFields(pid)
  return f ? Number(f[19]) : undefined
}

/** True when `pid` is alive and is the same process that had `start` as its start time. */
export function isSameProcess(pid: number, start: number): boolean {
  return isAlive(pid) && startTime(pid) === start
}

/** Direct children of a process (needs CONFIG_PROC_CHILDREN, present on Debian kernels). */
export function childrenOf(pid: number): number[] {
  try {
    const text = readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim()
    return text ? text.split(' ').map(Number) : []
  } catch {
    return []
  }
}

/** The pid namespace of a process, e.g. `pid:[4026532301]`. */
export function pidNamespace(pid: number): string | undefined {
  try {
    return readlinkSync(`/proc/${pid}/ns/pid`)
  } catch {
    return undefined
  }
}

/** Every live process in the pid namespace `ns`: none must remain after a destroy. */
export function processesInNamespace(ns: string): number[] {
  return readdirSync('/proc')
    .filter((d) => /^\d+$/.test(d))
    .map(Number)
    .filter((pid) => pidNamespace(pid) === ns && isAlive(pid))
}

export function signal(pid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(pid, sig)
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ESRCH') throw e
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

/** Wait until `done()` is true; false when `timeoutMs` passed first. */
export async function waitFor(done: () => boolean | Promise<boolean>, timeoutMs: number, stepMs = 100): Promise<boolean> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    if (await done()) return true
    if (Date.now() > deadline) return false
    await sleep(stepMs)
  }
}
