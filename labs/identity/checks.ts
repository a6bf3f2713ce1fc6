// SPDX-License-Identifier: Apache-2.0
// Checks and solves of the identity lab. Checks read Keystone and Nova as the
// checker, looking only inside the student's domain; solves act as the student,
// logged in to that domain (and as their user alice, for the quota).
import { randomBytes } from 'node:crypto'
import {
  fail,
  guestImageName,
  identityCall,
  LabError,
  loginAs,
  notReady,
  novaCall,
  pass,
  type CheckResult,
  type LabContext,
  type Cloud,
  waitFor,
} from '../../installer/labs/kit.ts'

interface Entity {
  id: string
  name: string
}

/** The instance quota the operator gives the student's team project. */
const teamInstances = 1

/** The student's domain (made by the lab's setup). */
async function domainId(ctx: LabContext): Promise<string> {
  const d = await studentDomain(ctx)
  if (!d) throw new LabError(`the domain ${ctx.vars.domain} is gone`, `reset the lab: stackhouse lab reset ${ctx.lab.id}`)
  return d.id
}

/** One entity of a kind in the student's domain, by name, as the checker reads it. */
async function inDomain(ctx: LabContext, kind: 'projects' | 'users' | 'groups', name: string): Promise<Entity | undefined> {
  const q = new URLSearchParams({ domain_id: await domainId(ctx), name })
  return (await identityCall<Record<string, Entity[]>>(ctx.checker, 'GET', `/${kind}?${q.toString()}`))[kind]?.[0]
}

/** The member role's id (every Stackhouse cloud has it). */
async function roleId(c: LabContext['checker'], name: string): Promise<string> {
  const role = (await identityCall<{ roles: Entity[] }>(c, 'GET', `/roles?name=${encodeURIComponent(name)}`)).roles[0]
  if (!role)
    throw new LabError(`the cloud has no "${name}" role`, 'deploy the cloud again with this Stackhouse: its Keystone step makes it')
  return role.id
}

/** The student, logged in to their domain as its manager. */
function asManager(ctx: LabContext): Promise<Cloud> {
  return ctx.asStudent({ domain: ctx.vars.domain! })
}

/** The student's domain, as the checker sees it. */
async function studentDomain(ctx: LabContext): Promise<Entity | undefined> {
  const q = new URLSearchParams({ name: ctx.vars.domain! })
  return (await identityCall<{ domains: Entity[] }>(ctx.checker, 'GET', `/domains?${q.toString()}`)).domains[0]
}

export async function prepareDomain(ctx: LabContext): Promise<void> {
  const v = ctx.vars
  const manager = await roleId(ctx.checker, 'manager')
  const id =
    (await studentDomain(ctx))?.id ??
    (
      await identityCall<{ domain: Entity }>(ctx.checker, 'POST', '/domains', {
        domain: { name: v.domain, description: `Stackhouse identity lab: ${ctx.student.user.name} manages it` },
      })
    ).domain.id
  await identityCall(ctx.checker, 'PUT', `/domains/${id}/users/${ctx.student.user.id}/roles/${manager}`)
}

export async function cleanUp(ctx: LabContext): Promise<void> {
  const d = await studentDomain(ctx)
  if (!d) return
  const list = async (kind: 'projects' | 'users' | 'groups') =>
    (await identityCall<Record<string, Entity[]>>(ctx.checker, 'GET', `/${kind}?domain_id=${d.id}`))[kind] ?? []
  const projects = await list('projects')
  // Nova keeps a deleted project's instances: they go first.
  for (const p of projects) {
    const servers = async () =>
      (await novaCall<{ servers: Entity[] }>(ctx.checker, 'GET', `/servers?all_tenants=1&project_id=${p.id}`)).servers
    for (const s of await servers()) await novaCall(ctx.checker, 'DELETE', `/servers/${s.id}`, undefined, [404])
    await waitFor(ctx, `the instances of ${p.name} to go`, async () => !(await servers()).length)
    await novaCall(ctx.checker, 'DELETE', `/os-quota-sets/${p.id}`, undefined, [404])
    await identityCall(ctx.checker, 'DELETE', `/projects/${p.id}`)
  }
  for (const u of await list('users')) await identityCall(ctx.checker, 'DELETE', `/users/${u.id}`)
  for (const g of await list('groups')) await identityCall(ctx.checker, 'DELETE', `/groups/${g.id}`)
  // Keystone deletes only a disabled domain, and the role assignments on it with it.
  await identityCall(ctx.checker, 'PATCH', `/domains/${d.id}`, { domain: { enabled: false } })
  await identityCall(ctx.checker, 'DELETE', `/domains/${d.id}`)
}

