// SPDX-License-Identifier: Apache-2.0
// What a student owns in the cloud, read as the checker (filtered by their project
// and user) and, for Swift, as the student (a checker cannot list another account).
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

/** Everything the student's project and user own, by kind ("server", "network"…). */
export async function ownedBy(checker: Cloud, student: Student, asStudent?: Cloud): Promise<Owned[]> {
  const s = checker.session
  const project = student.project.id
  const nova = { headers: { 'openstack-api-version': `compute ${computeMicroversion}` } }
  const rows = async (kind: string, service: string, path: string, key: string, opts = {}): Promise<Owned[]> => {
    const body = await s.request<Record<string, Row[]>>(service, 'GET', path, opts)
    return (body?.[key] ?? []).map((r) => ({ kind, id: r.id ?? r.name ?? '', name: r.name ?? '' }))
  }
  const q = (params: Record<string, string>) => `?${new URLSearchParams(params).toString()}`
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
  ])
  return lists.flat()
}

/** `server vm1 (id), network net (id)` */
export function describeOwned(owned: Owned[]): string {
  return owned.map((o) => `${o.kind} ${o.name || '-'}${o.name !== o.id ? ` (${o.id})` : ''}`).join(', ')
}
