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
import { whileStopped } from '../../installer/backup/backup.ts'
import { putBackScript } from '../../installer/tasks/put-back.ts'
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

  it('takes a setgid folder, as swift-ring-builder leaves its backups folder in /etc/swift', () => {
    const { dir, archive } = setup((d) => {
      mkdirSync(join(d, 'backups'))
      chmodSync(join(d, 'backups'), 0o2755)
      writeFileSync(join(d, 'backups', 'object.builder'), 'ring')
    })
    const r = putBack(archive, dir)
    expect(r.code, r.stderr).toBe(0)
    expect(readFileSync(join(dir, 'backups', 'object.builder'), 'utf8')).toBe('ring')
  })
})

describe('backup: a folder copied with its units stopped (whileStopped)', () => {
  /** Runs `command` under whileStopped with a fake systemctl that logs its calls; `active` units answer is-active. */
  function run(units: string[], active: string[], command: string): { code: number | null; calls: string[] } {
    const bin = join(root, `bin-${n++}`)
    mkdirSync(bin)
    const log = join(bin, 'calls')
    writeFileSync(
      join(bin, 'systemctl'),
      `#!/bin/sh\necho "$*" >> ${shellQuote(log)}\n[ "$1" = is-active ] || exit 0\nfor u in ${active.join(' ')}; do [ "$u" = "$4" ] && exit 0; done\nexit 3\n`,
    )
    chmodSync(join(bin, 'systemctl'), 0o755)
    const r = spawnSync('bash', ['-c', `set -euo pipefail\n${whileStopped(units, command)}`], {
      encoding: 'utf8',
      env: { ...process.env, PATH: `${bin}:${process.env.PATH}` },
    })
    return { code: r.status, calls: existsSync(log) ? readFileSync(log, 'utf8').trim().split('\n') : [] }
  }

  it('stops the units, runs the copy, and starts again only those that ran', () => {
    const r = run(['ceph-mon@a.service', 'other.service'], ['ceph-mon@a.service'], 'true')
    expect(r.code).toBe(0)
    expect(r.calls.filter((c) => !c.startsWith('is-active'))).toEqual([
      'stop -- ceph-mon@a.service other.service',
      'start -- ceph-mon@a.service',
    ])
  })

  it("starts them again when the copy fails, and fails with the copy's status", () => {
    const r = run(['ceph-mon@a.service'], ['ceph-mon@a.service'], 'exit 7')
    expect(r.code).toBe(7)
    expect(r.calls.at(-1)).toBe('start -- ceph-mon@a.service')
  })

  it('is the command itself when no unit is named', () => {
    expect(whileStopped([], 'tar -czf x y')).toBe('tar -czf x y')
  })
})
