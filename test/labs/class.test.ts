// SPDX-License-Identifier: Apache-2.0
// The trainer's grid: a row per student of the class, a column per step, from the
// progress events alone; points only for steps the student did themselves. Time
// limits: each student's clock, extensions, and checks refused when it runs out.
import { appendFileSync, mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { classGrid, classStudents, extendTime, setTimeLimit } from '../../installer/labs/class.ts'
import { Classroom, studentFile } from '../../installer/labs/classroom.ts'
import { labsDir, loadLab } from '../../installer/labs/load.ts'
import { eventsFile, recordEvent, type LabEvent } from '../../installer/labs/progress.ts'
import { LabRunner } from '../../installer/labs/runner.ts'
import type { Project } from '../../installer/project.ts'
import { fixtureModel, fixtureProject } from '../helpers.ts'

function project(): Project {
  return fixtureProject(fixtureModel('aio'), 'stackhouse-class-')
}

describe('class grid', () => {
  it('shows each student of the class against each step, with points for their own work', async () => {
    const p = project()
    const lab = await loadLab(join(labsDir, 'first-instance'))
    const dir = new Classroom(p, 'mon').dir
    mkdirSync(dir, { recursive: true })
    mkdirSync(join(dir, 'students'), { recursive: true })
    for (const tag of ['s01', 's02', 's10']) writeFileSync(studentFile(dir, tag), JSON.stringify({ password: tag }))
    const e = (student: number, type: Parameters<typeof recordEvent>[1]['type'], extra: object = {}) =>
      recordEvent(dir, { student, lab: 'first-instance', type, ...extra })
    e(1, 'started')
    e(1, 'check', { step: 'keypair', result: 'pass' })
    e(1, 'solved', { step: 'launch' })
    e(1, 'check', { step: 'console', result: 'waiting', message: 'booting' })
    e(2, 'started')
    e(2, 'check', { step: 'keypair', result: 'fail', message: 'no key pair' })
    // Another lab's events do not count here.
    recordEvent(dir, { student: 10, lab: 'object-storage', type: 'started' })
    expect(classStudents(p, 'mon')).toEqual([1, 2, 10])
    const grid = classGrid(p, 'mon', lab)
    expect(grid.steps).toEqual(['keypair', 'launch', 'console'])
    expect(grid.students.map((s) => [s.name, s.started, s.done, s.points])).toEqual([
      ['lab-mon-s01', true, 2, 10],
      ['lab-mon-s02', true, 0, 0],
      ['lab-mon-s10', false, 0, 0],
    ])
    expect(grid.students[0]!.steps.map((s) => [s.done, s.solved, s.last?.result])).toEqual([
      [true, false, 'pass'],
      [true, true, undefined],
      [false, false, 'waiting'],
    ])
  })

  it('refuses a class name that is not a plain word, before touching anything', () => {
    expect(() => new Classroom(project(), '../etc')).toThrow(/class name "..\/etc" is not valid/)
    expect(() => new Classroom(project(), 'Mon')).toThrow(/class name "Mon" is not valid/)
  })
})

describe('time limits', () => {
  /** One event with its own time: the clock is what is being tested. */
  const at = (dir: string, iso: string, e: Omit<LabEvent, 'at'>) =>
    appendFileSync(eventsFile(dir), `${JSON.stringify({ at: iso, ...e })}\n`, { mode: 0o600 })

  it("count each student's time from their start, plus extensions for them or for everyone; a reset starts the clock again", async () => {
    const p = project()
    const lab = await loadLab(join(labsDir, 'first-instance'))
    const dir = new Classroom(p, 'tl').dir
    mkdirSync(join(dir, 'students'), { recursive: true })
    for (const tag of ['s01', 's02']) writeFileSync(studentFile(dir, tag), JSON.stringify({ password: tag }))
    const l = 'first-instance'
    at(dir, '2026-12-03T09:00:00.000Z', { student: 1, lab: l, type: 'started' })
    at(dir, '2026-12-03T09:05:00.000Z', { student: 2, lab: l, type: 'started' })
    // No limit yet: no deadline.
    expect(classGrid(p, 'tl', lab).students.map((s) => s.deadline)).toEqual([undefined, undefined])
    setTimeLimit(p, 'tl', lab, 30)
    extendTime(p, 'tl', lab, 10, 1)
    extendTime(p, 'tl', lab, 5)
    expect(classGrid(p, 'tl', lab).students.map((s) => s.deadline)).toEqual(['2026-12-03T09:45:00.000Z', '2026-12-03T09:40:00.000Z'])
    // A reset starts student 2's clock again, with the class's extensions.
    at(dir, '2027-01-01T10:00:00.000Z', { student: 2, lab: l, type: 'reset' })
    expect(classGrid(p, 'tl', lab).students[1]!.deadline).toBe('2027-01-01T10:35:00.000Z')
    // A new limit replaces the old one and the extensions given under it; 0 takes it away.
    setTimeLimit(p, 'tl', lab, 20)
    expect(classGrid(p, 'tl', lab).students[0]!.deadline).toBe('2026-12-03T09:20:00.000Z')
    setTimeLimit(p, 'tl', lab, 0)
    expect(classGrid(p, 'tl', lab).students.map((s) => s.deadline)).toEqual([undefined, undefined])
    expect(() => extendTime(p, 'tl', lab, 10, 7)).toThrow(/class tl has no student 7/)
    expect(() => extendTime(p, 'tl', lab, 0)).toThrow(expect.objectContaining({ fix: expect.stringMatching(/from 1 to 1440/) }))
  })

  it('stop checks and hints once the time is up, before asking the cloud anything', async () => {
    const p = project()
    const lab = await loadLab(join(labsDir, 'first-instance'))
    const room = new Classroom(p, 'late')
    mkdirSync(join(room.dir, 'students'), { recursive: true })
    writeFileSync(studentFile(room.dir, 's01'), JSON.stringify({ password: 'x' }))
    at(room.dir, new Date(Date.now() - 31 * 60_000).toISOString(), { student: 1, lab: lab.file.id, type: 'started' })
    setTimeLimit(p, 'late', lab, 30)
    const runner = new LabRunner(lab, room, 1, { create: false })
    // The fixture's cloud does not exist: a refusal here was made without it.
    await expect(runner.check()).rejects.toThrow(/time is up for first-instance/)
    await expect(runner.hint()).rejects.toMatchObject({ fix: expect.stringContaining('stackhouse class extend late first-instance') })
    extendTime(p, 'late', lab, 5, 1)
    expect(Date.parse(runner.progress().deadline!)).toBeGreaterThan(Date.now())
  })
})
