// SPDX-License-Identifier: Apache-2.0
// Keystone entities present: projects, roles, service users with their roles,
// catalog services and endpoints. Talks to Keystone's API from the deployer.
import { KeystoneClient, KeystoneError } from '../openstack/keystone.ts'
import { changed, ok, type Task } from './types.ts'

export interface KeystoneSpec {
  role: string
  projects?: string[]
  roles?: string[]
  user?: { name: string; password: string; project: string; roles: string[] }
  service?: { name: string; type: string; description: string }
  endpoints?: { region: string; public: string; internal: string; admin: string }
}

type Named = { id: string; name: string }

/** Finds by name (and filter) or creates; returns [entity, created]. */
async function ensure(ks: KeystoneClient, kind: string, query: string, body: Record<string, unknown>, check: boolean): Promise<[Named | undefined, boolean]> {
  const found = (await ks.call<Record<string, Named[]>>('GET', `/${kind}s?${query}`))[`${kind}s`] ?? []
  if (found[0]) return [found[0], false]
  if (check) return [undefined, true]
  const created = await ks.call<Record<string, Named>>('POST', `/${kind}s`, { [kind]: body })
  return [created[kind], true]
}

export function keystoneTask(spec: KeystoneSpec, admin: () => Promise<KeystoneClient>, authUrl: string): Task {
  const id = `${spec.role}.register`
  return {
    id,
    title: spec.service ? `catalog: ${spec.service.name} (${spec.service.type})` : `identity: ${[...(spec.projects ?? []), ...(spec.roles ?? [])].join(', ')}`,
    async apply(ctx) {
      const ks = await admin()
      const done: string[] = []
      const mark = (created: boolean, what: string) => created && done.push(what)
      for (const p of spec.projects ?? []) mark((await ensure(ks, 'project', `name=${p}`, { name: p, domain_id: 'default', description: `${p} project` }, ctx.check))[1], `project ${p}`)
      for (const r of spec.roles ?? []) mark((await ensure(ks, 'role', `name=${r}`, { name: r }, ctx.check))[1], `role ${r}`)
      if (spec.user) done.push(...(await ensureUser(ks, spec.user, authUrl, ctx.check)))
      if (spec.service) {
        const [svc, created] = await ensure(ks, 'service', `type=${spec.service.type}`, { ...spec.service, enabled: true }, ctx.check)
        mark(created, `service ${spec.service.name}`)
        if (spec.endpoints) done.push(...(await ensureEndpoints(ks, svc?.id, spec.endpoints, ctx.check)))
      }
      return done.length ? changed(done.join(', ')) : ok
    },
  }
}

async function ensureUser(ks: KeystoneClient, u: NonNullable<KeystoneSpec['user']>, authUrl: string, check: boolean): Promise<string[]> {
  const done: string[] = []
  const [user, created] = await ensure(ks, 'user', `name=${u.name}&domain_id=default`, { name: u.name, domain_id: 'default', password: u.password, enabled: true }, check)
  if (created) done.push(`user ${u.name}`)
  if (!user) return [...done, `roles of ${u.name}`]
  if (!created && !(await passwordWorks(u, authUrl))) {
    if (!check) await ks.call('PATCH', `/users/${user.id}`, { user: { password: u.password } })
    done.push(`password of ${u.name}`)
  }
  const project = (await ks.call<{ projects: Named[] }>('GET', `/projects?name=${u.project}`)).projects[0]
  const roles = (await ks.call<{ roles: Named[] }>('GET', '/roles')).roles
  if (!project) return [...done, `roles of ${u.name}`]
  const has = (await ks.call<{ roles: Named[] }>('GET', `/projects/${project.id}/users/${user.id}/roles`)).roles.map((r) => r.name)
  for (const name of u.roles.filter((r) => !has.includes(r))) {
    const role = roles.find((r) => r.name === name)
    if (!check && role) await ks.call('PUT', `/projects/${project.id}/users/${user.id}/roles/${role.id}`)
    done.push(`role ${name} for ${u.name}`)
  }
  return done
}

async function passwordWorks(u: NonNullable<KeystoneSpec['user']>, authUrl: string): Promise<boolean> {
  try {
    await KeystoneClient.login({ authUrl, username: u.name, password: u.password, projectName: u.project })
    return true
  } catch (e) {
    if (e instanceof KeystoneError && e.status === 401) return false
    throw e
  }
}

async function ensureEndpoints(ks: KeystoneClient, serviceId: string | undefined, e: NonNullable<KeystoneSpec['endpoints']>, check: boolean): Promise<string[]> {
  const existing = serviceId ? (await ks.call<{ endpoints: { id: string; interface: string; url: string; region_id: string }[] }>('GET', `/endpoints?service_id=${serviceId}`)).endpoints : []
  const done: string[] = []
  for (const iface of ['public', 'internal', 'admin'] as const) {
    const have = existing.find((x) => x.interface === iface && x.region_id === e.region)
    if (have?.url === e[iface]) continue
    done.push(`${iface} endpoint`)
    if (check || !serviceId) continue
    if (have) await ks.call('PATCH', `/endpoints/${have.id}`, { endpoint: { url: e[iface] } })
    else await ks.call('POST', '/endpoints', { endpoint: { service_id: serviceId, interface: iface, url: e[iface], region_id: e.region, enabled: true } })
  }
  return done
}
