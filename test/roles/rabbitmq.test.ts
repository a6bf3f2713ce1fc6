// SPDX-License-Identifier: Apache-2.0
import { describe, expect, it } from 'vitest'
import type { Model } from '../../installer/model/types.ts'
import { transportUrl } from '../../installer/render/openstack.ts'
import rabbitmq from '../../roles/rabbitmq/role.ts'
import { expectGolden, fileAt, fixtureModel, fixtureNames, renderRole } from '../helpers.ts'

const envPath = '/etc/rabbitmq/rabbitmq-env.conf'
const confPath = '/etc/rabbitmq/rabbitmq.conf'
const cookiePath = '/var/lib/rabbitmq/.erlang.cookie'

/** `KEY=value` lines of a shell environment file. */
function shellVars(text: string): Record<string, string> {
  const vars: Record<string, string> = {}
  for (const line of text.split('\n')) {
    const m = /^([A-Z_]+)=(.*)$/.exec(line)
    if (m) vars[m[1]!] = m[2]!
  }
  return vars
}

/** The 3-node model with cmp1 promoted to a second control host. */
function twoControlHosts(): Model {
  return fixtureModel('3-node', (model) => {
    const hosts = model.hosts.map((h) => (h.name === 'cmp1' ? { ...h, groups: [...h.groups, 'control'].sort() } : h))
    const control = hosts.filter((h) => h.groups.includes('control'))
    return {
      hosts,
      groups: { ...model.groups, control: control.map((h) => h.name) },
      rabbitmq: { ...model.rabbitmq, hosts: control.map((h) => h.address) },
    }
  })
}

describe('rabbitmq role', () => {
  it.each(fixtureNames)('%s: each broker listens on its own address, as the transport URL says', (fixture) => {
    // GIVEN the fixture's model WHEN rabbitmq is rendered
    const model = fixtureModel(fixture)
    const files = renderRole(fixture, rabbitmq)
    // THEN every control host gets the three files, and no other host does
    const control = model.hosts.filter((h) => h.groups.includes('control'))
    expect([...new Set(files.map((f) => f.host))]).toEqual(control.map((h) => h.name))
    for (const host of control) {
      const env = fileAt(files, host.name, envPath)
      const vars = shellVars(env.content)
      expect(vars).toEqual({
        NODENAME: `rabbit@${host.address}`,
        USE_LONGNAME: 'true',
        NODE_IP_ADDRESS: host.address,
        NODE_PORT: String(model.rabbitmq.port),
      })
      expect(transportUrl(model)).toContain(`@${vars.NODE_IP_ADDRESS}:${vars.NODE_PORT}`)
      expect([env.owner, env.group, env.mode, env.format]).toEqual(['rabbitmq', 'rabbitmq', 0o644, 'text'])
    }
  })

  it.each(fixtureNames)('%s: writes the Erlang cookie from the secrets, readable by rabbitmq only', (fixture) => {
    // GIVEN the fixture's model WHEN rabbitmq is rendered
    const model = fixtureModel(fixture)
    const files = renderRole(fixture, rabbitmq)
    // THEN the cookie is the secret, with no newline, owned by rabbitmq and mode 0400
    const cookie = fileAt(files, model.groups.control![0]!, cookiePath)
    expect(cookie.content).toBe(model.secrets.rabbitmq_erlang_cookie)
    expect([cookie.owner, cookie.group, cookie.mode]).toEqual(['rabbitmq', 'rabbitmq', 0o400])
  })

  it('lists every control host as a cluster peer on each of them', () => {
    // GIVEN a cloud with two control hosts WHEN rabbitmq is rendered
    const files = renderRole(twoControlHosts(), rabbitmq)
    // THEN both hosts name both nodes, in inventory order, and pause the minority on a split
    for (const host of ['ctl1', 'cmp1']) {
      const conf = fileAt(files, host, confPath).content
      expect(conf).toContain('cluster_formation.peer_discovery_backend = classic_config\n')
      expect(conf).toContain(
        'cluster_formation.classic_config.nodes.1 = rabbit@10.1.0.11\n' + 'cluster_formation.classic_config.nodes.2 = rabbit@10.1.0.21\n',
      )
      expect(conf).toContain('cluster_partition_handling = pause_minority\n')
    }
    expect(files.some((f) => f.host === 'cmp2')).toBe(false)
  })

  it('installs rabbitmq-server and runs rabbitmq-server.service', () => {
    const model = fixtureModel('aio')
    const ctx = { model, host: model.hosts[0]! }
    expect(rabbitmq.packages(ctx)).toEqual(['rabbitmq-server'])
    expect(rabbitmq.units(ctx)).toEqual(['rabbitmq-server.service'])
  })

  it.each(fixtureNames)('matches the golden files for %s', async (fixture) => {
    await expectGolden(fixture, renderRole(fixture, rabbitmq))
  })
})
