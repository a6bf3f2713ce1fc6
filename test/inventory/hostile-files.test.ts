// SPDX-License-Identifier: Apache-2.0
// Inventory files as an attacker would write them: huge, not UTF-8, one enormous
// value. Each is refused or reported in a few lines, with its line and column.
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { checkInventory, checkInventoryFile } from '../../installer/inventory/load.ts'
import { formatProblem } from '../../installer/inventory/problems.ts'

const scratch = () => mkdtempSync(join(tmpdir(), 'stackhouse-inv-'))

describe('hostile inventory files', () => {
  it('refuses a file over 4 MiB before reading it, naming the limit', () => {
    // GIVEN a 20 MB "inventory" (it once ran the process out of heap after 80 s)
    const file = join(scratch(), 'big.yml')
    writeFileSync(file, `hosts:\n${'  - { name: a, address: 10.0.0.1 }\n'.repeat(600_000)}`)
    // WHEN checked THEN one error names the size and the limit, at once
    const started = Date.now()
    const { problems } = checkInventoryFile(file, 'big.yml')
    expect(Date.now() - started).toBeLessThan(2000)
    expect(problems.map(formatProblem)).toEqual([
      expect.stringMatching(/^big\.yml:1:1: the file is \d+ bytes, more than the limit of 4194304 bytes \(4 MiB\)\n {2}fix: /),
    ])
  })

  it('names the line and column of the first byte that is not UTF-8', () => {
    const file = join(scratch(), 'latin1.yml')
    writeFileSync(
      file,
      Buffer.concat([Buffer.from('hosts:\n  - name: caf'), Buffer.from([0xe9]), Buffer.from('\n    address: 10.0.0.1\n')]),
    )
    const { problems } = checkInventoryFile(file, 'latin1.yml')
    expect(problems.map(formatProblem)).toEqual([
      'latin1.yml:2:14: the file is not UTF-8 text (byte 0xe9 at offset 20)\n  fix: save it as UTF-8; is it a binary file?',
    ])
  })

  it('echoes a 2 MB value as its first 80 characters, with the length', () => {
    const huge = 'x'.repeat(2 * 1024 * 1024)
    const { problems } = checkInventory('inv.yml', `hosts:\n  - { name: a, address: 10.0.0.1 }\nregion: ${huge}\n`)
    const text = problems.map(formatProblem).join('\n')
    expect(text.length).toBeLessThan(1000)
    expect(text).toContain(`got "${'x'.repeat(80)}… (2097152 characters)"`)
  })

  it('reports a missing-file, a folder and an unreadable path without a stack', () => {
    const dir = scratch()
    expect(checkInventoryFile(join(dir, 'nope.yml'), 'nope.yml').problems.map(formatProblem)).toEqual([
      'nope.yml:1:1: no such file\n  fix: check the path, or run "stackhouse init" to write a starting inventory',
    ])
    expect(checkInventoryFile(dir, 'dir').problems[0]!.message).toBe('is a folder, not an inventory file')
  })
})
