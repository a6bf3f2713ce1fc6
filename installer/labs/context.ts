// SPDX-License-Identifier: Apache-2.0
// What a lab's code gets: the student (names derived from their number, so that
// neighbours' answers differ), the lab's variables, the checker's view of the
// cloud (every query filtered by the student's project) and the student's own
// login for setup and solve. And what a check returns.
import type { Cloud } from '../openstack/index.ts'
import type { LabFile } from './format.ts'
import type { LabOperator } from './operator.ts'

/** pass; fail (the learner has work to do); waiting (a resource is still building). */
export type CheckResult = { status: 'pass'; message?: string } | { status: 'fail' | 'waiting'; message: string }

export const pass = (message?: string): CheckResult => (message ? { status: 'pass', message } : { status: 'pass' })
export const fail = (message: string): CheckResult => ({ status: 'fail', message })
/** Not yet: the learner did what the step asks, and the cloud is still building it. */
export const notReady = (message: string): CheckResult => ({ status: 'waiting', message })

export interface Student {
  /** The class the student is in (a lower-case word). */
  classId: string
  /** 1-based number in the class. */
  number: number
  /** `s01`: the short name used in resource names. */
  tag: string
  /** Keystone project and user: `lab-<class>-s01`, both. */
  project: { id: string; name: string }
  user: { id: string; name: string }
}

export interface LabContext {
  lab: LabFile
  student: Student
  /** Built-in variables and the lab's params, resolved for this student. */
  vars: Readonly<Record<string, string>>
  /** The checker's APIs: it sees every project, so every query names the student's project. */
  checker: Cloud
  /**
   * The student's own APIs (setup and solve act as the student, in their project);
   * with `domain`, logged in to that domain instead (where a lab made them its manager).
   */
  asStudent(scope?: { domain: string }): Promise<Cloud>
  /** Where the lab may keep files for this student (a private key…), mode 0700. */
  dir: string
  /** Wait between polls in solves that must wait for a resource. */
  sleep(ms: number): Promise<void>
  /** The cloud's own hosts and services: only for `isolation: exclusive` labs, whose student holds the cloud. */
  operator?: LabOperator
}

/** A check: read-only, returns a result. */
export type LabCheck = (ctx: LabContext) => Promise<CheckResult>
/** A setup, solve or cleanup: idempotent, returns nothing. */
export type LabAction = (ctx: LabContext) => Promise<void>
/** A hint found on the cloud when asked for (Markdown). */
export type LabHint = (ctx: LabContext) => Promise<string>

/** The most students a class holds: their number is a byte in their CIDR. */
export const maxStudents = 250

/** A student's names and the variables every lab has. */
export function builtinVars(
  student: Pick<Student, 'classId' | 'number' | 'tag'> & { project: { name: string }; user: { name: string } },
  urls: { dashboard: string; keystone: string },
): Record<string, string> {
  return {
    class: student.classId,
    number: String(student.number),
    student: student.tag,
    project: student.project.name,
    user: student.user.name,
    // 172.16.<n>.0/24: a network of the student's own, different from every neighbour's.
    cidr: `172.16.${student.number}.0/24`,
    gateway: `172.16.${student.number}.1`,
    dashboard: urls.dashboard,
    keystone: urls.keystone,
  }
}

/** The names of a student: `s01` and `lab-<class>-s01`. */
export function studentNames(classId: string, n: number): { tag: string; name: string } {
  const tag = `s${String(n).padStart(2, '0')}`
  return { tag, name: `lab-${classId}-${tag}` }
}
