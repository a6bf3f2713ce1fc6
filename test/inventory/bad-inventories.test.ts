// SPDX-License-Identifier: Apache-2.0
// Each file in fixtures/bad-inventories/ starts with the exact errors it must
// produce ("# expect: LINE:COL /path: message" and "#   fix: …").
import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { checkInventory, loadInventory } from '../../installer/inventory/load.ts'
import { formatProblem, InventoryError } from '../../installer/inventory/problems.ts'
import { fixturesDir } from '../helpers.ts'

const dir = join(fixturesDir, 'bad-inventories')
const files = readdirSync(dir)
  .filter((f) => f.endsWith('.yml'))
  .sort()

function expected(text: string): string[] {
  const out: string[] = []
  for (const line of text.split('\n')) {
    if (line.startsWith('# expect: ')) out.push(line.slice('# expect: '.length))
    else if (line.startsWith('#   fix: ')) out[out.length - 1] += `\n  fix: ${line.slice('#   fix: '.length)}`
  }
  return out
}

describe('bad inventories', () => {
  it('covers at least 70 broken inventories', () => {
    expect(files.length).toBeGreaterThanOrEqual(70)
  })

  it.each(files)('%s gives exactly its expected errors', (file) => {
    // GIVEN a broken inventory and the errors written at its top
    const text = readFileSync(join(dir, file), 'utf8')
    const want = expected(text)
    expect(want.length, 'fixture has no "# expect:" line').toBeGreaterThan(0)
    // WHEN it is checked
    const { inventory, problems } = checkInventory(file, text, { dir })
    const errors = problems.filter((p) => p.severity === 'error')
    // THEN every error names the file, line and column, and matches exactly (paths on this machine shown as <dir>)
    expect(
      errors.map((p) =>
        formatProblem(p)
          .slice(file.length + 1)
          .replaceAll(dir, '<dir>'),
      ),
    ).toEqual(want)
    // AND no inventory comes out of a file with errors (nothing downstream can use half of one)
    expect(inventory).toBeUndefined()
  })

  it('loadInventory throws one InventoryError carrying every problem', () => {
    const file = join(dir, '10-unknown-host-key.yml')
    expect(() => loadInventory(file)).toThrow(InventoryError)
    const e = (() => {
      try {
        loadInventory(file, 'inventory.yml')
      } catch (x) {
        return x as InventoryError
      }
    })()
    expect(e).toBeInstanceOf(InventoryError)
    expect(e!.problems.map((p) => p.line)).toEqual([7, 9])
    expect(e!.message).toMatch(/^inventory\.yml:7:5 \/hosts\/0\/adress: unknown key "adress"/)
  })
})
