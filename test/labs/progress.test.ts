// SPDX-License-Identifier: Apache-2.0
// The class's progress file: concurrent writers in separate processes lose no
// event and tear no line; a torn last line (a power cut mid-write) is skipped;
// a student's standing is computed from the events since their last start.
import { spawn } from 'node:child_process'
import { appendFileSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { afterAll, describe, expect, it } from 'vitest'
import { eventsFile, readEvents, recordEvent, studentProgress } from '../../installer/labs/progress.ts'

const root = mkdtempSync(join(tmpdir(), 'stackhouse-progress-'))
afterAll(() => rmSync(root, { recursive: true, force: true }))

/** A separate Node process that records `count` events for one student, as fast as it can. */
function writer(dir: string, student: number, count: number): Promise<number> {
  // The compiled module (npm test builds dist/ first): Node 18 and 20 run no TypeScript.
  const module = pathToFileURL(join(import.meta.dirname, '../../dist/installer/labs/progress.js')).href
  const code = `
    const { recordEvent } = await import(${JSON.stringify(module)})
    for (let i = 0; i < ${count}; i++)
      recordEvent(${JSON.stringify(dir)}, { student: ${student}, lab: 'first-instance', type: 'check', step: 's' + i, result: 'fail', message: 'x'.repeat(i % 300) })
  `
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, ['--input-type=module', '-e', code], { stdio: 'inherit' })
    p.on('error', reject)
    p.on('exit', (c) => resolve(c ?? 1))
  })
}

describe('lab progress events', () => {
  it('are all kept, whole, when eight processes append at once', async () => {
    const dir = join(root, 'busy')
    const codes = await Promise.all(Array.from({ length: 8 }, (_, i) => writer(dir, i + 1, 150)))
    expect(codes).toEqual(Array(8).fill(0))
    const lines = readFileSync(eventsFile(dir), 'utf8').split('\n').filter(Boolean)
    expect(lines).toHaveLength(8 * 150)
    const events = lines.map((l) => JSON.parse(l) as { student: number; step: string })
    for (let s = 1; s <= 8; s++) {
      // Each writer's events are all there, in the order it wrote them.
      expect(events.filter((e) => e.student === s).map((e) => e.step)).toEqual(Array.from({ length: 150 }, (_, i) => `s${i}`))
    }
    expect(statSync(eventsFile(dir)).mode & 0o777).toBe(0o600)
    expect(statSync(dir).mode & 0o777).toBe(0o700)
  }, 60_000)

  it('skip a line a power cut tore, and keep every whole one', () => {
    const dir = join(root, 'torn')
    recordEvent(dir, { student: 1, lab: 'l', type: 'started' })
    recordEvent(dir, { student: 1, lab: 'l', type: 'check', step: 'a', result: 'pass' })
    appendFileSync(eventsFile(dir), '{"at":"2026-12-03T00:00:00Z","student":1,"lab":"l","ty')
    expect(readEvents(dir).map((e) => e.type)).toEqual(['started', 'check'])
    // The next event starts a line of its own: it is not lost with the torn one.
    recordEvent(dir, { student: 1, lab: 'l', type: 'hint', step: 'a', hint: 1 })
    expect(readEvents(dir).map((e) => e.type)).toEqual(['started', 'check', 'hint'])
  })

  it('say where a student stands since their last start or reset', () => {
    const dir = join(root, 'standing')
    const e = (type: Parameters<typeof recordEvent>[1]['type'], extra: object = {}) =>
      recordEvent(dir, { student: 2, lab: 'l', type, ...extra })
    e('started')
    e('check', { step: 'a', result: 'fail', message: 'no key pair' })
    e('hint', { step: 'a', hint: 1 })
    e('check', { step: 'a', result: 'pass' })
    e('solved', { step: 'b' })
    recordEvent(dir, { student: 3, lab: 'l', type: 'check', step: 'c', result: 'pass' })
    let p = studentProgress(readEvents(dir), 2, 'l', ['a', 'b', 'c'])
    expect(p.started).toBe(true)
    expect(p.steps.map((s) => [s.id, s.done, s.solved, s.hintsShown])).toEqual([
      ['a', true, false, 1],
      ['b', true, true, 0],
      ['c', false, false, 0],
    ])
    expect(p.steps[0]!.last).toMatchObject({ result: 'pass' })
    e('reset')
    p = studentProgress(readEvents(dir), 2, 'l', ['a', 'b', 'c'])
    expect(p.steps.every((s) => !s.done && !s.hintsShown)).toBe(true)
  })
})
