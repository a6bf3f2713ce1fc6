// SPDX-License-Identifier: Apache-2.0
// One student at a time for labs that break shared services: the holder file is
// taken once (a resume by the holder is fine), refused to others with the holder
// named, given back only by its holder, and a torn file holds nothing.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { cloudHolder, releaseCloud, requireCloud, takeCloud } from '../../installer/labs/exclusive.ts'

const root = mkdtempSync(join(tmpdir(), 'stackhouse-exclusive-'))
afterAll(() => rmSync(root, { recursive: true, force: true }))

const ana = { classId: 'mon', student: 3, lab: 'broken-service' }
const ben = { classId: 'mon', student: 4, lab: 'broken-service' }

describe('the exclusive cloud', () => {
  it('goes to one student; others are told who has it and how to give it back', () => {
    const dir = join(root, 'one')
    takeCloud(dir, ana)
    takeCloud(dir, ana)
    expect(cloudHolder(dir)).toMatchObject(ana)
    expect(() => takeCloud(dir, ben)).toThrow(/student 3 of class mon has the cloud for broken-service/)
    expect(() => requireCloud(dir, ben)).toThrow(
      expect.objectContaining({ fix: expect.stringContaining('class reset mon broken-service --student 3') }),
    )
    requireCloud(dir, ana)
    // Only the holder gives it back.
    releaseCloud(dir, ben)
    expect(cloudHolder(dir)).toMatchObject(ana)
    releaseCloud(dir, ana)
    expect(cloudHolder(dir)).toBeUndefined()
    expect(() => requireCloud(dir, ana)).toThrow(/start it first/)
    takeCloud(dir, ben)
    expect(cloudHolder(dir)).toMatchObject(ben)
  })

  it('treats a holder file torn by a power cut as free', () => {
    const dir = join(root, 'torn')
    mkdirSync(join(dir, 'labs'), { recursive: true })
    writeFileSync(join(dir, 'labs', 'exclusive.json'), '{"classId":"mon","stud')
    expect(cloudHolder(dir)).toBeUndefined()
    takeCloud(dir, ana)
    expect(cloudHolder(dir)).toMatchObject(ana)
  })
})
