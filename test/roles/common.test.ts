// SPDX-License-Identifier: Apache-2.0
import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import common from '../../roles/common/role.ts'
import { expectGolden, fileAt, fixtureNames, renderRole } from '../helpers.ts'

describe('common role', () => {
  it('names every host of the cloud in /etc/hosts on every host', () => {
    const files = renderRole('3-node', common)
    for (const h of ['ctl1', 'cmp1', 'cmp2']) {
      const hosts = fileAt(files, h, '/etc/hosts').content
      expect(hosts).toMatch(/^10\.1\.0\.11\tctl1$/m)
      expect(hosts).toMatch(/^10\.1\.0\.22\tcmp2$/m)
    }
  })

  it('writes apt proxy and mirror only when the inventory sets them', () => {
    expect(fileAt(renderRole('3-node', common), 'cmp1', '/etc/apt/apt.conf.d/90stackhouse-proxy').content).toContain(
      'Acquire::http::Proxy "http://10.1.0.1:3142/";',
    )
    expect(renderRole('3-node', common).some((f) => f.path.endsWith('debian.sources'))).toBe(false)
    const aio = renderRole('aio', common)
    expect(fileAt(aio, 'aio1', '/etc/apt/sources.list.d/debian.sources').content).toContain(
      'URIs: http://mirror.example.test/debian\nSuites: bookworm bookworm-updates',
    )
    expect(aio.some((f) => f.path.includes('proxy'))).toBe(false)
  })

  it("ships the scripts other roles' steps run to every host, executable, each as its file under roles/common/files", () => {
    const files = renderRole('3-node', common)
    for (const h of ['ctl1', 'cmp1', 'cmp2']) {
      for (const [name, source] of [
        ['sql-rows', 'sql-rows.py'],
        ['alembic-head', 'alembic-head.py'],
        ['http-answers', 'http-answers.py'],
      ]) {
        const f = fileAt(files, h, `/usr/local/libexec/stackhouse/${name}`)
        expect([f.owner, f.group, f.mode, f.notify]).toEqual(['root', 'root', 0o755, []])
        expect(f.content).toBe(readFileSync(new URL(`../../roles/common/files/${source}`, import.meta.url), 'utf8'))
      }
    }
  })

  it.each(fixtureNames)('matches the golden files for %s', async (fixture) => {
    await expectGolden(fixture, renderRole(fixture, common))
  })
})
