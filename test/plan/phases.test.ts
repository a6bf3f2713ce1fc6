// SPDX-License-Identifier: Apache-2.0
// Packages install role by role, so a role configures before later roles' packages are
// in. Its files may be owned by a user another role's packages create: the phases
// must wait for those packages, which the roles' declared users make known.
import { describe, expect, it } from 'vitest'
import { buildPhases, unitWork } from '../../installer/plan/phases.ts'
import type { Task } from '../../installer/tasks/types.ts'
import { FakeHost, taskContext } from '../runner/fake-host.ts'
import { render } from '../../installer/render/render.ts'
import { roles } from '../../roles/index.ts'
import { fixtureModel } from '../helpers.ts'

/** Accounts every Debian system has (base-passwd), which no role creates. */
const baseAccounts = ['root', 'www-data']

describe('the phases of the built-in cloud', () => {
  it.each(['aio', '3-node'] as const)('%s: every file owner is a base account or a user some role declares', (fixture) => {
    const files = render(fixtureModel(fixture), roles)
    const declared = new Set(roles.flatMap((r) => r.users ?? []))
    const owners = new Set(files.flatMap((f) => [f.owner, f.group]))
    expect([...owners].filter((o) => !baseAccounts.includes(o) && !declared.has(o))).toEqual([])
  })

  it("make ceph wait for cinder's packages: it writes the cinder keyring as nova:cinder", () => {
    // GIVEN a cloud with Ceph, which configures before cinder (cinder needs it)
    const m = fixtureModel('3-node')
    const phases = buildPhases(m, roles, render(m, roles), { admin: () => Promise.reject(new Error('not called')) })
    const needs = (id: string) => phases.find((p) => p.id === id)!.needs
    // THEN ceph's phase waits for the packages that create nova and cinder, and nothing waits in a circle
    expect(needs('ceph')).toEqual(expect.arrayContaining(['ceph.packages', 'cinder.packages']))
    expect(needs('cinder.packages')).not.toContain('ceph')
    // AND cinder's packages go in before Ceph's, so Ceph configures as soon as its own are in
    expect(needs('ceph.packages')).toContain('cinder.packages')
    expect(needs('cinder.packages')).not.toContain('ceph.packages')
    // AND a role whose files only its own users own waits for no other role's packages
    expect(needs('glance')!.filter((n) => n.endsWith('.packages'))).toEqual(['glance.packages'])
  })

  it("run a role's steps while another role's packages install only once the libraries went in first; unit starts never", async () => {
    // GIVEN the phases of a cloud with compute hosts, and nova-compute's start task on one
    const m = fixtureModel('3-node')
    const phases = buildPhases(m, roles, render(m, roles), { admin: () => Promise.reject(new Error('not called')) })
    const on = (phase: string, task: (t: Task) => boolean) =>
      phases.find((p) => p.id === phase)!.hosts.flatMap((h) => h.tasks.filter(task).map((t) => ({ host: h.host, task: t })))
    const [compute] = on('nova', (t) => t.unit === 'nova-compute.service')
    expect(compute).toBeDefined()
    // AND an apt transaction of neutron's packages held open on the same host
    const [neutron] = on('neutron.packages', () => true).filter((x) => x.host.name === compute!.host.name)
    const transport = new FakeHost(compute!.host.name)
    let release!: () => void
    const held = new Promise<void>((r) => (release = r))
    transport.onExec = async (command) => {
      if (command.includes(' install ')) await held
    }
    const ctx = taskContext(transport, compute!.host)
    const installing = neutron!.task.apply(ctx)
    await new Promise((r) => setTimeout(r, 20))
    // WHEN nova-compute's start comes along THEN it sends nothing to the host until the transaction ends
    const before = transport.commands.length
    const starting = compute!.task.apply(ctx)
    await new Promise((r) => setTimeout(r, 20))
    expect(transport.commands.slice(before)).toEqual([])
    release()
    await installing
    await expect(starting).resolves.toMatchObject({ status: 'changed' })
    expect(transport.commands.at(-1)).toContain('nova-compute.service')

    // GIVEN a fresh run on a bare host whose libraries phase ran first: the first control host
    const fresh = buildPhases(m, roles, render(m, roles), { admin: () => Promise.reject(new Error('not called')) })
    const ctl = m.hosts.find((h) => h.groups.includes('control'))!
    const onCtl = (phase: string, task: (t: Task) => boolean) =>
      fresh
        .find((p) => p.id === phase)!
        .hosts.find((h) => h.host.name === ctl.name)!
        .tasks.find(task)!
    const host2 = new FakeHost(ctl.name)
    const ctx2 = taskContext(host2, ctl)
    await onCtl('libraries.packages', () => true).apply(ctx2)
    let release2!: () => void
    const held2 = new Promise<void>((r) => (release2 = r))
    host2.onExec = async (command) => {
      if (command.includes(' install ') && command.includes('neutron')) await held2
    }
    const installing2 = onCtl('neutron.packages', () => true).apply(ctx2)
    await new Promise((r) => setTimeout(r, 20))
    // WHEN nova's schema sync comes along THEN it runs while neutron's transaction is held open
    const beforeSync = host2.commands.length
    await expect(onCtl('nova', (t) => t.id === 'nova.db-sync').apply(ctx2)).resolves.toBeDefined()
    expect(host2.commands.slice(beforeSync).join('\n')).toContain('nova-manage')
    // AND a unit start does not: the transaction's maintainer scripts reload systemd
    const sent = host2.commands.length
    const conductor = onCtl('nova', (t) => t.unit === 'nova-conductor.service').apply(ctx2)
    await new Promise((r) => setTimeout(r, 20))
    expect(host2.commands.slice(sent)).toEqual([])
    // AND a step that would restart units checks its guard beside the transaction: passing, it is done
    const urls = host2.commands.length
    await expect(onCtl('nova', (t) => t.id === 'nova.cell-urls').apply(ctx2)).resolves.toEqual({ status: 'ok' })
    expect(host2.commands.slice(urls)).toHaveLength(1)
    // AND failing, its change (update_cell, then systemctl try-restart) waits for the transaction
    host2.failing.set('-eq 2 \\]', 'a cell holds a password')
    const checked = host2.commands.length
    const cellUrls = onCtl('nova', (t) => t.id === 'nova.cell-urls').apply(ctx2)
    await new Promise((r) => setTimeout(r, 20))
    expect(host2.commands.slice(checked)).toHaveLength(1)
    release2()
    await installing2
    await expect(conductor).resolves.toMatchObject({ status: 'changed' })
    await expect(cellUrls).resolves.toMatchObject({ status: 'changed' })
    expect(host2.commands.slice(checked + 1).some((c) => c.includes('systemctl try-restart'))).toBe(true)
  })

  it("keep the dashboard's static build for horizon's configuration only when horizon configures in the run", async () => {
    const m = fixtureModel('aio')
    const script = async (only?: string[]) => {
      const phases = buildPhases(m, roles, render(m, roles), {
        admin: () => Promise.reject(new Error('not called')),
        ...(only ? { only } : {}),
      })
      const host = new FakeHost(m.hosts[0]!.name)
      await phases.find((p) => p.id === 'horizon.packages')!.hosts[0]!.tasks[0]!.apply(taskContext(host, m.hosts[0]!))
      return host.commands.find((c) => c.includes(' install '))!
    }
    // A deploy: the override goes on before the install and off after it
    const deploy = await script()
    expect(deploy.indexOf('dpkg-statoverride --add')).toBeGreaterThan(-1)
    expect(deploy.indexOf('dpkg-statoverride --add')).toBeLessThan(deploy.indexOf(' install '))
    expect(deploy.lastIndexOf('dpkg-statoverride --remove')).toBeGreaterThan(deploy.indexOf(' install '))
    // `--only prepare` (the layer): the postinst builds them as Debian's does
    expect(await script(['prepare'])).not.toContain('dpkg-statoverride --add')
  })

  it('count a step as unit work when its command or a script of ours it runs starts, stops or reloads units', () => {
    const m = fixtureModel('3-node')
    const touches = unitWork(render(m, roles))
    const step = (run: string) => ({ id: 'x.y', title: 'y', run })
    expect(touches(step('systemctl restart ovs-vswitchd.service'))).toBe(true)
    expect(touches(step('ceph-volume lvm create --bluestore --data /dev/sdb'))).toBe(true)
    // ceph-mon's script starts the monitor; alembic-head only reads
    expect(touches(step('/usr/local/libexec/stackhouse/ceph-mon ctl1 10.0.0.11'))).toBe(true)
    expect(touches(step('/usr/local/libexec/stackhouse/alembic-head nova.db.main'))).toBe(false)
    expect(touches(step("su -s /bin/sh -c 'nova-manage db sync' -- nova"))).toBe(false)
    expect(touches({ id: 'x.wait', title: 'wait' })).toBe(false)
    // A step may say so itself: Ceph's mkfs runs the monitor's script, whose other commands restart units
    expect(touches({ ...step('/usr/local/libexec/stackhouse/ceph-mon mkfs ctl1 x'), touchesUnits: false })).toBe(false)
    const ceph = roles.find((r) => r.name === 'ceph')!
    const cephSteps = ceph.bootstrap!({ model: m, host: m.hosts.find((h) => h.groups.includes('control'))! })
    expect(cephSteps.filter((s) => touches(s)).map((s) => s.id)).not.toContain('ceph.mon-mkfs')
    expect(cephSteps.filter((s) => touches(s)).map((s) => s.id)).toContain('ceph.mgr-keyring')
  })

  it("put a restored role's folders back on their host first: before the role's files, steps and units", () => {
    // GIVEN restore's first deploy of the 3-node cloud, with Ceph's monitor store to put back on ctl1
    const m = fixtureModel('3-node')
    const putBack = [{ role: 'ceph', host: 'ctl1', archive: '/tmp/backup/data/ceph.tar.gz', paths: ['/var/lib/ceph/mon'] }]
    const phases = buildPhases(m, roles, render(m, roles), { admin: () => Promise.reject(new Error('not called')), putBack })
    const ceph = phases.find((p) => p.id === 'ceph')!
    const tasks = (host: string) => ceph.hosts.find((h) => h.host.name === host)!.tasks
    // THEN ctl1's ceph phase starts with it, ahead of the monitor's mkfs and its unit
    expect(tasks('ctl1')[0]).toMatchObject({ id: 'ceph.put-back', title: '/var/lib/ceph/mon from the backup' })
    const ids = tasks('ctl1').map((t) => t.id)
    expect(ids.indexOf('ceph.mon-mkfs')).toBeGreaterThan(0)
    // AND no other host or phase gets one, and a deploy without a backup has none
    expect(phases.flatMap((p) => p.hosts.flatMap((h) => h.tasks.filter((t) => t.id.endsWith('.put-back'))))).toHaveLength(1)
    const plain = buildPhases(m, roles, render(m, roles), { admin: () => Promise.reject(new Error('not called')) })
    expect(plain.flatMap((p) => p.hosts.flatMap((h) => h.tasks.filter((t) => t.id.endsWith('.put-back'))))).toEqual([])
  })

  it("undo what openstack-dashboard-apache's postinst enables in Apache inside its own apt transaction, before any unit may start", async () => {
    // GIVEN the horizon packages task on the 3-node controller, on a host without them
    const m = fixtureModel('3-node')
    const phases = buildPhases(m, roles, render(m, roles), { admin: () => Promise.reject(new Error('not called')) })
    const [task] = phases.find((p) => p.id === 'horizon.packages')!.hosts.find((h) => h.host.name === 'ctl1')!.tasks
    const transport = new FakeHost('ctl1')
    const ctx = taskContext(transport, m.hosts[0]!)
    await expect(task!.apply(ctx)).resolves.toMatchObject({ status: 'changed' })
    // THEN the script that installs them disables Debian's default-ssl site after the install, before releasing services
    const installs = (l: string) => / install .*openstack-dashboard-apache/.test(l)
    const script = transport.commands.find(installs)
    expect(script).toBeDefined()
    const lines = script!.split('\n')
    const install = lines.findIndex(installs)
    const off = lines.findIndex((l) => l.includes('a2dissite -q default-ssl'))
    expect(off).toBeGreaterThan(install)
    // AND without TLS (nothing turns mod_ssl on, so the site is inert) the transaction has no such line
    const aio = fixtureModel('aio')
    expect(aio.tls.enabled).toBe(false)
    const plain = buildPhases(aio, roles, render(aio, roles), { admin: () => Promise.reject(new Error('not called')) })
    const [plainTask] = plain.find((p) => p.id === 'horizon.packages')!.hosts[0]!.tasks
    const plainHost = new FakeHost(aio.hosts[0]!.name)
    await plainTask!.apply(taskContext(plainHost, aio.hosts[0]!))
    expect(plainHost.commands.find(installs)).not.toContain('default-ssl')
  })
})
