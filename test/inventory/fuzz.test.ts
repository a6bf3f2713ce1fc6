// SPDX-License-Identifier: Apache-2.0
// Exit codes hold for any input: thousands of random mutations of the fixture
// inventories go through validate, model, render and plan; each either works or
// fails as a user's mistake (exit 1 or 2), never as a bug (70) or a crash, and
// never with a stack trace. Seeded, so a failure can be replayed; bounded in time.
import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { describeError } from '../../installer/cli/main.ts'
import { builtinInventory } from '../../installer/inventory/defaults.ts'
import { checkInventory } from '../../installer/inventory/load.ts'
import { tlsMaterial, withPem } from '../../installer/tls/material.ts'
import { buildModel } from '../../installer/model/build.ts'
import { planHosts } from '../../installer/plan/plan.ts'
import { render } from '../../installer/render/render.ts'
import { roles } from '../../roles/index.ts'
import { fakeSecrets, fixturesDir } from '../helpers.ts'

const inventoriesDir = join(fixturesDir, 'inventories')
/** Valid clouds, mutated most of the time so that many mutants get as far as render and plan. */
const good = [builtinInventory, ...['aio', '3-node', 'vsphere'].map((n) => readFileSync(join(inventoriesDir, `${n}.yml`), 'utf8'))]
const bad = readdirSync(join(fixturesDir, 'bad-inventories')).map((f) => readFileSync(join(fixturesDir, 'bad-inventories', f), 'utf8'))

/** mulberry32: a small seeded generator, so every run can be replayed from its seed. */
function random(seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

/** Pieces that break YAML, types and names in the ways people (and attackers) do. */
const fragments = [
  '',
  ' ',
  '\t',
  '\n',
  ':',
  '- ',
  '[',
  ']',
  '{',
  '}',
  ',',
  '"',
  "'",
  '#',
  '&a',
  '*a',
  '!!binary',
  '!tag',
  '---',
  '...',
  '|',
  '>',
  '-1',
  '0',
  '65536',
  '1e309',
  '.inf',
  '.nan',
  'null',
  '~',
  'true',
  'yes',
  '0x1f',
  '010.000.000.001',
  '10.0.0.0',
  '255.255.255.255',
  '127.0.0.1',
  '10.0.0.0/33',
  '/dev/../etc',
  '-rf',
  '..',
  'eth0:1',
  'all',
  'localhost',
  '__proto__',
  'constructor',
  'http://x',
  'cloud example.com',
  'x;id;#',
  '$(id)',
  '`id`',
  '\u202e',
  '\u2028',
  'é',
  '\x1b[2J',
  'a'.repeat(300),
  'ctl1',
  'cmp1',
  'aio1',
  'control',
  'compute',
  'storage',
  'network',
]

function mutate(text: string, rnd: () => number): string {
  const lines = text.split('\n')
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)]!
  const at = Math.floor(rnd() * lines.length)
  const times = rnd() < 0.7 ? 1 : 2 + Math.floor(rnd() * 3)
  for (let i = 0; i < times; i++) {
    const line = lines[at] ?? ''
    switch (Math.floor(rnd() * 7)) {
      case 0:
        lines.splice(at, 1)
        break
      case 1:
        lines.splice(at, 0, line)
        break
      case 2: {
        const other = Math.floor(rnd() * lines.length)
        ;[lines[at], lines[other]] = [lines[other] ?? '', line]
        break
      }
      case 3: {
        const pos = Math.floor(rnd() * (line.length + 1))
        lines[at] = line.slice(0, pos) + pick(fragments) + line.slice(pos + (rnd() < 0.5 ? 1 : 0))
        break
      }
      case 4:
        // A value replaced: everything after the first ": ".
        lines[at] = line.includes(': ') ? `${line.slice(0, line.indexOf(': ') + 2)}${pick(fragments)}` : `${line}${pick(fragments)}`
        break
      case 5:
        lines[at] = `${' '.repeat(Math.floor(rnd() * 6))}${line.trimStart()}`
        break
      default:
        lines.splice(at, 0, `${pick(fragments)}: ${pick(fragments)}`)
    }
  }
  return lines.join('\n')
}

/** Validate, then (when valid) model, render and plan: what every command does before touching a host. */
function pipeline(text: string): boolean {
  const { inventory, problems } = checkInventory('fuzz.yml', text, { dir: inventoriesDir })
  if (!inventory || problems.some((p) => p.severity === 'error')) return false
  const built = buildModel(inventory, 'fuzz.yml', fakeSecrets(), roles)
  // As loadProject does: the operator's TLS files, or the deployment CA's (none made here: an input error).
  const tls = tlsMaterial(built, { stateDir: '/nonexistent', inventoryDir: inventoriesDir }, false)
  const model = withPem(built, tls?.pem)
  render(model, roles)
  planHosts({ ...model, config: {} }, roles)
  return true
}

describe('random inventories', () => {
  it('never end in a bug (exit 70), a crash or a stack trace', () => {
    const seed = Number(process.env.STACKHOUSE_FUZZ_SEED ?? 20261202)
    const rnd = random(seed)
    const deadline = Date.now() + 25_000
    let runs = 0
    let valid = 0
    const bugs: string[] = []
    while (runs < 4000 && Date.now() < deadline) {
      const from = rnd() < 0.8 ? good : bad
      const text = mutate(from[Math.floor(rnd() * from.length)]!, rnd)
      runs++
      try {
        if (pipeline(text)) valid++
      } catch (e) {
        const { code, lines } = describeError(e)
        if (code === 70 || ![1, 2].includes(code) || /\n\s+at /.test(lines.join('\n')))
          bugs.push(`run ${runs}: ${lines.join(' | ').slice(0, 300)}\n--- input ---\n${text}`)
      }
      if (bugs.length >= 3) break
    }
    // THEN there is no bug; and the runs were many, some of them valid clouds
    expect(bugs, `seed ${seed}`).toEqual([])
    expect(runs).toBeGreaterThan(1000)
    expect(valid).toBeGreaterThan(runs / 20)
  }, 60_000)
})
