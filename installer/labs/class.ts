// SPDX-License-Identifier: Apache-2.0
// A class of students on one cloud, for a trainer: create it (a project and a user
// each, with quotas, and a credentials sheet of mode 0600), see where everyone
// stands in a lab (a students × steps grid from the progress events), and remove it.
import { existsSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import type { Cloud } from '../openstack/index.ts'
import { computeMicroversion } from '../openstack/compute.ts'
import { mkdirPrivate } from '../private-dir.ts'
import type { Project } from '../project.ts'
import { Classroom, type StudentLogin } from './classroom.ts'
import { maxStudents, studentNames } from './context.ts'
import type { Lab } from './load.ts'
import { readEvents, studentProgress, type StepProgress } from './progress.ts'
import { LabError, LabRunner } from './runner.ts'

/** What each student may use: enough for every lab, not enough for one student to fill the cloud. */
export const studentQuotas = {
  compute: { instances: 4, cores: 4, ram: 4096, key_pairs: 10 },
  network: { network: 4, subnet: 4, router: 2, floatingip: 2, port: 20, security_group: 10 },
  volume: { volumes: 4, snapshots: 4, gigabytes: 20 },
} as const

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
  const checker = await room.checker()
  const made: StudentLogin[] = []
  for (let i = 1; i <= students; i += 4) {
    const batch = Array.from({ length: Math.min(4, students - i + 1) }, (_, k) => i + k)
    made.push(
      ...(await Promise.all(
        batch.map(async (n) => {
          const s = await room.ensureStudent(n)
          await setQuotas(checker, s.project.id)
          return s
        }),
      )),
    )
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

async function setQuotas(c: Cloud, projectId: string): Promise<void> {
  const s = c.session
  const has = (type: string) => s.catalog.some((e) => e.type === type)
  await s.request('compute', 'PUT', `/os-quota-sets/${projectId}`, {
    body: { quota_set: studentQuotas.compute },
    headers: { 'openstack-api-version': `compute ${computeMicroversion}` },
  })
  await s.request('network', 'PUT', `/v2.0/quotas/${projectId}`, { body: { quota: studentQuotas.network } })
  if (has('volumev3')) await s.request('volumev3', 'PUT', `/os-quota-sets/${projectId}`, { body: { quota_set: studentQuotas.volume } })
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

/** The numbers of the class's students, from its password file. */
export function classStudents(project: Project, classId: string): number[] {
  const file = join(new Classroom(project, classId).dir, 'students.json')
  if (!existsSync(file)) return []
  return Object.keys(JSON.parse(readFileSync(file, 'utf8')) as Record<string, string>)
    .map((tag) => Number(tag.slice(1)))
    .filter((n) => Number.isInteger(n) && n > 0)
    .sort((a, b) => a - b)
}

export interface ClassGrid {
  lab: string
  steps: string[]
  students: { number: number; name: string; started: boolean; done: number; points: number; steps: StepProgress[] }[]
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
        steps: p.steps,
      }
    }),
  }
}

/** Remove the class: each lab's cleanup for every student, then their projects and users, then its folder. */
export async function removeClass(project: Project, classId: string, labs: Lab[]): Promise<number> {
  if (!labs.length) throw new LabError('removing a class needs its labs, for their cleanups', 'this is a bug in the caller')
  const room = new Classroom(project, classId)
  const numbers = classStudents(project, classId)
  for (const n of numbers) {
    const runners = labs.map((lab) => new LabRunner(lab, room, n))
    for (const r of runners) await r.cleanup()
    await room.removeStudent((await runners[0]!.ctx()).student)
  }
  rmSync(room.dir, { recursive: true, force: true })
  return numbers.length
}
