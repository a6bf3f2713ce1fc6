// SPDX-License-Identifier: Apache-2.0
// Every API Debian serves with uwsgi --http-socket refuses keep-alive out loud,
// so clients that reuse connections never meet a reset (the live proof is in
// test/integration/aio.test.ts).
import { describe, expect, it } from 'vitest'
import { roles } from '../../roles/index.ts'
import { fixtureNames, renderRole } from '../helpers.ts'

describe('uwsgi APIs', () => {
  it.each(fixtureNames)('%s: every uwsgi .ini says Connection: close', (fixture) => {
    const files = renderRole(fixture, ...roles).filter((f) => /^\[uwsgi\]$/m.test(f.content))
    // GIVEN keystone, nova-api, nova-api-metadata, placement-api and cinder-api
    expect(files.map((f) => f.path).sort()).toEqual([
      '/etc/cinder/cinder-api-uwsgi.ini',
      '/etc/keystone/keystone-uwsgi.ini',
      '/etc/nova/nova-api-metadata-uwsgi.ini',
      '/etc/nova/nova-api-uwsgi.ini',
      '/etc/placement/placement-api-uwsgi.ini',
    ])
    // THEN each adds the header to every response
    for (const f of files) expect(f.content, f.path).toMatch(/^add-header = Connection: close$/m)
  })
})
