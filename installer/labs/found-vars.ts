// SPDX-License-Identifier: Apache-2.0
// Built-in variables that are found on the cloud or in the class rather than
// derived from the student's number, each only for a lab that names it (each costs
// a call): `bastion`, this machine's address as the external network sees it, and
// `neighbour` / `neighbour_id`, the project of the next student in the class (the
// previous one for the last; the cloud's demo project for a student alone).
import type { Cloud } from '../openstack/index.ts'
import { demo } from '../postdeploy/names.ts'
import type { Classroom } from './classroom.ts'
import { studentNames, type Student } from './context.ts'
import type { LabFile } from './format.ts'
import { bastionAddress } from './probe.ts'

export const foundVariables = ['bastion', 'neighbour', 'neighbour_id'] as const

/** The found variables the lab names, with their values for this student. */
export async function foundVars(lab: LabFile, room: Classroom, s: Student, checker: Cloud): Promise<Record<string, string>> {
  const text = JSON.stringify(lab)
  const named = (v: string) => new RegExp(`\\{\\{\\s*${v}\\s*\\}\\}`).test(text)
  const vars: Record<string, string> = {}
  if (named('bastion')) vars.bastion = await bastionAddress(checker)
  if (named('neighbour') || named('neighbour_id')) {
    const n = [s.number + 1, s.number - 1].find((k) => k >= 1 && room.hasStudent(k))
    const name = n === undefined ? demo.project : studentNames(room.classId, n).name
    const found = await (
      await room.admin()
    ).call<{ projects: { id: string }[] }>('GET', `/projects?name=${encodeURIComponent(name)}&domain_id=default`)
    if (!found.projects[0]) throw new Error(`the neighbour project ${name} is not in the cloud`)
    Object.assign(vars, { neighbour: name, neighbour_id: found.projects[0].id })
  }
  return vars
}
