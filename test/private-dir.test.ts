// SPDX-License-Identifier: Apache-2.0
// Private state folders (credentials, logs, secrets, known_hosts) are 0700 without
// closing the folders above them: on a fresh machine the cloud's state folder was
// made first, closed /var/lib/stackhouse, and apt-cacher-ng's user could no longer
// reach its cache below it, so the README's first command failed.
import { mkdtempSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { mkdirPrivate } from '../installer/private-dir.ts'
import { recordDeploy } from '../installer/status.ts'

const mode = (p: string) => statSync(p).mode & 0o777

describe('a private folder', () => {
  it('is 0700 while the parents it makes stay open to others', () => {
    const base = mkdtempSync(join(tmpdir(), 'stackhouse-private-'))
    const umask = process.umask()
    mkdirPrivate(join(base, 'lib', 'stackhouse', 'cloud'))
    expect(mode(join(base, 'lib', 'stackhouse', 'cloud'))).toBe(0o700)
    expect(mode(join(base, 'lib', 'stackhouse'))).toBe(0o777 & ~umask)
    expect(mode(join(base, 'lib'))).toBe(0o777 & ~umask)
  })

  it("is how the deploy's state folder is made", () => {
    const base = mkdtempSync(join(tmpdir(), 'stackhouse-private-'))
    recordDeploy(join(base, 'stackhouse', 'cloud'), { finished: new Date().toISOString(), changes: 0, failures: 0, hosts: [] })
    expect(mode(join(base, 'stackhouse', 'cloud'))).toBe(0o700)
    expect(mode(join(base, 'stackhouse')) & 0o001).toBe(0o001)
  })
})
