// SPDX-License-Identifier: Apache-2.0
// Progress events of a class: one file per class, one JSON line per event,
// appended with O_APPEND in a single write and fsync'ed before the call returns.
// One write of one line is atomic against other appenders on a local file system
// (the kernel holds the file's lock for the whole write), so concurrent students,
// CLI runs and the lab server never interleave; a power cut can cut only the last
// line, which the reader skips.
import { closeSync, existsSync, fstatSync, fsyncSync, openSync, readFileSync, readSync, writeSync } from 'node:fs'
import { join } from 'node:path'
import { mkdirPrivate } from '../private-dir.ts'

export type LabEventType = 'started' | 'check' | 'hint' | 'solved' | 'reset' | 'cleaned' | 'limit' | 'extend'

/** The student number of events about the whole class (a time limit, an extension for everyone). */
export const wholeClass = 0

export interface LabEvent {
  at: string
  student: number
  lab: string
  type: LabEventType
  step?: string
  /** check: pass, fail, waiting or error. */
  result?: string
  message?: string
  /** hint: which one (1-based). */
  hint?: number
  /** limit: the lab's time per student; extend: the minutes added. */
  minutes?: number
}

/** Longest line written: well under a page, so one write() lands whole. */
const maxLine = 3_500

export function eventsFile(classDir: string): string {
  return join(classDir, 'events.jsonl')
}

/** Append one event, durably. */
export function recordEvent(classDir: string, e: Omit<LabEvent, 'at'>): LabEvent {
  mkdirPrivate(classDir)
  const event: LabEvent = { at: new Date().toISOString(), ...e }
  if (event.message && event.message.length > 1_000) event.message = `${event.message.slice(0, 1_000)}…`
  const line = `${JSON.stringify(event)}\n`
  if (Buffer.byteLength(line) > maxLine) throw new Error(`a lab event of ${Buffer.byteLength(line)} bytes: over ${maxLine}`)
  const fd = openSync(eventsFile(classDir), 'a+', 0o600)
  try {
    // A line a power cut tore has no newline: end it, or this event would join it and both be lost.
    const size = fstatSync(fd).size
    const last = Buffer.alloc(1)
    const torn = size > 0 && readSync(fd, last, 0, 1, size - 1) === 1 && last[0] !== 0x0a
    writeSync(fd, torn ? `\n${line}` : line)
    fsyncSync(fd)
  } finally {
    closeSync(fd)
  }
  return event
}

/** Every whole event of the class, oldest first (a line a power cut tore is skipped). */
export function readEvents(classDir: string): LabEvent[] {
  const file = eventsFile(classDir)
  if (!existsSync(file)) return []
  const events: LabEvent[] = []
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    if (!line) continue
    try {
      events.push(JSON.parse(line) as LabEvent)
    } catch {
      // A torn last line: the write it came from never returned.
    }
  }
  return events
}

export interface StepProgress {
  id: string
  /** Passed a check (or was solved) since the lab last started or reset. */
  done: boolean
  /** Solved by `solve`, not by the student. */
  solved: boolean
  hintsShown: number
  /** The text of the hint found on the cloud (`hintFrom`), once shown. */
  foundHint?: string
  /** The last check's result and message. */
  last?: { result: string; message?: string; at: string }
}

export interface StudentProgress {
  started: boolean
  /** When the student's time in the lab ends (ISO), if the class has a time limit for it. */
  deadline?: string
  steps: StepProgress[]
}

/**
 * The end of a student's time: the clock starts when their attempt did (the start,
 * or the last reset), runs the class's last limit for the lab, plus every extension
 * given since that limit to them or to the whole class. None without a limit.
 */
function deadlineOf(events: LabEvent[], student: number, lab: string, attemptAt: string): string | undefined {
  const about = events.filter((e) => e.lab === lab && (e.student === student || e.student === wholeClass))
  let limitAt = about.length - 1
  while (limitAt >= 0 && !(about[limitAt]!.type === 'limit' && about[limitAt]!.student === wholeClass)) limitAt--
  // A limit of 0 minutes takes the limit away.
  if (limitAt < 0 || !about[limitAt]!.minutes) return undefined
  const minutes = about.slice(limitAt).reduce((sum, e) => sum + (e.type === 'extend' || e.type === 'limit' ? (e.minutes ?? 0) : 0), 0)
  return new Date(Date.parse(attemptAt) + minutes * 60_000).toISOString()
}

/** Where one student stands in one lab, from the events since its last start or reset. */
export function studentProgress(events: LabEvent[], student: number, lab: string, steps: string[]): StudentProgress {
  const mine = events.filter((e) => e.student === student && e.lab === lab)
  let from = mine.length - 1
  while (from >= 0 && !['started', 'reset', 'cleaned'].includes(mine[from]!.type)) from--
  const since = from >= 0 ? mine.slice(from + 1) : []
  const started = from >= 0 && mine[from]!.type !== 'cleaned'
  const deadline = started ? deadlineOf(events, student, lab, mine[from]!.at) : undefined
  return {
    started,
    ...(deadline ? { deadline } : {}),
    steps: steps.map((id) => {
      const here = since.filter((e) => e.step === id)
      const checks = here.filter((e) => e.type === 'check')
      const last = checks.at(-1)
      return {
        id,
        done: here.some((e) => (e.type === 'check' && e.result === 'pass') || e.type === 'solved'),
        solved: here.some((e) => e.type === 'solved'),
        hintsShown: Math.max(0, ...here.filter((e) => e.type === 'hint').map((e) => e.hint ?? 0)),
        ...foundHintOf(here),
        ...(last ? { last: { result: last.result ?? '', ...(last.message ? { message: last.message } : {}), at: last.at } } : {}),
      }
    }),
  }
}

/** A found hint's text travels in its event's message (a static hint's event has none). */
function foundHintOf(events: LabEvent[]): { foundHint?: string } {
  const found = events.filter((e) => e.type === 'hint' && e.message !== undefined).at(-1)
  return found ? { foundHint: found.message! } : {}
}
