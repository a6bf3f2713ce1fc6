// SPDX-License-Identifier: Apache-2.0
// The local transport (the appliance's first boot deploys through it).
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { LocalTransport } from '../../installer/transport/local.ts'

const dir = mkdtempSync(join(tmpdir(), 'stackhouse-local-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))
const t = new LocalTransport('here')

describe('LocalTransport', () => {
  it('runs a command that exits without reading its input (a closed pipe is not a crash)', async () => {
    const input = 'x'.repeat(4 * 1024 * 1024)
    for (let i = 0; i < 5; i++) expect(await t.exec('exit 3', { stdin: input })).toMatchObject({ code: 3 })
  })

  it('passes input, output, error output and the exit code', async () => {
    const r = await t.exec('cat; echo oops >&2; exit 4', { stdin: 'hello' })
    expect(r).toEqual({ code: 4, stdout: 'hello', stderr: 'oops\n' })
  })

  it('writes a file whole, with its mode', async () => {
    const file = join(dir, 'a b.conf')
    const owner = process.getuid?.() === 0 ? 'root' : (process.env.USER ?? 'root')
    await t.writeFile(file, 'x = 1\n', { mode: 0o640, owner, group: owner === 'root' ? 'root' : owner })
    expect(readFileSync(file, 'utf8')).toBe('x = 1\n')
    expect(statSync(file).mode & 0o777).toBe(0o640)
  })
})
