// SPDX-License-Identifier: Apache-2.0
// What a student owns in the cloud, read as the checker (filtered by their project
// and user, and inside any domain they manage) and, for Swift, as the student (a
// checker cannot list another account).
// `lab test` proves a lab's cleanup leaves none of it; a check must change none of it.
import type { Cloud } from '../openstack/index.ts'
import { computeMicroversion } from '../openstack/compute.ts'
import type { Student } from './context.ts'

export interface Owned {
  kind: string
  id: string
  name: string
}

type Row = { id?: string; name?: string; status?: string }

const nova = { headers: { 'openstack-api-version': `compute ${computeMicroversion}` } }
const q = (params: Record<string, string>) => `?${new URLSearchParams(params).toString()}`

/** Everything the student's project and user own, by kind ("server", "network"…). */
export async function ownedBy(checker: Cloud, student: Student, asStudent?: Cloud): Promise<Owned[]> {
  const s = checker.session
  const project = student.project.id
  const rows = async (kind: string, service: string, path: string, key: string, opts = {}): Promise<Owned[]> => {
    const body = await s.request<Record<string, Row[]>>(service, 'GET', path, opts)
    return (body?.[key] ?? []).map((r) => ({ kind, id: r.id ?? r.name ?? '', name: r.name ?? '' }))
  }
  const lists = await Promise.all([
    rows('server', 'compute', `/servers${q({ all_tenants: '1', project_id: project })}`, 'servers', nova),
    s
      .request<{ keypairs: { keypair: Row }[] }>('compute', 'GET', `/os-keypairs${q({ user_id: student.user.id })}`, nova)
      .then((b) => b.keypairs.map((k) => ({ kind: 'keypair', id: k.keypair.name ?? '', name: k.keypair.name ?? '' }))),
    ...['networks', 'subnets', 'routers', 'floatingips', 'ports'].map((p) =>
      rows(p.replace(/s$/, ''), 'network', `/v2.0/${p}${q({ project_id: project })}`, p),
    ),
    // Neutron makes a project's "default" group itself, on first use; it is not the student's doing.
    rows('security-group', 'network', `/v2.0/security-groups${q({ project_id: project })}`, 'security_groups').then((l) =>
      l.filter((g) => g.name !== 'default'),
    ),
    ...(s.catalog.some((c) => c.type === 'volumev3')
      ? [
          rows('volume', 'volumev3', `/volumes${q({ all_tenants: '1', project_id: project })}`, 'volumes'),
          rows('snapshot', 'volumev3', `/snapshots${q({ all_tenants: '1', project_id: project })}`, 'snapshots'),
        ]
      : []),
    ...(s.catalog.some((c) => c.type === 'image') ? [rows('image', 'image', `/v2/images${q({ owner: project })}`, 'images')] : []),
    ...(asStudent && s.catalog.some((c) => c.type === 'object-store')
      ? [
          asStudent.session
            .fetch('object-store', 'GET', '?format=json', { allow: [404] })
            .then(async (r) =>
              r.status === 404
                ? []
                : ((await r.json()) as { name: string }[]).map((c) => ({ kind: 'container', id: c.name, name: c.name })),
            ),
        ]
      : []),
    managedDomains(checker, student),
  ])
  return lists.flat()
}

/**
 * The domains the student holds a role on (the identity lab makes them one's manager),
 * with every project, user and group in them and every instance of those projects.
 */
async function managedDomains(checker: Cloud, student: Student): Promise<Owned[]> {
  const ks = checker.session.keystone
  type Assignment = { scope?: { domain?: { id: string } } }
  const assignments = (await ks.call<{ role_assignments: Assignment[] }>('GET', `/role_assignments${q({ 'user.id': student.user.id })}`))
    .role_assignments
  const domains = [...new Set(assignments.flatMap((a) => (a.scope?.domain ? [a.scope.domain.id] : [])))]
  const found: Owned[] = []
  for (const id of domains) {
    const { domain } = await ks.call<{ domain: Row }>('GET', `/domains/${id}`)
    found.push({ kind: 'domain', id, name: domain.name ?? '' })
    for (const kind of ['projects', 'users', 'groups'] as const) {
      const rows = (await ks.call<Record<string, Row[]>>('GET', `/${kind}${q({ domain_id: id })}`))[kind] ?? []
      found.push(...rows.map((r) => ({ kind: kind.slice(0, -1), id: r.id ?? '', name: r.name ?? '' })))
      if (kind === 'projects')
        for (const p of rows) {
          const path = `/servers${q({ all_tenants: '1', project_id: p.id ?? '' })}`
          const servers = (await checker.session.request<{ servers: Row[] }>('compute', 'GET', path, nova)).servers
          found.push(...servers.map((r) => ({ kind: 'server', id: r.id ?? '', name: r.name ?? '' })))
        }
    }
  }
  return found
}

/** `server vm1 (id), network net (id)` */
export function describeOwned(owned: Owned[]): string {
  return owned.map((o) => `${o.kind} ${o.name || '-'}${o.name !== o.id ? ` (${o.id})` : ''}`).join(', ')
}
