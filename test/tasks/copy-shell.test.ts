// SPDX-License-Identifier: Apache-2.0
// The commands of a copy between hosts (installer/tasks/copy.ts) in a real shell on
// this machine: the maker's read, the taker's hash and its atomic write from stdin.
// Both ends are this machine, so the "other host" holds a stale file at the same path.
import { chmodSync, chownSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import type { ModelHost } from '../../installer/model/types.ts'
import { copyTask } from '../../installer/tasks/copy.ts'
import type { FileExchange, SharedFile, TaskContext } from '../../installer/tasks/types.ts'
import { LocalTransport } from '../../installer/transport/local.ts'

const dir = mkdtempSync(join(tmpdir(), 'stackhouse-copy shell '))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

function context(name: string, exchange: FileExchange, check = false): TaskContext {
  return {
    transport: new LocalTransport(name),
    host: { name } as ModelHost,
    check,
    changedFiles: new Set(),
    log: () => undefined,
    redact: (t) => t,
    exchange,
  }
}

describe('copying files between hosts, in a real shell', () => {
  it("reads the maker's bytes, owner and mode, and writes them atomically where the copy differs", async () => {
    // GIVEN a binary file (every byte value) with an unusual mode, in a folder whose name needs quoting
    const ring = join(dir, "object ring's.gz")
    const bytes = Buffer.from(Array.from({ length: 256 }, (_, i) => i))
    writeFileSync(ring, bytes, { mode: 0o640 })
    chownSync(ring, 0, 0)
    const offered: SharedFile[][] = []
    const exchange: FileExchange = {
      offer: (_key, files) => void offered.push(files),
      take: async () => offered[0]!,
    }
    const spec = { id: 'x.copy', title: 'the ring', files: [ring], from: 'maker' }
    // WHEN the maker offers it
    expect(await copyTask(spec, 'maker').apply(context('maker', exchange))).toEqual({ status: 'ok' })
    expect(offered[0]).toMatchObject([{ path: ring, mode: '640', owner: 'root', group: 'root' }])
    expect(Buffer.from(offered[0]![0]!.base64, 'base64')).toEqual(bytes)
    // AND the file on "the other host" is stale, with another mode
    writeFileSync(ring, 'stale')
    chmodSync(ring, 0o600)
    const taker = context('taker', exchange)
    // THEN taking it writes the maker's bytes and mode back, leaving no temporary file
    expect(await copyTask(spec, 'taker').apply(taker)).toEqual({ status: 'changed', detail: `${ring} from maker` })
    expect(readFileSync(ring)).toEqual(bytes)
    expect(statSync(ring).mode & 0o777).toBe(0o640)
    expect(taker.changedFiles).toEqual(new Set([ring]))
    expect(readdirSync(dir)).toEqual(["object ring's.gz"])
    // AND taking it again changes nothing
    expect(await copyTask(spec, 'taker').apply(context('taker', exchange))).toEqual({ status: 'ok' })
  })

  it('refuses to put in place bytes that do not match the hash handed over', async () => {
    const file = join(dir, 'keys')
    writeFileSync(file, 'old')
    const forged: SharedFile = {
      path: file,
      base64: Buffer.from('new').toString('base64'),
      hash: '0'.repeat(64),
      mode: '644',
      owner: 'root',
      group: 'root',
    }
    const exchange: FileExchange = { offer: () => undefined, take: async () => [forged] }
    await expect(
      copyTask({ id: 'x.copy', title: 'keys', files: [file], from: 'maker' }, 'taker').apply(context('taker', exchange)),
    ).rejects.toThrow(/command failed/)
    expect(readFileSync(file, 'utf8')).toBe('old')
    expect(readdirSync(dir).filter((f) => f.startsWith('keys.'))).toEqual([])
  })
})
