// SPDX-License-Identifier: Apache-2.0
// stop and start against recording hosts: the order of the units, data untouched.
import { describe, expect, it } from 'vitest'
import { startCloud, stopCloud } from '../installer/power.ts'
import type { Project } from '../installer/project.ts'
import { roles } from '../roles/index.ts'
import { fixtureModel, fixtureProject } from './helpers.ts'
import { FakeHost } from './runner/fake-host.ts'

function project(): Project {
  return fixtureProject({ ...fixtureModel('3-node'), config: {} }, 'stackhouse-power-')
}

describe('stop and start', () => {
  it('stops the APIs before the database and the queue, and starts them after, on every host', async () => {
    const p = project()
    const hosts = new Map(p.model.hosts.map((h) => [h.name, new FakeHost(h.name)]))
    const connect = async () => hosts
    // WHEN stopped
    const stopped = await stopCloud(p, roles, { connect })
    const stop = hosts.get('ctl1')!.commands.at(-1)!
    // THEN one systemctl stop per host, the APIs first and MariaDB last, and no sandbox host touched
    // (with TLS on, as in this fixture, Apache also fronts glance, so it stops with glance, before Keystone)
    expect(stop).toMatch(/^systemctl stop -- swift-proxy\.service .* mariadb\.service$/)
    expect(stop.indexOf('apache2.service')).toBeLessThan(stop.indexOf('keystone.service'))
    expect(stop.indexOf('keystone.service')).toBeLessThan(stop.indexOf('rabbitmq-server.service'))
    expect(stopped.sandboxHosts).toEqual([])
    expect(stopped.hosts.find((h) => h.host === 'cmp1')!.units).toContain('nova-compute.service')
    // WHEN started THEN each unit starts in deploy order: MariaDB, RabbitMQ, memcached, then Keystone
    await startCloud(p, roles, { connect })
    const start = hosts.get('ctl1')!.commands.at(-1)!.split(' && ')
    expect(start.slice(0, 4)).toEqual([
      'systemctl start -- mariadb.service',
      'systemctl start -- rabbitmq-server.service',
      'systemctl start -- memcached.service',
      'systemctl start -- keystone.service',
    ])
    // AND nothing else ran: no file written, no package touched
    for (const h of hosts.values()) {
      expect(h.writes).toEqual([])
      expect(h.commands.filter((c) => !/^systemctl (stop|start) -- /.test(c))).toEqual([])
    }
  })
})
