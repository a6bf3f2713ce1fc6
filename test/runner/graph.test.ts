// SPDX-License-Identifier: Apache-2.0
// Phases form a dependency graph: GIVEN roles that need others and roles that do
// not, WHEN the runner runs them, THEN each starts only after what it needs has
// finished on every host, the independent ones run at the same time, a failure
// starts nothing new, and a cycle is refused before anything runs.
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import type { Model } from '../../installer/model/types.ts'
import { buildPhases } from '../../installer/plan/phases.ts'
import { render } from '../../installer/render/render.ts'
import { defineRole, hostsIn, type Role } from '../../installer/role/index.ts'
import { runWithListr } from '../../installer/runner/listr.ts'
import { HostLog, redactor } from '../../installer/runner/log.ts'
import { roles as builtin } from '../../roles/index.ts'
import { fixtureModel, testCatalog } from '../helpers.ts'
import { FakeHost } from './fake-host.ts'

/** A host that takes `ms` to answer each step's command and records when each ran. */
class SlowHost extends FakeHost {
  readonly spans: { id: string; start: number; end: number }[] = []
  constructor(
    host: string,
    private readonly ms: number,
  ) {
    super(host)
  }
  override async exec(command: string, opts = {}) {
    const step = /^step (\S+)$/.exec(command)
    if (!step) return super.exec(command, opts)
    const start = Date.now()
    await new Promise((r) => setTimeout(r, this.ms))
    this.spans.push({ id: step[1]!, start, end: Date.now() })
    return this.failing.has(step[1]!) ? { code: 1, stdout: '', stderr: 'broken' } : { code: 0, stdout: '', stderr: '' }
  }
}

/** A role with one unguarded step that runs `step <name>` on every control host. */
const role = (name: string, needs: string[] = []): Role =>
  defineRole({
    name,
    description: name,
    needs,
    enabled: () => true,
    hosts: (m) => hostsIn(m, 'control'),
    packages: () => [],
    files: () => [],
    units: () => [],
    bootstrap: () => [{ id: `${name}.step`, title: name, run: `step ${name}` }],
  })

async function run(roles: Role[], failing: string[] = []) {
  const m: Model = { ...fixtureModel('3-node'), config: {} }
  const phases = buildPhases(m, roles, render(m, roles), { admin: () => Promise.reject(new Error('unused')) })
  const host = new SlowHost('ctl1', 150)
  for (const f of failing) host.failing.set(f, 'broken')
  const dir = mkdtempSync(join(tmpdir(), 'stackhouse-graph-'))
  const others = m.hosts.filter((h) => h.name !== 'ctl1').map((h) => [h.name, new FakeHost(h.name)] as const)
  const transports = new Map([['ctl1', host as FakeHost], ...others])
  const logs = new Map(m.hosts.map((h) => [h.name, new HostLog(dir, h.name, redactor(m.secrets, testCatalog))]))
  const state = await runWithListr(phases, transports, logs, { check: false, renderer: 'silent' })
  const span = (id: string) => host.spans.find((s) => s.id === id)
  return { state, span, ran: host.spans.map((s) => s.id) }
}

describe('the phase graph', () => {
  it('runs independent roles at the same time and each role after what it needs', async () => {
    // GIVEN db and queue need nothing, api needs both, web needs api
    const { span, ran } = await run([role('db'), role('queue'), role('api', ['db', 'queue']), role('web', ['api'])])
    expect(ran.sort()).toEqual(['api', 'db', 'queue', 'web'])
    // THEN db and queue overlap
    expect(span('queue')!.start).toBeLessThan(span('db')!.end)
    expect(span('db')!.start).toBeLessThan(span('queue')!.end)
    // AND api starts after both ended, web after api
    expect(span('api')!.start).toBeGreaterThanOrEqual(Math.max(span('db')!.end, span('queue')!.end))
    expect(span('web')!.start).toBeGreaterThanOrEqual(span('api')!.end)
  })

  it("runs a role's early steps beside what its units need, and starts its units after it", async () => {
    // GIVEN web, whose units need db, with a step before its units and one after
    const web = defineRole({
      ...role('web'),
      unitsNeed: ['db'],
      bootstrap: () => [
        { id: 'web.prep', title: 'prep', run: 'step web-prep' },
        { id: 'web.run', title: 'run', when: 'after-start', run: 'step web-run' },
      ],
    })
    const { span } = await run([role('db'), web])
    // THEN the early step overlaps db, and what follows the units waits for db's end
    expect(span('web-prep')!.start).toBeLessThan(span('db')!.end)
    expect(span('web-run')!.start).toBeGreaterThanOrEqual(span('db')!.end)
  })

  it('starts nothing after a failure; what needs the failed role is skipped', async () => {
    const { state, ran } = await run([role('db'), role('api', ['db'])], ['db'])
    expect(state.failures.map((f) => `${f.phase} ${f.host}`)).toEqual(['db ctl1'])
    expect(ran).toEqual(['db'])
  })

  it('refuses a cycle before anything runs, naming it', () => {
    const m: Model = { ...fixtureModel('3-node'), config: {} }
    const roles = [role('a', ['b']), role('b', ['a'])]
    expect(() => buildPhases(m, roles, render(m, roles), { admin: () => Promise.reject(new Error('unused')) })).toThrow(/a → b → a/)
    // a wait part-way is an edge too
    const waits = [role('a', ['b']), defineRole({ ...role('b'), unitsNeed: ['a'] })]
    expect(() => buildPhases(m, waits, render(m, waits), { admin: () => Promise.reject(new Error('unused')) })).toThrow(/cycle/)
  })

  it("orders Stackhouse's own roles: the database before a schema, Keystone before a registration", () => {
    const byName = new Map(builtin.map((r) => [r.name, r]))
    const before = (r: Role, other: string): boolean => (r.needs ?? []).some((n) => n === other || before(byName.get(n)!, other))
    for (const r of builtin) {
      for (const n of r.needs ?? []) expect(byName.has(n), `${r.name} needs ${n}`).toBe(true)
      if (r.databases && r.name !== 'mariadb') expect(before(r, 'mariadb'), r.name).toBe(true)
      if (r.register && r.name !== 'keystone') expect(before(r, 'keystone'), r.name).toBe(true)
      for (const n of r.unitsNeed ?? []) expect(byName.has(n), `${r.name}'s units need ${n}`).toBe(true)
    }
  })
})
