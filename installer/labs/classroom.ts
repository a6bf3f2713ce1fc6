// SPDX-License-Identifier: Apache-2.0
// The identities of a class on a cloud: the checker (a service user learners never
// see: checks read as it, filtered by the student's project) and the students (a
// project and a user each, `member` on their own project only). Passwords are made
// here and kept in the project's state folder, mode 0600; never on a command line.
import { randomBytes } from 'node:crypto'
import { closeSync, existsSync, fsyncSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { UsageError } from '../errors.ts'
import { LabError } from './errors.ts'
import { cloud, KeystoneClient, type Cloud } from '../openstack/index.ts'
import { computeMicroversion } from '../openstack/compute.ts'
import { mkdirPrivate } from '../private-dir.ts'
import type { Project } from '../project.ts'
import { maxStudents, studentNames, type Student } from './context.ts'

/** What each student may use: enough for every lab, not enough for one student to fill the cloud. */
export const studentQuotas = {
  compute: { instances: 4, cores: 4, ram: 4096, key_pairs: 10 },
  network: { network: 4, subnet: 4, router: 2, floatingip: 2, port: 20, security_group: 10 },
  volume: { volumes: 4, snapshots: 4, gigabytes: 20 },
} as const

/** The checker's user name, and the project it holds `admin` on (Zed's policies give `reader` no read-only view). */
export const checkerUser = 'lab-checker'
const checkerProject = 'service'

interface Entity {
  id: string
  name: string
}

export interface StudentLogin extends Student {
  password: string
}

/** A class on one cloud: its folder, its admin, checker and students. */
export class Classroom {
  readonly dir: string
  private adminClient?: Promise<KeystoneClient>
  private checkerCloud?: Promise<Cloud>
  private readonly logins = new Map<string, Promise<Cloud>>()

  constructor(
    readonly project: Project,
    readonly classId: string,
  ) {
    if (!/^[a-z][a-z0-9]{0,11}$/.test(classId))
      throw new UsageError(
        `class name "${classId.slice(0, 40)}" is not valid`,
        'use 1-12 lower-case letters and digits, starting with a letter, e.g. --class mon',
      )
    this.dir = join(project.paths.stateDir, 'labs', classId)
  }

  get authUrl(): string {
    return this.project.model.endpoints.keystone.public
  }

  admin(): Promise<KeystoneClient> {
    return (this.adminClient ??= KeystoneClient.login({
      authUrl: this.authUrl,
      username: 'admin',
      password: this.project.model.secrets.admin_password,
      projectName: 'admin',
    }))
  }

  /** The checker's APIs, made (or its password repaired) on first use. */
  checker(): Promise<Cloud> {
    return (this.checkerCloud ??= (async () => {
      const file = join(this.project.paths.stateDir, 'labs', 'checker.json')
      const password = passwordIn(file)
      // ResellerAdmin: Swift's keystoneauth lets it read every account (a student's containers).
      await this.ensureUser(
        checkerUser,
        password,
        checkerProject,
        ['admin', 'ResellerAdmin'],
        "Stackhouse labs: reads students' resources for checks",
      )
      return cloud(await KeystoneClient.login({ authUrl: this.authUrl, username: checkerUser, password, projectName: checkerProject }), {
        region: this.project.model.region,
      })
    })())
  }

  /** Whether the student was made here (their password file exists). */
  hasStudent(n: number): boolean {
    checkNumber(n)
    return existsSync(studentFile(this.dir, studentNames(this.classId, n).tag))
  }

  /** The student's project and user, made when missing, with their password. */
  async ensureStudent(n: number): Promise<StudentLogin> {
    checkNumber(n)
    const { tag, name } = studentNames(this.classId, n)
    const password = passwordIn(studentFile(this.dir, tag))
    const { user, project, created } = await this.ensureUser(
      name,
      password,
      name,
      ['member'],
      `Stackhouse lab student ${n} of class ${this.classId}`,
    )
    // Every student's project gets the class quotas, however it was made (class create, lab start).
    if (created) await setQuotas(await this.checker(), project.id)
    return { classId: this.classId, number: n, tag, project, user, password }
  }

  /** The student as they log in: their own token, on their own project (or, with `domain`, on that domain). */
  asStudent(s: StudentLogin, scope?: { domain: string }): Promise<Cloud> {
    const key = `${s.number}${scope ? `@${scope.domain}` : ''}`
    let c = this.logins.get(key)
    if (!c) {
      const who = { authUrl: this.authUrl, username: s.user.name, password: s.password }
      c = (
        scope
          ? KeystoneClient.loginToDomain({ ...who, domainName: scope.domain })
          : KeystoneClient.login({ ...who, projectName: s.project.name })
      ).then((ks) => cloud(ks, { region: this.project.model.region }))
      // A refused login is not kept: the next call asks again.
      c.catch(() => this.logins.delete(key))
      this.logins.set(key, c)
    }
    return c
  }

  /** Delete the student's user and project (their resources must be gone first). */
  async removeStudent(s: Student): Promise<void> {
    const ks = await this.admin()
    // Neutron made the project's "default" security group itself, and keeps it after the project is gone.
    const network = (await this.checker()).network
    for (const g of await network.securityGroups({ project_id: s.project.id }))
      await network.session.request('network', 'DELETE', `/v2.0/security-groups/${g.id}`, { allow: [404] })
    await ks.call('DELETE', `/users/${s.user.id}`).catch(ignoreNotFound)
    await ks.call('DELETE', `/projects/${s.project.id}`).catch(ignoreNotFound)
    for (const key of [...this.logins.keys()]) if (key === String(s.number) || key.startsWith(`${s.number}@`)) this.logins.delete(key)
    rmSync(studentFile(this.dir, s.tag), { force: true })
  }

  /** A user with a password and roles on one project (all made if missing, but member and admin); the ids. */
  private async ensureUser(
    name: string,
    password: string,
    projectName: string,
    roles: string[],
    description: string,
  ): Promise<{ user: Entity; project: Entity; created: boolean }> {
    const ks = await this.admin()
    const one = async (kind: string, q: string) =>
      (await ks.call<Record<string, Entity[]>>('GET', `/${kind}?${new URLSearchParams(q ? { name: q } : {}).toString()}`))[kind]?.[0]
    const existing = await one('projects', projectName)
    const project =
      existing ??
      (await ks.call<{ project: Entity }>('POST', '/projects', { project: { name: projectName, domain_id: 'default', description } }))
        .project
    let user = await one('users', name)
    if (!user) {
      user = (
        await ks.call<{ user: Entity }>('POST', '/users', {
          user: { name, password, domain_id: 'default', default_project_id: project.id, description },
        })
      ).user
    } else if (!(await KeystoneClient.passwordWorks({ authUrl: this.authUrl, username: name, password }))) {
      await ks.call('PATCH', `/users/${user.id}`, { user: { password } })
    }
    for (const role of roles) {
      let roleId = (await one('roles', role))?.id
      if (!roleId && (role === 'member' || role === 'admin'))
        throw new UsageError(`the cloud has no "${role}" role`, 'is this a Stackhouse cloud? Its deploy makes the member and admin roles')
      roleId ??= (await ks.call<{ role: Entity }>('POST', '/roles', { role: { name: role } })).role.id
      await ks.call('PUT', `/projects/${project.id}/users/${user.id}/roles/${roleId}`)
    }
    return { user: { id: user.id, name }, project: { id: project.id, name: projectName }, created: !existing }
  }
}

/** The student quotas on a project, as the checker (an admin). */
async function setQuotas(c: Cloud, projectId: string): Promise<void> {
  const s = c.session
  const has = (type: string) => s.catalog.some((e) => e.type === type)
  await s.request('compute', 'PUT', `/os-quota-sets/${projectId}`, {
    body: { quota_set: studentQuotas.compute },
    headers: { 'openstack-api-version': `compute ${computeMicroversion}` },
  })
  await s.request('network', 'PUT', `/v2.0/quotas/${projectId}`, { body: { quota: studentQuotas.network } })
  if (has('volumev3')) await s.request('volumev3', 'PUT', `/os-quota-sets/${projectId}`, { body: { quota_set: studentQuotas.volume } })
}

function checkNumber(n: number): void {
  if (!Number.isInteger(n) || n < 1 || n > maxStudents)
    throw new UsageError(`student number ${String(n).slice(0, 20)} is out of range`, `use a whole number from 1 to ${maxStudents}`)
}

function newPassword(): string {
  return randomBytes(18).toString('base64url')
}

function ignoreNotFound(e: unknown): void {
  if ((e as { status?: number }).status !== 404) throw e
}

/**
 * The password kept in `file`, made (mode 0600, in a private folder) when the file is
 * missing. One file per identity, created exclusively: two processes making the same
 * student at once agree on one password, and no other student's entry is rewritten.
 */
function passwordIn(file: string): string {
  mkdirPrivate(dirname(file))
  try {
    const password = newPassword()
    const fd = openSync(file, 'wx', 0o600)
    try {
      writeSync(fd, `${JSON.stringify({ password })}\n`)
      fsyncSync(fd)
    } finally {
      closeSync(fd)
    }
    return password
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e
  }
  let data: unknown
  try {
    data = JSON.parse(readFileSync(file, 'utf8'))
  } catch {
    data = undefined
  }
  const v = (data as { password?: unknown } | undefined)?.password
  if (typeof v !== 'string' || !v)
    throw new LabError(
      `${file} holds no password`,
      'delete the file: Stackhouse makes a new password and sets it at the next start',
      'input',
    )
  return v
}

/** The file of a class's student password: `<class dir>/students/s01.json`. */
export function studentFile(classDir: string, tag: string): string {
  return join(classDir, 'students', `${tag}.json`)
}
