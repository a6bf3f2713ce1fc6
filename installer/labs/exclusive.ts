// SPDX-License-Identifier: Apache-2.0
// One student at a time for labs that break shared services (`isolation:
// exclusive`): the holder is one file in the cloud's state folder, made with
// O_EXCL so that two starts at once cannot both win. Starting takes it; the lab's
// cleanup, once the services are whole again, gives it back.
import { closeSync, existsSync, fsyncSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs'
import { join } from 'node:path'
import { mkdirPrivate } from '../private-dir.ts'
import { LabError } from './errors.ts'

export interface CloudHolder {
  classId: string
  student: number
  lab: string
}

const holderFile = (stateDir: string) => join(stateDir, 'labs', 'exclusive.json')

/** Who holds the cloud, if anyone. */
export function cloudHolder(stateDir: string): (CloudHolder & { since: string }) | undefined {
  const file = holderFile(stateDir)
  if (!existsSync(file)) return undefined
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as CloudHolder & { since: string }
  } catch {
    // Torn by a power cut before its fsync: nobody got as far as breaking anything.
    return undefined
  }
}

const same = (a: CloudHolder, b: CloudHolder) => a.classId === b.classId && a.student === b.student && a.lab === b.lab

/** Take the cloud for `who`; theirs already is fine (a resume). Refuses, naming the holder, when another has it. */
export function takeCloud(stateDir: string, who: CloudHolder): void {
  const file = holderFile(stateDir)
  mkdirPrivate(join(stateDir, 'labs'))
  for (let attempt = 0; attempt < 2; attempt++) {
    const held = cloudHolder(stateDir)
    if (held && same(held, who)) return
    if (held)
      throw new LabError(
        `${who.lab} changes shared services, and student ${held.student} of class ${held.classId} has the cloud for ${held.lab} (since ${held.since})`,
        `wait until they finish, or give it back: stackhouse class reset ${held.classId} ${held.lab} --student ${held.student}`,
      )
    // A torn file left by a power cut: nobody holds it.
    if (existsSync(file)) rmSync(file, { force: true })
    try {
      const fd = openSync(file, 'wx', 0o600)
      try {
        writeSync(fd, `${JSON.stringify({ ...who, since: new Date().toISOString() })}\n`)
        fsyncSync(fd)
      } finally {
        closeSync(fd)
      }
      return
    } catch (e) {
      // Another start won the race: look again, and name them.
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e
    }
  }
}

/** Give the cloud back, if `who` holds it. */
export function releaseCloud(stateDir: string, who: CloudHolder): void {
  const held = cloudHolder(stateDir)
  if (held && same(held, who)) rmSync(holderFile(stateDir), { force: true })
}

/** Whether `who` holds the cloud. */
export function holdsCloud(stateDir: string, who: CloudHolder): boolean {
  const held = cloudHolder(stateDir)
  return !!held && same(held, who)
}

/** Refuses unless `who` holds the cloud, naming who does (or how to take it). */
export function requireCloud(stateDir: string, who: CloudHolder): void {
  if (holdsCloud(stateDir, who)) return
  const held = cloudHolder(stateDir)
  throw new LabError(
    held
      ? `student ${held.student} of class ${held.classId} has the cloud for ${held.lab}, not student ${who.student} of ${who.classId}`
      : `${who.lab} changes shared services: start it first, which gives this student the cloud`,
    held
      ? `wait until they finish, or give it back: stackhouse class reset ${held.classId} ${held.lab} --student ${held.student}`
      : `stackhouse lab start ${who.lab} --class ${who.classId} --student ${who.student}`,
  )
}
