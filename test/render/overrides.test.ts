// SPDX-License-Identifier: Apache-2.0
// An overrides folder is read as hostile input: nothing outside it, no folder
// too deep, no leftovers, and every problem an OverrideError (exit 1) with the fix.
import { mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { describeError } from '../../installer/cli/main.ts'
import { readOverrides } from '../../installer/render/overrides.ts'
import { OverrideError } from '../../installer/render/render.ts'

/** A project folder with secrets.yaml and an overrides/ folder beside it. */
function project(): { dir: string; ov: string } {
  const dir = mkdtempSync(join(tmpdir(), 'stackhouse-ov-'))
  writeFileSync(join(dir, 'secrets.yaml'), 'admin_password: do-not-leak\n', { mode: 0o600 })
  const ov = join(dir, 'overrides')
  mkdirSync(join(ov, 'common'), { recursive: true })
  return { dir, ov }
}

/** The OverrideError readOverrides throws, with the exit code the CLI gives it. */
function failure(ov: string, from: string): { message: string; fix?: string; code: number } {
  try {
    readOverrides(ov, from)
  } catch (e) {
    expect(e).toBeInstanceOf(OverrideError)
    return { message: (e as OverrideError).message, fix: (e as OverrideError).fix, code: describeError(e).code }
  }
  throw new Error('readOverrides did not fail')
}

describe('overrides folder, read as hostile input', () => {
  it('refuses a symbolic link that leaves the folder (secrets.yaml as /etc/hosts)', () => {
    const { dir, ov } = project()
    symlinkSync('../../secrets.yaml', join(ov, 'common', 'hosts'))
    const f = failure(ov, dir)
    expect(f.message).toBe(`overrides/common/hosts: is a symbolic link that leaves the overrides folder (to ${join(dir, 'secrets.yaml')})`)
    expect(f.fix).toBe('copy the file into the overrides folder instead of linking to it')
    expect(f.code).toBe(1)
    expect(f.message).not.toContain('do-not-leak')
  })

  it('reads an overrides folder that is itself a link to a folder elsewhere', () => {
    // GIVEN overrides/ linked to a folder elsewhere, whose files are its own
    const { dir } = project()
    const real = join(dir, 'elsewhere')
    mkdirSync(join(real, 'nova'), { recursive: true })
    writeFileSync(join(real, 'nova', 'nova.conf'), '[DEFAULT]\ndebug = true\n')
    symlinkSync(real, join(dir, 'linked'))
    // THEN its files are read (the link is the folder, not a way out of it)
    expect(readOverrides(join(dir, 'linked'), dir).map((o) => o.source)).toEqual(['elsewhere/nova/nova.conf'])
  })

  it('follows a link that stays inside the folder', () => {
    const { dir, ov } = project()
    writeFileSync(join(ov, 'common', 'shared.conf'), '[x]\na = 1\n')
    mkdirSync(join(ov, 'nova'))
    symlinkSync('../common/shared.conf', join(ov, 'nova', 'nova.conf'))
    expect(readOverrides(ov, dir).find((o) => o.service === 'nova')?.text).toBe('[x]\na = 1\n')
  })

  it('names a dangling link, a folder one level too deep and an overrides file', () => {
    const { dir, ov } = project()
    symlinkSync('gone.conf', join(ov, 'common', 'hosts'))
    expect(failure(ov, dir)).toMatchObject({
      message: 'overrides/common/hosts: is a symbolic link to gone.conf, which does not exist',
      code: 1,
    })

    const deep = project()
    mkdirSync(join(deep.ov, 'nova', 'cmp1', 'extra'), { recursive: true })
    expect(failure(deep.ov, deep.dir)).toMatchObject({ message: 'overrides/nova/cmp1/extra: is a folder one level too deep', code: 1 })

    const flat = mkdtempSync(join(tmpdir(), 'stackhouse-ov-'))
    writeFileSync(join(flat, 'overrides'), '[DEFAULT]\n')
    expect(failure(join(flat, 'overrides'), flat)).toMatchObject({
      message: 'overrides: is a file; overrides are a folder of files',
      code: 1,
    })

    const loose = project()
    writeFileSync(join(loose.ov, 'nova.conf'), '[DEFAULT]\n')
    expect(failure(loose.ov, loose.dir).message).toBe('overrides/nova.conf: overrides must be in a folder named after the service')
  })

  it('skips editor leftovers and refuses binary or huge files', () => {
    const { dir, ov } = project()
    mkdirSync(join(ov, 'nova'))
    for (const name of ['.nova.conf.swp', 'nova.conf~', '#nova.conf#', 'nova.conf.orig', '.DS_Store'])
      writeFileSync(join(ov, 'nova', name), '\0\0garbage')
    writeFileSync(join(ov, 'nova', 'nova.conf'), '[DEFAULT]\ndebug = true\n')
    expect(readOverrides(ov, dir).map((o) => o.source)).toEqual(['overrides/nova/nova.conf'])

    writeFileSync(join(ov, 'nova', 'policy.yaml'), Buffer.from([0x61, 0xff, 0xfe, 0x0a]))
    expect(failure(ov, dir).message).toBe('overrides/nova/policy.yaml: is not UTF-8 text')
    writeFileSync(join(ov, 'nova', 'policy.yaml'), 'a\0b\n')
    expect(failure(ov, dir).message).toBe('overrides/nova/policy.yaml: holds a NUL byte (is it a binary file?)')
    writeFileSync(join(ov, 'nova', 'policy.yaml'), 'x'.repeat(1024 * 1024 + 1))
    expect(failure(ov, dir).message).toBe('overrides/nova/policy.yaml: is larger than 1048576 bytes (1 MiB)')
  })
})
