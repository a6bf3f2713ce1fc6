// SPDX-License-Identifier: Apache-2.0
// The fast schema guard, run for real in a shell, with stand-ins for the two commands
// it reads the host with (dpkg-query for the package version, roles/common's sql-rows
// for the query).
import { execFileSync, spawnSync } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { alembicRevisions, fastMigration } from '../../installer/render/schema-state.ts'
import { libexecDir } from '../../installer/render/scripts.ts'

const dir = mkdtempSync(join(tmpdir(), 'stackhouse-schema-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))
const bin = join(dir, 'bin')
execFileSync('mkdir', ['-p', bin])
writeFileSync(join(bin, 'dpkg-query'), '#!/bin/sh\nprintf "$FAKE_VERSION\\n"\n')
// The query's stand-in prints the rows only for the right password (made for this run), as MariaDB would.
const password = randomBytes(12).toString('hex')
writeFileSync(
  join(bin, 'sql-rows'),
  `#!/bin/sh\n[ "$STACKHOUSE_DB_PASSWORD" = ${password} ] || exit 1\n` + '[ -z "$FAKE_DB_DOWN" ] || exit 1\nprintf "%s\\n" "$FAKE_ROWS"\n',
)
for (const f of ['dpkg-query', 'sql-rows']) chmodSync(join(bin, f), 0o755)

const state = join(dir, 'state')
const step = fastMigration(
  { id: 'svc.db-sync', title: 'sync', unless: `[ -f ${dir}/at-head ]`, run: `touch ${dir}/ran && [ ! -f ${dir}/sync-fails ]` },
  {
    login: { host: '10.0.0.11', user: 'svc', database: 'svc', password },
    package: 'python3-svc',
    query: alembicRevisions('svc'),
    stateDir: state,
  },
)

/** Runs the command with the stand-ins, ours found where the host has them. */
function sh(command: string, env: Record<string, string> = {}): number {
  return (
    spawnSync('/bin/sh', ['-c', command.replaceAll(`${libexecDir}/`, `${bin}/`)], {
      env: { PATH: `${bin}:/usr/bin:/bin`, FAKE_VERSION: '2:26.0.0-1', FAKE_ROWS: 'svc abc123', ...step.env, ...env },
    }).status ?? -1
  )
}
const touch = (f: string) => writeFileSync(join(dir, f), '')
const drop = (f: string) => rmSync(join(dir, f), { force: true })

describe('a migration step checked by its recorded state', () => {
  it('runs when nothing is recorded, records after the run, and is then done without the slow check', () => {
    expect(sh(step.unless!)).toBe(1)
    expect(sh(step.run!)).toBe(0)
    expect(readFileSync(join(state, 'svc.db-sync'), 'utf8')).toBe('2:26.0.0-1\nsvc abc123\n')
    // WHEN the slow check would say "not at head" THEN the record still answers
    expect(sh(step.unless!)).toBe(0)
  })

  it('runs again after a package upgrade or when the revisions differ (a database restored or dropped)', () => {
    expect(sh(step.unless!, { FAKE_VERSION: '2:26.1.0-1' })).toBe(1)
    expect(sh(step.unless!, { FAKE_ROWS: 'svc def456' })).toBe(1)
    expect(sh(step.unless!, { FAKE_ROWS: '' })).toBe(1)
  })

  it('falls back to the slow check when the database cannot be asked, and keeps the record', () => {
    expect(sh(step.unless!, { FAKE_DB_DOWN: '1' })).toBe(1)
    touch('at-head')
    expect(sh(step.unless!, { FAKE_DB_DOWN: '1' })).toBe(0)
    drop('at-head')
    expect(readFileSync(join(state, 'svc.db-sync'), 'utf8')).toBe('2:26.0.0-1\nsvc abc123\n')
  })

  it('records the state when the slow check passes (a cloud deployed before records existed)', () => {
    rmSync(state, { recursive: true, force: true })
    touch('at-head')
    expect(sh(step.unless!)).toBe(0)
    drop('at-head')
    expect(existsSync(join(state, 'svc.db-sync'))).toBe(true)
    expect(sh(step.unless!)).toBe(0)
  })

  it('fails when the migration fails, and records nothing then', () => {
    rmSync(state, { recursive: true, force: true })
    touch('sync-fails')
    expect(sh(step.run!)).not.toBe(0)
    drop('sync-fails')
    expect(existsSync(join(state, 'svc.db-sync'))).toBe(false)
  })

  it('keeps the password in the environment, and refuses a database name that is not one', () => {
    expect(step.env).toEqual({ STACKHOUSE_DB_PASSWORD: password })
    expect(`${step.unless} ${step.run}`).not.toContain(password)
    expect(() => alembicRevisions('svc; DROP TABLE x')).toThrow(/unsafe database name/)
  })
})
