// SPDX-License-Identifier: Apache-2.0
// destroyCloud on servers: every host purged at once, each reported as it starts
// (what will be done) and as it ends; a host whose purge fails is named with its
// output. Recording hosts: nothing here touches a real machine.
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import type { DestroyEvent } from '../../installer/commands/events.ts'
import { destroyCloud } from '../../installer/destroy.ts'
import type { Model } from '../../installer/model/types.ts'
import { projectPaths, type Project } from '../../installer/project.ts'
import { roles } from '../../roles/index.ts'
import { fixtureModel } from '../helpers.ts'
import { FakeHost } from '../runner/fake-host.ts'

function serversProject(): Project {
  const model: Model = { ...fixtureModel('3-node'), config: {} }
  const paths = projectPaths({ inventory: join(mkdtempSync(join(tmpdir(), 'stackhouse-destroy-')), 'inventory.yml') })
  return { model, paths, overrides: [], secrets: { secrets: model.secrets, generated: [], tightened: false }, roles }
}

describe('destroyCloud on servers', () => {
  it('purges every host, reporting each as it starts and ends', async () => {
    const p = serversProject()
    expect(p.model.target).toBe('hosts')
    const hosts = new Map(p.model.hosts.map((h) => [h.name, new FakeHost(h.name, h.address)]))
    const events: DestroyEvent[] = []
    const report = await destroyCloud(p, roles, { connect: async () => hosts, onEvent: (e) => events.push(e) })
    // THEN each host ran one purge script, with its own packages
    for (const [name, h] of hosts) {
      expect(h.commands, name).toHaveLength(1)
      expect(h.commands[0]).toContain('apt-get')
    }
    expect(report.hosts.map((h) => h.how)).toEqual(p.model.hosts.map(() => 'purged'))
    // AND the events: a start per host, with what it does, before its end, which matches the report
    for (const h of report.hosts) {
      const start = events.findIndex((e) => e.type === 'host-destroying' && e.host === h.host)
      const end = events.findIndex((e) => e.type === 'host-destroyed' && e.host === h.host)
      expect(start, h.host).toBeGreaterThanOrEqual(0)
      expect(end).toBeGreaterThan(start)
      expect(events[start]).toMatchObject({ what: expect.stringMatching(/^stop \d+ units, purge \d+ packages, delete \d+ paths$/) })
      expect(events[end]).toEqual({ type: 'host-destroyed', ...h })
    }
    expect(report.hosts.find((h) => h.host === 'ctl1')?.packages).toBeGreaterThan(10)
    // AND neutron's undo (its ebtables alternative) runs on its hosts, after the purge and before the files go
    const script = hosts.get('cmp1')!.commands[0]!
    const undo = script.search(/update-alternatives --quiet --remove ebtables '?\/usr\/local\/libexec\/stackhouse\/ebtables/)
    expect(undo).toBeGreaterThan(script.indexOf('apt-get purge'))
    expect(undo).toBeLessThan(script.indexOf('rm -rf'))
  })

  it('names the host whose purge failed, with the end of its output', async () => {
    const p = serversProject()
    const hosts = new Map(p.model.hosts.map((h) => [h.name, new FakeHost(h.name, h.address)]))
    hosts.get(p.model.hosts[1]!.name)!.failing.set('apt-get', 'E: dpkg was interrupted')
    const e = await destroyCloud(p, roles, { connect: async () => hosts }).catch((x: unknown) => x)
    expect((e as Error).message).toBe(`destroy on ${p.model.hosts[1]!.name} failed (exit code 1)`)
    expect(e).toMatchObject({ host: p.model.hosts[1]!.name, task: 'destroy.purge', stderr: 'E: dpkg was interrupted' })
  })
})