export async function projectExists(ctx: LabContext): Promise<CheckResult> {
  const p = await inDomain(ctx, 'projects', ctx.vars.team!)
  return p ? pass(`${ctx.vars.domain} has the project ${p.name}`) : fail(`${ctx.vars.domain} has no project named ${ctx.vars.team}`)
}

export async function createProject(ctx: LabContext): Promise<void> {
  const me = await asManager(ctx)
  await identityCall(me, 'POST', '/projects', { project: { name: ctx.vars.team, domain_id: await domainId(ctx) } })
}

export async function usersExist(ctx: LabContext): Promise<CheckResult> {
  const v = ctx.vars
  for (const name of [v.alice!, v.bob!]) {
    const u = (await inDomain(ctx, 'users', name)) as (Entity & { enabled?: boolean }) | undefined
    if (!u) return fail(`${v.domain} has no user named ${name}`)
    if (u.enabled === false) return fail(`${name} is disabled: enable the user`)
  }
  return pass(`${v.alice} and ${v.bob} are users of ${v.domain}`)
}

export async function createUsers(ctx: LabContext): Promise<void> {
  const me = await asManager(ctx)
  const domain = await domainId(ctx)
  for (const name of [ctx.vars.alice!, ctx.vars.bob!])
    if (!(await inDomain(ctx, 'users', name)))
      await identityCall(me, 'POST', '/users', { user: { name, domain_id: domain, password: newPassword() } })
}

export async function groupHasBoth(ctx: LabContext): Promise<CheckResult> {
  const v = ctx.vars
  const g = await inDomain(ctx, 'groups', v.group!)
  if (!g) return fail(`${v.domain} has no group named ${v.group}`)
  const members = new Set((await identityCall<{ users: Entity[] }>(ctx.checker, 'GET', `/groups/${g.id}/users`)).users.map((u) => u.name))
  const missing = [v.alice!, v.bob!].filter((n) => !members.has(n))
  return missing.length
    ? fail(`${missing.join(' and ')} ${missing.length > 1 ? 'are' : 'is'} not in ${v.group}`)
    : pass(`${v.group}: ${[...members].join(', ')}`)
}

export async function createGroup(ctx: LabContext): Promise<void> {
  const v = ctx.vars
  const me = await asManager(ctx)
  const group =
    (await inDomain(ctx, 'groups', v.group!)) ??
    (await identityCall<{ group: Entity }>(me, 'POST', '/groups', { group: { name: v.group, domain_id: await domainId(ctx) } })).group
  for (const name of [v.alice!, v.bob!]) {
    const user = await inDomain(ctx, 'users', name)
    if (!user) throw new LabError(`${name} is gone`, `solve the step before: stackhouse lab solve ${ctx.lab.id} users`)
    await identityCall(me, 'PUT', `/groups/${group.id}/users/${user.id}`)
  }
}

export async function groupIsMember(ctx: LabContext): Promise<CheckResult> {
  const v = ctx.vars
  const [team, group] = [await inDomain(ctx, 'projects', v.team!), await inDomain(ctx, 'groups', v.group!)]
  if (!team) return fail(`${v.domain} has no project named ${v.team}`)
  if (!group) return fail(`${v.domain} has no group named ${v.group}`)
  const q = new URLSearchParams({ 'group.id': group.id, 'scope.project.id': team.id, 'role.id': await roleId(ctx.checker, 'member') })
  const found = (await identityCall<{ role_assignments: unknown[] }>(ctx.checker, 'GET', `/role_assignments?${q.toString()}`))
    .role_assignments
  return found.length ? pass(`${v.group} is member of ${v.team}`) : fail(`${v.group} has no member role on ${v.team}`)
}

export async function grantMember(ctx: LabContext): Promise<void> {
  const v = ctx.vars
  const [team, group] = [await inDomain(ctx, 'projects', v.team!), await inDomain(ctx, 'groups', v.group!)]
  if (!team || !group)
    throw new LabError(`${!team ? v.team : v.group} is gone`, `solve the steps before: stackhouse lab solve ${ctx.lab.id} group`)
  const me = await asManager(ctx)
  await identityCall(me, 'PUT', `/projects/${team.id}/groups/${group.id}/roles/${await roleId(ctx.checker, 'member')}`)
}

/** The operator's part (this step's setup): the team project may run one instance. */
export async function limitTeam(ctx: LabContext): Promise<void> {
  const team = await inDomain(ctx, 'projects', ctx.vars.team!)
  if (!team) throw new LabError(`${ctx.vars.team} is gone`, `solve the first step again: stackhouse lab solve ${ctx.lab.id} project`)
  await novaCall(ctx.checker, 'PUT', `/os-quota-sets/${team.id}`, { quota_set: { instances: teamInstances } })
}

