// SPDX-License-Identifier: Apache-2.0
// A class of students on one cloud, for a trainer: create it (a project and a user
// each, with quotas, and a credentials sheet of mode 0600), see where everyone
// stands in a lab (a students × steps grid from the progress events), and remove it.
import { existsSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { mkdirPrivate } from '../private-dir.ts'
import type { Project } from '../project.ts'
import { Classroom, studentFile, type StudentLogin } from './classroom.ts'
import { maxStudents, studentNames } from './context.ts'
import type { Lab } from './load.ts'
import { describeOwned, ownedBy } from './leftovers.ts'
import { readEvents, recordEvent, studentProgress, wholeClass, type StepProgress } from './progress.ts'
import { LabError, LabRunner } from './runner.ts'

export interface ClassSheet {
  classId: string
  /** The credentials sheet (mode 0600). */
  file: string
  students: { number: number; user: string; project: string }[]
  seconds: number
}

/** Make students 1..n (those that exist are kept, passwords too), four at a time; write the sheet. */
export async function createClass(project: Project, classId: string, students: number): Promise<ClassSheet> {
  if (!Number.isInteger(students) || students < 1 || students > maxStudents)
    throw new LabError(`a class of ${String(students).slice(0, 20)} students`, `give --students a whole number from 1 to ${maxStudents}`)
  const started = Date.now()
  const room = new Classroom(project, classId)
  const made: StudentLogin[] = []
  for (let i = 1; i <= students; i += 4) {
    const batch = Array.from({ length: Math.min(4, students - i + 1) }, (_, k) => i + k)
    made.push(...(await Promise.all(batch.map((n) => room.ensureStudent(n)))))
  }
  const file = join(room.dir, 'credentials.txt')
  writeSheet(file, project, classId, made)
  return {
    classId,
    file,
    students: made.map((s) => ({ number: s.number, user: s.user.name, project: s.project.name })),
    seconds: (Date.now() - started) / 1000,
  }
}

function writeSheet(file: string, project: Project, classId: string, students: StudentLogin[]): void {
  const m = project.model
  const lines = [
    `Stackhouse class ${classId}`,
    `Dashboard: ${m.dashboardUrl}   Keystone: ${m.endpoints.keystone.public}   Domain: Default`,
    '',
    ...students.map((s) => `${String(s.number).padStart(3)}  user ${s.user.name}  project ${s.project.name}  password ${s.password}`),
    '',
  ]
  mkdirPrivate(join(file, '..'))
  const tmp = `${file}.${process.pid}.tmp`
  writeFileSync(tmp, lines.join('\n'), { mode: 0o600 })
  renameSync(tmp, file)
}

/** The numbers of the class's students, from their password files. */
export function classStudents(project: Project, classId: string): number[] {
  const dir = dirname(studentFile(new Classroom(project, classId).dir, 's00'))
  if (!existsSync(dir)) return []
  return readdirSync(dir)
    .map((f) => /^s(\d{2,3})\.json$/.exec(f)?.[1])
    .map((n) => Number(n))
    .filter((n) => Number.isInteger(n) && n > 0)
    .sort((a, b) => a - b)
}

export interface ClassGrid {
  lab: string
  steps: string[]
  students: {
    number: number
    name: string
    started: boolean
    done: number
    points: number
    /** When the student's time ends (ISO), under a time limit. */
    deadline?: string
    steps: StepProgress[]
  }[]
}

/** Where every student of the class stands in one lab. Reads only the progress file. */
export function classGrid(project: Project, classId: string, lab: Lab): ClassGrid {
  const room = new Classroom(project, classId)
  const events = readEvents(room.dir)
  const ids = lab.file.steps.map((s) => s.id)
  return {
    lab: lab.file.id,
    steps: ids,
    students: classStudents(project, classId).map((n) => {
      const p = studentProgress(events, n, lab.file.id, ids)
      return {
        number: n,
        name: studentNames(classId, n).name,
        started: p.started,
        done: p.steps.filter((s) => s.done).length,
        points: p.steps.reduce((sum, s, i) => sum + (s.done && !s.solved ? lab.file.steps[i]!.points : 0), 0),
        ...(p.deadline ? { deadline: p.deadline } : {}),
        steps: p.steps,
      }
    }),
  }
}

/**
 * Give every student of the class `minutes` for the lab, counted from when each
 * started (or last reset) it; 0 takes the limit away. Checks and hints stop when
 * a student's time is up; what they made stays.
 */
export function setTimeLimit(project: Project, classId: string, lab: Lab, minutes: number): void {
  checkMinutes(minutes, 0)
  recordEvent(new Classroom(project, classId).dir, { student: wholeClass, lab: lab.file.id, type: 'limit', minutes })
}

/** More time in the lab, for one student or (without `student`) for the whole class. */
export function extendTime(project: Project, classId: string, lab: Lab, minutes: number, student?: number): void {
  checkMinutes(minutes, 1)
  const room = new Classroom(project, classId)
  if (student !== undefined && !room.hasStudent(student))
    throw new LabError(`class ${classId} has no student ${student}`, `students: ${classStudents(project, classId).join(', ') || 'none'}`)
  recordEvent(room.dir, { student: student ?? wholeClass, lab: lab.file.id, type: 'extend', minutes })
}

function checkMinutes(minutes: number, least: number): void {
  if (!Number.isInteger(minutes) || minutes < least || minutes > 24 * 60)
    throw new LabError(`--minutes ${String(minutes).slice(0, 20)} is out of range`, `give a whole number from ${least} to ${24 * 60}`)
}

/** Remove the class: each lab's cleanup for every student, then their projects and users, then its folder. */
export async function removeClass(project: Project, classId: string, labs: Lab[]): Promise<number> {
  if (!labs.length) throw new LabError('removing a class needs its labs, for their cleanups', 'this is a bug in the caller')
  const room = new Classroom(project, classId)
  const numbers = classStudents(project, classId)
  // Labs this cloud cannot run (no Swift…) made nothing here: their cleanups are skipped.
  const runnable: Lab[] = []
  for (const lab of labs)
    if (
      await new LabRunner(lab, room, 1).gate().then(
        () => true,
        (e: unknown) => !(e instanceof LabError) && Promise.reject(e),
      )
    )
      runnable.push(lab)
  for (const n of numbers) {
    const runners = runnable.map((lab) => new LabRunner(lab, room, n))
    // A lab the student never started (or that was cleaned up) made nothing of theirs.
    for (const r of runners) if (r.progress().started) await r.cleanup()
    const ctx = await (runners[0] ?? new LabRunner(labs[0]!, room, n)).ctx()
    const left = await ownedBy(ctx.checker, ctx.student, await ctx.asStudent())
    if (left.length)
      throw new LabError(
        `student ${n} still owns ${describeOwned(left)}`,
        `delete those in project ${ctx.student.project.name}, then remove the class again`,
        'hosts',
      )
    await room.removeStudent(ctx.student)
  }
  rmSync(room.dir, { recursive: true, force: true })
  return numbers.length
}
