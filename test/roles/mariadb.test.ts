// SPDX-License-Identifier: Apache-2.0
import { describe, expect, it } from 'vitest'
import { iniGet, parseIni } from '../../installer/render/ini.ts'
import mariadb from '../../roles/mariadb/role.ts'
import { expectGolden, fileAt, fixtureModel, fixtureNames, renderRole } from '../helpers.ts'

const path = '/etc/mysql/mariadb.conf.d/99-openstack.cnf'

describe('mariadb role', () => {
  it.each(fixtureNames)('%s: runs on the database host only, listening on its address', (fixture) => {
    // GIVEN the fixture's model WHEN mariadb is rendered
    const model = fixtureModel(fixture)
    const files = renderRole(fixture, mariadb)
    // THEN exactly one host gets the file: the one every database URL points at
    const dbHost = model.hosts.find((h) => h.address === model.database.host)!
    expect(files.map((f) => `${f.host}:${f.path}`)).toEqual([`${dbHost.name}:${path}`])
    const file = fileAt(files, dbHost.name, path)
    const ini = parseIni(file.content)
    expect(iniGet(ini, 'mysqld', 'bind-address')).toBe(model.database.host)
    // AND the install guide's settings are there
    expect(iniGet(ini, 'mysqld', 'default-storage-engine')).toBe('innodb')
    expect(iniGet(ini, 'mysqld', 'innodb_file_per_table')).toBe('on')
    expect(iniGet(ini, 'mysqld', 'max_connections')).toBe('4096')
    expect(iniGet(ini, 'mysqld', 'character-set-server')).toBe('utf8')
    expect(iniGet(ini, 'mysqld', 'collation-server')).toBe('utf8_general_ci')
    expect([file.owner, file.group, file.mode]).toEqual(['root', 'root', 0o644])
  })

  it('keeps the InnoDB buffer pool small on an all-in-one host and larger on a control host', () => {
    // GIVEN an all-in-one and a 3-node cloud WHEN mariadb is rendered
    const pool = (fixture: 'aio' | '3-node', host: string) =>
      iniGet(parseIni(fileAt(renderRole(fixture, mariadb), host, path).content), 'mysqld', 'innodb_buffer_pool_size')
    // THEN the all-in-one host keeps MariaDB's 128M default and the control host gets more
    expect(pool('aio', 'aio1')).toBe('128M')
    expect(pool('3-node', 'ctl1')).toBe('512M')
  })

  it('installs the server and the PyMySQL driver, and runs mariadb.service', () => {
    // GIVEN the all-in-one model WHEN the role is asked for packages and units
    const model = fixtureModel('aio')
    const ctx = { model, host: model.hosts[0]! }
    // THEN they are the Debian names
    expect(mariadb.packages(ctx)).toEqual(['mariadb-server', 'python3-pymysql'])
    expect(mariadb.units(ctx)).toEqual(['mariadb.service'])
  })

  it.each(fixtureNames)('matches the golden files for %s', async (fixture) => {
    await expectGolden(fixture, renderRole(fixture, mariadb))
  })
})