/** The team project's instance limit and use, as Nova counts them. */
async function teamLimits(ctx: LabContext, projectId: string): Promise<{ maxTotalInstances: number; totalInstancesUsed: number }> {
  const q = new URLSearchParams({ tenant_id: projectId })
  type Limits = { limits: { absolute: { maxTotalInstances: number; totalInstancesUsed: number } } }
  return (await novaCall<Limits>(ctx.checker, 'GET', `/limits?${q.toString()}`)).limits.absolute
}

export async function quotaFull(ctx: LabContext): Promise<CheckResult> {
  const v = ctx.vars
  const team = await inDomain(ctx, 'projects', v.team!)
  if (!team) return fail(`${v.domain} has no project named ${v.team}`)
  const absolute = await teamLimits(ctx, team.id)
  if (absolute.maxTotalInstances !== teamInstances)
    return fail(
      `${v.team} may run ${absolute.maxTotalInstances} instances, not ${teamInstances}: ask the trainer to solve this step's setup (reset the lab)`,
    )
  const servers = (
    await novaCall<{ servers: (Entity & { status: string; user_id: string })[] }>(
      ctx.checker,
      'GET',
      `/servers/detail?all_tenants=1&project_id=${team.id}`,
    )
  ).servers
  const server = servers.find((s) => s.name === v.server)
  if (!server) return fail(`${v.team} has no instance named ${v.server}: launch it as ${v.alice}`)
  const alice = await inDomain(ctx, 'users', v.alice!)
  if (server.user_id !== alice?.id) return fail(`${v.server} was launched by another user, not ${v.alice}: log in as ${v.alice}`)
  if (server.status === 'ERROR') return fail(`${v.server} failed to build: delete it and launch it again`)
  if (absolute.totalInstancesUsed < teamInstances) return notReady(`${v.team}'s usage does not count ${v.server} yet`)
  return pass(`${v.team} uses ${absolute.totalInstancesUsed} of ${teamInstances} instance: a second is refused`)
}

/** As alice (a member of team through the group): one instance, then a second that the quota must refuse. */
export async function fillQuota(ctx: LabContext): Promise<void> {
  const v = ctx.vars
  const alice = await inDomain(ctx, 'users', v.alice!)
  if (!alice) throw new LabError(`${v.alice} is gone`, `solve the steps before: stackhouse lab solve ${ctx.lab.id} grant`)
  // Done for the student, so with a password of the solve's own, set by the student as the domain's manager.
  const password = newPassword()
  await identityCall(await asManager(ctx), 'PATCH', `/users/${alice.id}`, { user: { password } })
  const asAlice = await loginAs(ctx, { username: v.alice!, password, userDomain: v.domain!, project: v.team!, projectDomain: v.domain! })
  const image = (await asAlice.image.images({ name: guestImageName }))[0]
  const flavor = (await asAlice.compute.flavors()).find((f) => f.name === 'm1.tiny')
  if (!image || !flavor) throw new Error(`missing ${!image ? guestImageName : 'm1.tiny'}`)
  const server = (name: string) => ({ server: { name, imageRef: image.id, flavorRef: flavor.id, networks: 'none' } })
  const mine = await novaCall<{ servers: Entity[] }>(asAlice, 'GET', '/servers')
  if (!mine.servers.some((s) => s.name === v.server)) await novaCall(asAlice, 'POST', '/servers', server(v.server!))
  // Nova counts an instance once the scheduler has placed it in a cell: ask for the second after that.
  await waitFor(
    ctx,
    `${v.server} to count in the quota`,
    async () => (await teamLimits(ctx, asAlice.session.keystone.projectId)).totalInstancesUsed >= 1,
  )
  const second = await novaCall<{ server?: Entity; forbidden?: { message: string } }>(
    asAlice,
    'POST',
    '/servers',
    server(`${v.server}-2`),
    [403],
  )
  if (second.server) {
    await novaCall(asAlice, 'DELETE', `/servers/${second.server.id}`, undefined, [404])
    throw new LabError(
      `the cloud accepted a second instance in ${v.team}: its quota did not hold`,
      'look at the quota of the project (openstack quota show)',
      'hosts',
    )
  }
  const why = second.forbidden?.message ?? ''
  if (!/quota/i.test(why))
    throw new LabError(`the second instance was refused, but not for its quota: ${why.slice(0, 200)}`, 'look at the cloud', 'hosts')
}

function newPassword(): string {
  return randomBytes(18).toString('base64url')
}
