// SPDX-License-Identifier: Apache-2.0
// How restore puts a role's folder back from a backup's data archive (putBackScript),
// run here with bash on folders under a temporary root: only the named folders come
// out, with the host folder's owner and never the archive's owners or setuid bits;
// links and devices are refused with the folder left as it was.
import { spawnSync } from 'node:child_process'
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { putBackScript } from '../../installer/backup/restore.ts'
import { shellQuote } from '../../installer/shell.ts'

const root = mkdtempSync(join(tmpdir(), 'stackhouse-put-back-'))
afterAll(() => rmSync(root, { recursive: true, force: true }))
let n = 0

/** A host folder (owned by nobody), and an archive made from `fill` of the same path, as backup makes one (tar -C /). */
function setup(fill: (dir: string) => void): { dir: string; archive: string; work: string } {
  const base = join(root, `case-${n++}`)
  const dir = join(base, 'var/lib/glance/images')
  mkdirSync(dir, { recursive: true })
  writeFileSync(join(dir, 'old-image'), 'old')
  spawnSync('chown', ['-R', 'nobody:nogroup', dir])
  const src = join(base, 'src')
  const srcDir = join(src, dir)
  mkdirSync(srcDir, { recursive: true })
  fill(srcDir)
  // A member beside the role's folder, as a hostile archive would carry.
  mkdirSync(join(src, 'etc'))
  writeFileSync(join(src, 'etc', 'evil'), 'x')
  const work = join(base, 'work')
  mkdirSync(work)
  const archive = join(work, 'data.tar.gz')
  const r = spawnSync('tar', ['-C', src, '-czf', archive, '--', dir.slice(1), 'etc'], { encoding: 'utf8' })
  expect(r.status, r.stderr).toBe(0)
  return { dir, archive, work }
}

function putBack(archive: string, dir: string): { code: number | null; stderr: string } {
  const r = spawnSync('bash', ['-c', `set -euo pipefail\n${putBackScript(shellQuote(archive), [dir])}`], { encoding: 'utf8' })
  return { code: r.status, stderr: r.stderr }
}

describe('restore: a role folder back from its archive', () => {
  it("replaces the folder with the archive's, keeps the host folder's owner, and takes nothing else out", () => {
    const { dir, archive, work } = setup((d) => writeFileSync(join(d, 'image-1'), 'bytes'))
    const r = putBack(archive, dir)
    expect(r.code, r.stderr).toBe(0)
    expect(readFileSync(join(dir, 'image-1'), 'utf8')).toBe('bytes')
    expect(existsSync(join(dir, 'old-image'))).toBe(false)
    expect(spawnSync('stat', ['-c', '%U:%G', join(dir, 'image-1')], { encoding: 'utf8' }).stdout.trim()).toBe('nobody:nogroup')
    // The archive's etc/evil was never unpacked: not under /, not beside the archive.
    expect(existsSync('/etc/evil')).toBe(false)
    expect(existsSync(join(work, 'unpacked', 'etc'))).toBe(false)
  })

  it('refuses an archive with a symbolic link, and leaves the folder as it was', () => {
    const { dir, archive } = setup((d) => {
      writeFileSync(join(d, 'image-1'), 'bytes')
      symlinkSync('/etc/shadow', join(d, 'link'))
    })
    const r = putBack(archive, dir)
    expect(r.code).not.toBe(0)
    expect(r.stderr).toMatch(/link, a device or a setuid file/)
    expect(readFileSync(join(dir, 'old-image'), 'utf8')).toBe('old')
  })

  it("never gives a file the archive's setuid bit", () => {
    const { dir, archive } = setup((d) => {
      writeFileSync(join(d, 'sh'), '#!/bin/sh\n')
      chmodSync(join(d, 'sh'), 0o4755)
    })
    expect(putBack(archive, dir).code).toBe(0)
    expect(statSync(join(dir, 'sh')).mode & 0o6000).toBe(0)
  })
})
