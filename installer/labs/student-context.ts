// SPDX-License-Identifier: Apache-2.0
// The context a lab's code runs in for one student: their login without the
// password, the lab's variables filled in for them, the checker, their own folder
// for the lab, and the operator when the lab holds the whole cloud.
import { join } from 'node:path'
import { mkdirPrivate } from '../private-dir.ts'
import type { Classroom, StudentLogin } from './classroom.ts'
import { builtinVars, type LabContext } from './context.ts'
import { foundVars } from './found-vars.ts'
import { fillText, type Lab } from './load.ts'
import { labOperator } from './operator.ts'

/** The context the lab's code runs in, for student `s` of `room`. */
export async function studentContext(lab: Lab, room: Classroom, s: StudentLogin): Promise<LabContext> {
  const checker = await room.checker()
  const base = builtinVars(s, { dashboard: room.project.model.dashboardUrl, keystone: room.authUrl })
  Object.assign(base, await foundVars(lab.file, room, s, checker))
  const vars = { ...base, ...Object.fromEntries(Object.entries(lab.file.params).map(([k, v]) => [k, fillText(v, base)])) }
  const dir = join(room.dir, s.tag, lab.file.id)
  mkdirPrivate(dir)
  const { password: _secret, ...student } = s
  return {
    lab: lab.file,
    student,
    vars,
    checker,
    asStudent: (scope?: { domain: string }) => room.asStudent(s, scope),
    dir,
    sleep: (ms: number) => new Promise((r) => setTimeout(r, ms)),
    ...(lab.file.isolation === 'exclusive' ? { operator: labOperator(room.project) } : {}),
  }
}
