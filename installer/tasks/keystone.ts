// SPDX-License-Identifier: Apache-2.0
// Keystone entities present: projects, roles, service users with their roles,
// catalog services and endpoints. Talks to Keystone's API from the deployer,
// reading each kind once per run (./_keystone-state.ts) and comparing here.
import type { KeystoneClient } from '../openstack/keystone.ts'
import { keystoneState, type KeystoneState, type Kinds } from './_keystone-state.ts'
import { changed, ok, type Task } from './types.ts'

export interface KeystoneSpec {
  role: string
  projects?: string[]
  roles?: string[]
  user?: { name: string; password: string; project: string; roles: string[] }
  service?: { name: string; type: string; description: string }
  endpoints?: { region: string; public: string; internal: string; admin: string }
}

type Admin = () => Promise<KeystoneClient>

/**
 * The service users each run registers (name → password), by the run's admin client
 * factory: the first password check of the run checks them all at once.
 */
const usersOfRun = new WeakMap<Admin, Map<string, string>>()

/** Finds one that matches or creates it from `body`; returns [entity, created] (no entity when check mode would create it). */
async function ensure<K extends 'projects' | 'roles' | 'users' | 'services'>(
  state: KeystoneState,
  kind: K,
  matches: (e: Kinds[K]) => boolean,
  body: Record<string, unknown>,
  check: boolean,
): Promise<[Kinds[K] | undefined, boolean]> {
  const found = (await state.list(kind)).find(matches)
  if (found) return [found, false]
  if (check) return [undefined, true]
  const one = kind.slice(0, -1)
  const created = (await state.ks.call<Record<string, Kinds[K]>>('POST', `/${kind}`, { [one]: body }))[one]!
  await state.added(kind, created)
  return [created, true]
}

/**
 * The task that registers `spec` with Keystone, through the run's admin client.
 * Create the tasks of a run with the same `admin` function: their users' passwords are then checked together.
 */
export function keystoneTask(spec: KeystoneSpec, admin: Admin, authUrl: string): Task {
  const id = `${spec.role}.register`
  const peers = usersOfRun.get(admin) ?? usersOfRun.set(admin, new Map()).get(admin)!
  if (spec.user) peers.set(spec.user.name, spec.user.password)
  return {
    id,
    title: spec.service
      ? `catalog: ${spec.service.name} (${spec.service.type})`
      : `identity: ${[...(spec.projects ?? []), ...(spec.roles ?? [])].join(', ')}`,
    async apply(ctx) {
      const state = keystoneState(await admin())
      const done: string[] = []
      const mark = (created: boolean, what: string) => created && done.push(what)
      for (const p of spec.projects ?? [])
        mark(
          (
            await ensure(state, 'projects', (x) => x.name === p, { name: p, domain_id: 'default', description: `${p} project` }, ctx.check)
          )[1],
          `project ${p}`,
        )
      for (const r of spec.roles ?? []) mark((await ensure(state, 'roles', (x) => x.name === r, { name: r }, ctx.check))[1], `role ${r}`)
      if (spec.user) done.push(...(await ensureUser(state, spec.user, { authUrl, peers }, ctx.check)))
      if (spec.service) {
        const [svc, created] = await ensure(
          state,
          'services',
          (x) => x.type === spec.service!.type,
          { ...spec.service, enabled: true },
          ctx.check,
        )
        mark(created, `service ${spec.service.name}`)
        if (spec.endpoints) done.push(...(await ensureEndpoints(state, svc?.id, spec.endpoints, ctx.check)))
      }
      return done.length ? changed(done.join(', ')) : ok
    },
  }
}

type User = NonNullable<KeystoneSpec['user']>

async function ensureUser(
  state: KeystoneState,
  u: User,
  run: { authUrl: string; peers: ReadonlyMap<string, string> },
  check: boolean,
): Promise<string[]> {
  const done: string[] = []
  const [user, created] = await ensure(
    state,
    'users',
    (x) => x.name === u.name,
    { name: u.name, domain_id: 'default', password: u.password, enabled: true },
    check,
  )
  if (created) done.push(`user ${u.name}`)
  if (!user) return [...done, `roles of ${u.name}`]
  // A user made just now has this password: no login needed.
  if (created) state.passwordSet(u.name, u.password)
  else if (!(await state.passwordWorks(run.authUrl, u.name, u.password, run.peers))) {
    if (!check) {
      await state.ks.call('PATCH', `/users/${user.id}`, { user: { password: u.password } })
      state.passwordSet(u.name, u.password)
    }
    done.push(`password of ${u.name}`)
  }
  const project = (await state.list('projects')).find((p) => p.name === u.project)
  const roles = await state.list('roles')
  if (!project) return [...done, `roles of ${u.name}`]
  const has = (await state.assignments(project.id))
    .filter((a) => a.user?.id === user.id)
    .map((a) => roles.find((r) => r.id === a.role.id)?.name)
  for (const name of u.roles.filter((r) => !has.includes(r))) {
    const role = roles.find((r) => r.name === name)
    if (!check && role) {
      await state.ks.call('PUT', `/projects/${project.id}/users/${user.id}/roles/${role.id}`)
      await state.assigned(project.id, user.id, role.id)
    }
    done.push(`role ${name} for ${u.name}`)
  }
  return done
}

async function ensureEndpoints(
  state: KeystoneState,
  serviceId: string | undefined,
  e: NonNullable<KeystoneSpec['endpoints']>,
  check: boolean,
): Promise<string[]> {
  const existing = serviceId ? (await state.list('endpoints')).filter((x) => x.service_id === serviceId) : []
  const done: string[] = []
  for (const iface of ['public', 'internal', 'admin'] as const) {
    const have = existing.find((x) => x.interface === iface && x.region_id === e.region)
    if (have?.url === e[iface]) continue
    done.push(`${iface} endpoint`)
    if (check || !serviceId) continue
    if (have) {
      await state.ks.call('PATCH', `/endpoints/${have.id}`, { endpoint: { url: e[iface] } })
      have.url = e[iface]
    } else {
      const made = await state.ks.call<{ endpoint: Kinds['endpoints'] }>('POST', '/endpoints', {
        endpoint: { service_id: serviceId, interface: iface, url: e[iface], region_id: e.region, enabled: true },
      })
      await state.added('endpoints', made.endpoint)
    }
  }
  return done
}
