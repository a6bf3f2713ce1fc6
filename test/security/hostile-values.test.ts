// SPDX-License-Identifier: Apache-2.0
// Defence in depth: even if a hostile value got past the inventory's schema, no
// command the engine runs would read it as shell syntax, and no secret would be
// in any program's argv. Every free-form string of each fixture's model (names,
// addresses, interfaces, devices, URLs, vSphere values, secrets) gets a payload
// that runs `pwned` wherever it is not quoted; then every bootstrap step (guard
// and command) and the whole engine run through a real bash that records every
// program it would start (test/security/recording-shell.ts).
import { describe, expect, it } from 'vitest'
import type { Model } from '../../installer/model/types.ts'
import { buildPhases } from '../../installer/plan/phases.ts'
import { render } from '../../installer/render/render.ts'
import { HostLog, redactor } from '../../installer/runner/log.ts'
import { confidentialValues } from '../../installer/secrets/names.ts'
import { roles } from '../../roles/index.ts'
import { fixtureModel, fixtureNames } from '../helpers.ts'
import { RecordingShell } from './recording-shell.ts'
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { testCatalog } from '../helpers.ts'

/** Every way out of a shell word: quotes, substitution, backticks, separators, a leading dash. */
const payload = `'";$(pwned)\`pwned\`|pwned&pwned --pwned-word`
/** Also a newline: steps take such values as they come (rendered files refuse them). */
const payloadWithNewline = `${payload}\npwned\n--pwned-line`

/** Keys whose values are choices or structure, not free text: left as they are. */
const structural = new Set([
  'target',
  'inventoryFile',
  'network',
  'blockStorage',
  'compute',
  'virtType',
  'type',
  'groups',
  'config',
  'services',
  'tls',
])

/** The model with `tail` appended to every free-form string (equal strings stay equal, so references hold). */
function hostile(model: Model, tail: string): Model {
  const walk = (v: unknown, key: string, depth: number): unknown => {
    if (typeof v === 'string') return `${v}${tail}`
    if (Array.isArray(v)) return v.map((x) => walk(x, key, depth + 1))
    if (v && typeof v === 'object') {
      return Object.fromEntries(
        Object.entries(v).map(([k, x]) => [k, structural.has(k) && !(k === 'groups' && depth === 0) ? x : walk(x, k, depth + 1)]),
      )
    }
    return v
  }
  const m = walk(model, '', 0) as Model
  // Secrets travel in the environment, one line each: the payload without its newline.
  const secrets = Object.fromEntries(Object.entries(model.secrets).map(([k, v]) => [k, `${v}${payload}`]))
  return { ...m, secrets: secrets as unknown as Model['secrets'], config: {} }
}

/** The confidential ones: identifiers (the Ceph fsid, libvirt's secret UUID) may be on command lines. */
function secretValues(model: Model): string[] {
  return Object.values(confidentialValues(model.secrets, testCatalog))
}

/** No program named by a payload ran, bash never choked, no argv holds a secret, and values arrive whole. */
function expectNothingInterpreted(shell: RecordingShell, secrets: string[]): void {
  const commands = shell.commands()
  expect(commands.length, 'the scripts ran no program at all').toBeGreaterThan(0)
  expect(commands.filter((argv) => argv[0] === 'pwned' || argv.includes('--pwned-word') || argv.includes('--pwned-line'))).toEqual([])
  expect(shell.stderr.filter((e) => /syntax error|unexpected EOF|bad substitution|command not found/.test(e.stderr))).toEqual([])
  for (const argv of commands) {
    for (const s of secrets)
      expect(
        argv.some((a) => a.includes(s)),
        `a secret in the argv of ${argv[0]}`,
      ).toBe(false)
    // A value passed to a program (not a script for a nested shell) arrives as one whole word.
    if (['su', 'sh', 'bash'].includes(argv[0]!)) continue
    for (const a of argv.filter((x) => x.includes('pwned'))) expect(a, `${argv[0]}: ${a}`).toContain(payload)
  }
}

describe('hostile values never reach a shell as syntax', () => {
  it.each(fixtureNames)('%s: every bootstrap step, guard and command', async (fixture) => {
    // GIVEN the fixture's model with a payload in every free-form value
    const model = hostile(fixtureModel(fixture), payloadWithNewline)
    const shell = new RecordingShell('steps')
    let steps = 0
    // WHEN every role's steps run on every host of the role, guard and command alike
    for (const role of roles.filter((r) => r.enabled(model))) {
      for (const host of role.hosts(model)) {
        for (const step of role.bootstrap?.({ model, host }) ?? []) {
          const env = step.env ? { env: step.env } : {}
          if (step.unless) await shell.exec(step.unless, env)
          if (step.run) await shell.exec(step.run, { ...env, ...(step.stdin ? { stdin: step.stdin } : {}) })
          steps++
        }
      }
    }
    // THEN nothing in a value was interpreted, and no secret was on a command line
    expect(steps).toBeGreaterThan(5)
    expectNothingInterpreted(shell, secretValues(model))
  })

  it.each(fixtureNames)('%s: every task of the engine (files, packages, databases, services, steps)', async (fixture) => {
    // GIVEN the hostile model (no newlines: rendered files refuse them) and a recording shell per host
    const model = hostile(fixtureModel(fixture), payload)
    const files = render(model, roles)
    const phases = buildPhases(model, roles, files, { admin: () => Promise.reject(new Error('no Keystone in this test')) })
    const logDir = mkdtempSync(join(tmpdir(), 'stackhouse-hostile-'))
    const redact = redactor(model.secrets, testCatalog)
    const shells = new Map<string, RecordingShell>()
    let applied = 0
    let now = 0
    // WHEN every task of every phase is applied to its host, one by one (a task that fails
    // here, e.g. on a redirection into /etc, does not hide the ones after it)
    for (const { host, tasks } of phases.flatMap((p) => p.hosts)) {
      const shell = shells.get(host.name) ?? new RecordingShell(host.name)
      shells.set(host.name, shell)
      const log = new HostLog(logDir, host.name.replace(/[^A-Za-z0-9.-]/g, '_'), redact)
      // Keystone registration goes over HTTP, not a shell.
      for (const task of tasks.filter((t) => !t.id.endsWith('.register'))) {
        // A wait whose check never passes here (no real cluster answers) gives up at its first pause.
        const clock = { now: () => now, sleep: async () => void (now += 86_400_000) }
        const ctx = {
          transport: shell,
          host,
          check: false,
          changedFiles: new Set<string>(),
          log: (l: string) => log.write(l),
          redact,
          clock,
        }
        await task.apply(ctx).catch((e: unknown) => log.write(`failed: ${String((e as Error).message)}`))
        applied++
      }
    }
    // THEN nothing in a value was interpreted on any host
    expect(applied).toBeGreaterThan(20)
    for (const shell of shells.values()) expectNothingInterpreted(shell, secretValues(model))
    // AND no secret is in any log line, command or command output the engine kept
    for (const file of readdirSync(logDir)) {
      const text = readFileSync(join(logDir, file), 'utf8')
      for (const s of secretValues(model)) expect(text.includes(s), `${file} holds a secret`).toBe(false)
    }
  })
})
