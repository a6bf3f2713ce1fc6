// SPDX-License-Identifier: Apache-2.0
// The labs on the all-in-one cloud the suite deploys (registered inside its
// describe, so they share it): every lab passes `lab test`; two students in one
// class cannot see or change each other's resources; a check run 20 times
// changes nothing; and the CLI takes a learner through a step.
import { execFile } from 'node:child_process'
import { readFileSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { expect, it } from 'vitest'
import { classGrid, createClass, removeClass } from '../../installer/labs/class.ts'
import { Classroom, studentQuotas } from '../../installer/labs/classroom.ts'
import { ownedBy } from '../../installer/labs/leftovers.ts'
import { labIds, labsDir, loadLab, loadLabs } from '../../installer/labs/load.ts'
import { LabRunner } from '../../installer/labs/runner.ts'
import { testLab } from '../../installer/labs/self-test.ts'
import { novaCall } from '../../installer/labs/kit.ts'
import type { Project } from '../../installer/project.ts'
import { packageRoot } from '../../installer/paths.ts'

const run = promisify(execFile)

/** Students 1 and 2 of a new class in one lab, both started; each cleaned up and removed afterwards, also on failure. */
async function withTwoStudents(
  project: Project,
  labId: string,
  classPrefix: string,
  body: (one: LabRunner, two: LabRunner) => Promise<void>,
): Promise<void> {
  const lab = await loadLab(join(labsDir, labId))
  const room = new Classroom(project, `${classPrefix}${Date.now().toString(36).slice(-6)}`)
  const one = new LabRunner(lab, room, 1)
  const two = new LabRunner(lab, room, 2)
  try {
    await Promise.all([one.start(), two.start()])
    await body(one, two)
  } finally {
    for (const r of [one, two]) {
      await r.cleanup()
      await room.removeStudent((await r.ctx()).student)
    }
  }
}

export function labTests(project: () => Project): void {
  it.each(labIds())('lab %s passes lab test: each check fails, is solved, passes; the cleanup leaves nothing', async (id) => {
    const r = await testLab(project(), await loadLab(join(labsDir, id)))
    console.log(`lab test ${id}: ${r.seconds.toFixed(0)} s (${r.steps.map((s) => `${s.id} ${s.seconds.toFixed(0)} s`).join(', ')})`)
    expect(r.problem ?? '').toBe('')
    expect(r.leftovers).toBe('')
    expect(r.steps.map((s) => s.after?.status)).toEqual(r.steps.map(() => 'pass'))
  })

  it("troubleshooting passes lab test as student 2 too: a neighbour's faults are the other ones", async () => {
    const r = await testLab(project(), await loadLab(join(labsDir, 'troubleshooting')), { student: 2 })
    expect(r.problem ?? '').toBe('')
    expect(r.leftovers).toBe('')
    expect(r.steps.map((s) => s.before.message)).toEqual([
      expect.stringMatching(/administratively down/),
      expect.stringMatching(/port of s02-fix-web is administratively down/),
      expect.stringMatching(/does not answer/),
    ])
    expect(r.steps.map((s) => s.after?.status)).toEqual(['pass', 'pass', 'pass'])
  })

  it('keeps two students apart, and a check run 20 times changes nothing', async () => {
    await withTwoStudents(project(), 'first-instance', 'i', async (one, two) => {
      await one.solve('launch')
      const [a, b] = [await one.ctx(), await two.ctx()]
      // Neighbours' names and networks differ: one's answer is not the other's.
      expect(a.vars.server).not.toBe(b.vars.server)
      expect(a.vars.cidr).not.toBe(b.vars.cidr)
      const server = (await novaCall<{ servers: { id: string; name: string }[] }>(await a.asStudent(), 'GET', '/servers')).servers
      expect(server.map((s) => s.name)).toEqual([a.vars.server])
      // Student two sees none of student one's servers, networks or key pairs, and cannot delete them.
      const asTwo = await b.asStudent()
      expect((await novaCall<{ servers: unknown[] }>(asTwo, 'GET', '/servers')).servers).toEqual([])
      await expect(novaCall(asTwo, 'GET', '/servers?all_tenants=1')).rejects.toMatchObject({ status: 403 })
      // Nova refuses (403) or does not find (404) another project's server: either way, nothing is shown or changed.
      const refused = (e: unknown) => [403, 404].includes((e as { status?: number }).status ?? 0)
      await expect(novaCall(asTwo, 'GET', `/servers/${server[0]!.id}`)).rejects.toSatisfy(refused)
      await expect(novaCall(asTwo, 'DELETE', `/servers/${server[0]!.id}`)).rejects.toSatisfy(refused)
      expect((await asTwo.network.networks()).map((n) => n.name)).not.toContain(a.vars.network)
      await expect(asTwo.network.router((await a.checker.network.routers({ project_id: a.student.project.id }))[0]!.id)).rejects.toSatisfy(
        refused,
      )
      // Two's check of the step one solved says two has not done it.
      expect((await two.check('keypair')).result.status).toBe('fail')
      // A check reads only: twenty in a row leave every resource of the student as it was
      // (once the server is built: until then Nova and Neutron are still adding to it).
      for (let i = 0; i < 100 && (await one.runCheck(one.step('launch'))).status !== 'pass'; i++)
        await new Promise((r) => setTimeout(r, 3000))
      const before = await ownedBy(a.checker, a.student, await a.asStudent())
      for (let i = 0; i < 20; i++) expect((await one.check('launch')).result.status).toBe('pass')
      expect(await ownedBy(a.checker, a.student, await a.asStudent())).toEqual(before)
      expect(one.progress().steps.map((s) => s.done)).toEqual([true, true, false])
    })
  })

  it('bounds a domain manager to their own domain: no other domain, no admin or manager to hand out, no user of Default', async () => {
    await withTwoStudents(project(), 'identity', 'd', async (one, two) => {
      await Promise.all([one.solve('grant'), two.solve('project')])
      const [a, b] = [await one.ctx(), await two.ctx()]
      const me = (await a.asStudent({ domain: a.vars.domain! })).session.keystone
      const admin = a.checker.session.keystone
      const id = async (kind: string, params: Record<string, string>) =>
        (await admin.call<Record<string, { id: string }[]>>('GET', `/${kind}?${new URLSearchParams(params).toString()}`))[kind]![0]!.id
      const [mine, theirs] = [await id('domains', { name: a.vars.domain! }), await id('domains', { name: b.vars.domain! })]
      const team = await id('projects', { name: a.vars.team!, domain_id: mine })
      const group = await id('groups', { name: a.vars.group!, domain_id: mine })
      const alice = await id('users', { name: a.vars.alice!, domain_id: mine })
      const role = (name: string) => id('roles', { name })
      const refused = { status: 403 }
      // Inside their domain: yes.
      expect((await me.call<{ users: { name: string }[] }>('GET', `/users?domain_id=${mine}`)).users.map((u) => u.name).sort()).toEqual(
        [a.vars.alice, a.vars.bob].sort(),
      )
      await me.call('PUT', `/projects/${team}/users/${alice}/roles/${await role('reader')}`)
      // The neighbour's domain, and the Default domain: no.
      // Keystone answers a list outside the token's domain with 403 or with nothing (it lists inside the token's domain).
      const seen = (path: string, key: string) =>
        me.call<Record<string, unknown[]>>('GET', path).then(
          (r) => r[key]!.length,
          (e: { status?: number }) => (e.status === 403 ? 0 : Promise.reject(e)),
        )
      expect(await seen(`/users?domain_id=${theirs}`, 'users')).toBe(0)
      expect(await seen('/users?domain_id=default', 'users')).toBe(0)
      expect(await seen('/projects?domain_id=default', 'projects')).toBe(0)
      expect(await seen(`/groups?domain_id=${theirs}`, 'groups')).toBe(0)
      await expect(me.call('GET', `/users/${b.student.user.id}`)).rejects.toMatchObject(refused)
      await expect(me.call('POST', '/projects', { project: { name: 'x', domain_id: theirs } })).rejects.toMatchObject(refused)
      await expect(me.call('POST', '/users', { user: { name: 'x', domain_id: 'default' } })).rejects.toMatchObject(refused)
      const theirTeam = await id('projects', { name: b.vars.team!, domain_id: theirs })
      await expect(me.call('DELETE', `/projects/${theirTeam}`)).rejects.toMatchObject(refused)
      await expect(me.call('PUT', `/projects/${theirTeam}/groups/${group}/roles/${await role('member')}`)).rejects.toMatchObject(refused)
      // admin and manager are not theirs to give, not even inside their domain.
      await expect(me.call('PUT', `/projects/${team}/groups/${group}/roles/${await role('admin')}`)).rejects.toMatchObject(refused)
      await expect(me.call('PUT', `/domains/${mine}/users/${alice}/roles/${await role('manager')}`)).rejects.toMatchObject(refused)
      await expect(me.call('PUT', `/domains/${mine}/users/${alice}/roles/${await role('admin')}`)).rejects.toMatchObject(refused)
      // A user of another domain (themselves) cannot be put in their group or given a role in their project.
      await expect(me.call('PUT', `/groups/${group}/users/${a.student.user.id}`)).rejects.toMatchObject(refused)
      await expect(me.call('PUT', `/projects/${team}/users/${a.student.user.id}/roles/${await role('member')}`)).rejects.toMatchObject(
        refused,
      )
      // Nor is the domain theirs to change.
      await expect(me.call('PATCH', `/domains/${mine}`, { domain: { enabled: false } })).rejects.toMatchObject(refused)
      expect(await ownedBy(a.checker, a.student, await a.asStudent())).toEqual(
        expect.arrayContaining([
          expect.objectContaining({ kind: 'domain', name: a.vars.domain }),
          expect.objectContaining({ kind: 'group', id: group }),
        ]),
      )
    })
  })

  it('makes a class with quotas and a credentials sheet, shows its grid, and removes it without a trace', async () => {
    const p = project()
    const classId = `g${Date.now().toString(36).slice(-6)}`
    const sheet = await createClass(p, classId, 3)
    try {
      expect(sheet.students.map((s) => s.user)).toEqual([1, 2, 3].map((n) => `lab-${classId}-s0${n}`))
      expect(statSync(sheet.file).mode & 0o777).toBe(0o600)
      expect(readFileSync(sheet.file, 'utf8').match(/password \S{20,}/g)).toHaveLength(3)
      const room = new Classroom(p, classId)
      const checker = await room.checker()
      const s2 = await room.ensureStudent(2)
      const quota = await novaCall<{ quota_set: { instances: number } }>(checker, 'GET', `/os-quota-sets/${s2.project.id}`)
      expect(quota.quota_set.instances).toBe(studentQuotas.compute.instances)
      const lab = await loadLab(join(labsDir, 'object-storage'))
      const r = new LabRunner(lab, room, 2)
      await r.start()
      await r.solve('upload')
      expect((await r.check('metadata')).result.status).toBe('fail')
      const grid = classGrid(p, classId, lab)
      expect(grid.students.map((s) => [s.number, s.started, s.done])).toEqual([
        [1, false, 0],
        [2, true, 2],
        [3, false, 0],
      ])
      expect(grid.students[1]!.steps[2]!.last).toMatchObject({ result: 'fail' })
    } finally {
      const labs = await loadLabs()
      expect(await removeClass(p, classId, labs)).toBe(3)
    }
    const ks = await new Classroom(p, 'check').admin()
    const left = await ks.call<{ projects: { name: string }[] }>('GET', '/projects')
    expect(left.projects.map((x) => x.name).filter((n) => n.startsWith(`lab-${classId}-`))).toEqual([])
  })

  it('takes a learner through the CLI: start, a failing check (exit 5), a hint, solve, a passing check', async () => {
    const inventory = project().model.inventoryFile
    const cli = (...args: string[]) =>
      run(
        process.execPath,
        [
          join(packageRoot, 'bin', 'stackhouse.js'),
          'lab',
          ...args,
          '--class',
          'cli',
          '--student',
          '7',
          ...(inventory ? ['-i', inventory] : []),
        ],
        {
          timeout: 300_000,
        },
      ).then(
        (r) => ({ code: 0, stdout: r.stdout, stderr: r.stderr }),
        (e: { code: number; stdout: string; stderr: string }) => ({ code: e.code, stdout: e.stdout, stderr: e.stderr }),
      )
    try {
      const started = await cli('start', 'first-instance', '--json')
      expect(started.code, started.stderr).toBe(0)
      expect(JSON.parse(started.stdout)).toMatchObject({ user: 'lab-cli-s07', project: 'lab-cli-s07', step: 'keypair' })
      expect(JSON.parse(started.stdout).text).toContain('s07-first-key')
      const failing = await cli('check', 'first-instance', 'keypair')
      expect(failing.code).toBe(5)
      expect(failing.stdout).toContain('you have no key pair named s07-first-key')
      expect((await cli('hint', 'first-instance')).stdout).toContain('hint 1 of 2')
      expect((await cli('solve', 'first-instance', 'keypair')).code).toBe(0)
      const passing = await cli('check', 'first-instance', 'keypair', '--json')
      expect(passing.code, passing.stderr).toBe(0)
      expect(JSON.parse(passing.stdout)).toMatchObject({ step: 'keypair', status: 'pass' })
      // With no step named, check takes the first one not done: now the launch.
      const next = await cli('check', 'first-instance', '--json')
      expect(next.code).toBe(5)
      expect(JSON.parse(next.stdout)).toMatchObject({
        step: 'launch',
        status: 'fail',
        message: 'your project has no instance named s07-first-vm',
      })
      const status = await cli('status', 'first-instance', '--json')
      expect(JSON.parse(status.stdout).steps.map((s: { done: boolean }) => s.done)).toEqual([true, false, false])
    } finally {
      const lab = await loadLab(join(labsDir, 'first-instance'))
      const room = new Classroom(project(), 'cli')
      const r = new LabRunner(lab, room, 7)
      await r.cleanup()
      await room.removeStudent((await r.ctx()).student)
    }
  })
}
