// SPDX-License-Identifier: Apache-2.0
import { describe, expect, it } from 'vitest'
import memcached from '../../roles/memcached/role.ts'
import { expectGolden, fileAt, fixtureNames, renderRole } from '../helpers.ts'

describe('memcached role', () => {
  it('listens on the management address of each control host only', () => {
    // GIVEN the 3-node inventory WHEN memcached is rendered
    const files = renderRole('3-node', memcached)
    // THEN only ctl1 gets a config, bound to its own address
    expect(files.map((f) => f.host)).toEqual(['ctl1'])
    expect(fileAt(files, 'ctl1', '/etc/memcached.conf').content).toMatch(/^-l 10\.1\.0\.11$/m)
  })

  it.each(fixtureNames)('matches the golden files for %s', async (fixture) => {
    await expectGolden(fixture, renderRole(fixture, memcached))
  })
})
