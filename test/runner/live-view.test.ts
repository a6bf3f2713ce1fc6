// SPDX-License-Identifier: Apache-2.0
// The live view under a real pseudo-terminal (script(1), 120×50) and in a pipe:
// a run of 14 phases and 140 tasks, all unchanged, stays a short screen, not a
// stack of redrawn trees. Runs the built runner (npm test builds dist/ first).
import { spawnSync } from 'node:child_process'
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { packageRoot } from '../../installer/paths.ts'

/** A run like a no-change deploy of the all-in-one: every task looks, finds nothing to do, reports ok. */
const program = (renderer: string) => `
import { runWithListr } from ${JSON.stringify(join(packageRoot, 'dist', 'installer', 'runner', 'listr.js'))}
import { HostLog } from ${JSON.stringify(join(packageRoot, 'dist', 'installer', 'runner', 'log.js'))}
const host = { name: 'aio1', address: '10.0.0.11', tunnelAddress: '10.0.0.11', ssh: { user: 'root', port: 22 }, groups: ['all'], interfaces: {} }
const sleep = (ms) => new Promise((r) => setTimeout(r, ms))
const phases = Array.from({ length: 14 }, (_, p) => ({
  id: 'phase' + p, title: 'role ' + p,
  hosts: [{ host, tasks: Array.from({ length: 10 }, (_, t) => ({ id: 'role' + p + '.task' + t, title: 'task ' + t, apply: async () => { await sleep(15); return { status: 'ok' } } })) }],
}))
const transports = new Map([['aio1', { host: 'aio1', address: 'x', exec: async () => ({ code: 0, stdout: '', stderr: '' }), writeFile: async () => {}, close: async () => {} }]])
const logs = new Map([['aio1', new HostLog(${JSON.stringify(mkdtempSync(join(tmpdir(), 'stackhouse-live-')))}, 'aio1', (s) => s)]])
const state = await runWithListr(phases, transports, logs, { check: false, renderer: ${JSON.stringify(renderer)} })
process.stderr.write('outcomes ' + state.outcomes.length + '\\n')
`

function runIn(renderer: string, tty: boolean): { output: string; outcomes: number } {
  const file = join(mkdtempSync(join(tmpdir(), 'stackhouse-live-')), 'run.mjs')
  writeFileSync(file, program(renderer))
  const r = tty
    ? spawnSync('script', ['-qec', `stty rows 50 cols 120; ${process.execPath} ${file}`, '/dev/null'], {
        encoding: 'utf8',
        env: { ...process.env, TERM: 'xterm-256color' },
        timeout: 60_000,
      })
    : spawnSync(process.execPath, [file], { encoding: 'utf8', timeout: 60_000 })
  const outcomes = Number(/outcomes (\d+)/.exec(r.stdout + r.stderr)?.[1] ?? -1)
  return { output: r.stdout, outcomes }
}

/**
 * The lines a terminal holds (screen and scrollback) after the output: a small VT100
 * model of what log-update sends, cursor up, erase line, column 1, carriage return.
 */
function terminalLines(raw: string): string[] {
  const lines = ['']
  let row = 0
  let col = 0
  const put = (text: string) => {
    const line = lines[row]!.padEnd(col)
    lines[row] = line.slice(0, col) + text + line.slice(col + text.length)
    col += text.length
  }
  const tokens = raw.match(/\x1b\[[0-9;?]*[A-Za-z]|\r|\n|[^\x1b\r\n]+|\x1b/g) ?? []
  for (const t of tokens) {
    if (t === '\n') {
      row++
      col = 0
      if (row === lines.length) lines.push('')
    } else if (t === '\r') col = 0
    else if (t.startsWith('\x1b[')) {
      const n = Number(/\d+/.exec(t)?.[0] ?? 1)
      if (t.endsWith('A')) row = Math.max(0, row - n)
      else if (t.endsWith('K')) lines[row] = ''
      else if (t.endsWith('G')) col = n - 1
    } else if (t !== '\x1b') put(t)
  }
  while (lines.length && lines.at(-1)!.trim() === '') lines.pop()
  return lines
}

describe('live view', () => {
  it('draws one tree on a 120×50 terminal: under 100 lines for 140 tasks', () => {
    const { output, outcomes } = runIn('default', true)
    expect(outcomes).toBe(140)
    const lines = terminalLines(output)
    expect(lines.length).toBeLessThan(100)
    // AND the finished phases are folded to one line each, every one shown once
    expect(lines.filter((l) => /phase\d+ — role/.test(l))).toHaveLength(14)
  })

  it('prints results only when piped: a line per phase and per host, not per task', () => {
    const { output, outcomes } = runIn('simple', false)
    expect(outcomes).toBe(140)
    expect(output.split('\n').length).toBeLessThan(60)
    expect(output).not.toContain('task 3')
    expect(output).toContain('aio1')
  })
})
