// SPDX-License-Identifier: Apache-2.0
// How much memory a host's processes hold, read over the engine's transport: the
// sum of every process's proportional set size (shared pages counted once), the
// anonymous part of it (what no page-cache reclaim gives back), and the largest
// programs. `stackhouse verify` reports it per host; the benchmark prints it.
import { basename } from 'node:path'
import type { Transport } from '../transport/types.ts'

export interface ProgramMemory {
  program: string
  processes: number
  mib: number
}

export interface HostMemory {
  host: string
  pssMiB: number
  anonMiB: number
  processes: number
  /** Programs by memory, largest first (all their processes together). */
  largest: ProgramMemory[]
}

/** One line per process with memory: `<Pss kB> <Pss_Anon kB> <command line>` (kernel threads have none). */
export const memoryScript = [
  'for p in /proc/[0-9]*; do',
  `  m=$(awk '/^Pss:/ {p=$2} /^Pss_Anon:/ {a=$2} END {if (p != "") print p, a+0}' "$p/smaps_rollup" 2>/dev/null)`,
  `  c=$(tr '\\0' ' ' < "$p/cmdline" 2>/dev/null | cut -c1-300)`,
  '  [ -n "$m" ] && [ -n "$c" ] && echo "$m $c"',
  'done; true',
].join('\n')

/**
 * A name an operator recognises: the script an interpreter runs (nova-compute,
 * privsep-helper), the uwsgi app by its ini (keystone-uwsgi), a process title
 * (`neutron-server: rpc worker`), or the program itself.
 */
export function programName(cmdline: string): string {
  const titled = /^([\w.-]+: [^(]+?) \(/.exec(cmdline)
  if (titled) return titled[1]!
  const [first = '', ...rest] = cmdline.trim().split(/\s+/)
  const program = basename(first).replace(/:$/, '')
  if (/^python3(\.\d+)?$/.test(program)) return basename(rest.find((a) => !a.startsWith('-')) ?? program)
  if (program.startsWith('uwsgi')) {
    const ini = rest[rest.indexOf('--ini') + 1]
    if (rest.includes('--ini') && ini) return basename(ini).replace(/\.ini$/, '')
  }
  return program
}

export function parseMemory(host: string, stdout: string): HostMemory {
  const programs = new Map<string, ProgramMemory>()
  let pss = 0
  let anon = 0
  let processes = 0
  for (const line of stdout.split('\n')) {
    const m = /^(\d+) (\d+) (.+)$/.exec(line.trim())
    if (!m) continue
    const [kb, anonKb] = [Number(m[1]), Number(m[2])]
    pss += kb
    anon += anonKb
    processes++
    const name = programName(m[3]!)
    const p = programs.get(name) ?? { program: name, processes: 0, mib: 0 }
    p.processes++
    p.mib += kb / 1024
    programs.set(name, p)
  }
  const largest = [...programs.values()].sort((a, b) => b.mib - a.mib).map((p) => ({ ...p, mib: Math.round(p.mib) }))
  return { host, pssMiB: Math.round(pss / 1024), anonMiB: Math.round(anon / 1024), processes, largest }
}

export async function hostMemory(host: string, t: Transport): Promise<HostMemory> {
  const r = await t.exec(memoryScript)
  if (r.code !== 0) throw new Error(`reading memory on ${host} failed: ${r.stderr.trim()}`)
  return parseMemory(host, r.stdout)
}
