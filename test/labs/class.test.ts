// SPDX-License-Identifier: Apache-2.0
// The trainer's grid: a row per student of the class, a column per step, from the
// progress events alone; points only for steps the student did themselves.
import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { classGrid, classStudents } from '../../installer/labs/class.ts'
import { Classroom, studentFile } from '../../installer/labs/classroom.ts'
import { labsDir, loadLab } from '../../installer/labs/load.ts'
import { recordEvent } from '../../installer/labs/progress.ts'
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
