// SPDX-License-Identifier: Apache-2.0
// The lab kit's cleanup: as the student, delete what one lab made (found by the
// prefix of its names), leaving the other labs' work alone.
import type { Cloud } from '../../openstack/index.ts'
import type { LabContext } from '../context.ts'
import { novaCall } from './compute.ts'
import { waitFor } from './wait.ts'

/**
 * As the student: delete what one lab made, by the prefix of its names (servers and
 * their floating IPs, unattached floating IPs, snapshots and volumes, images, routers,
 * ports and networks, security groups, key pairs), so that resetting one lab leaves the
 * others' work alone. `defaultGroup`: also take back the ingress rules the lab had the
 * learner add to the project's default group. Throws when something will not go.
 */
export async function deleteLabResources(ctx: LabContext, prefix: string, opts: { defaultGroup?: boolean } = {}): Promise<void> {
  const me = await ctx.asStudent()
  const ours = (x: { name?: string | null }) => !!x.name?.startsWith(prefix)
  const n = me.network
  const mine = { project_id: ctx.student.project.id }
  const servers = (await novaCall<{ servers: { id: string; name: string }[] }>(me, 'GET', '/servers')).servers.filter(ours)
  const serverPorts = new Set((await Promise.all(servers.map((s) => n.ports({ device_id: s.id })))).flat().map((p) => p.id))
  for (const f of await n.floatingIps(mine)) if (!f.port_id || serverPorts.has(f.port_id)) await n.deleteFloatingIp(f.id)
  for (const s of servers) await novaCall(me, 'DELETE', `/servers/${s.id}`, undefined, [404])
  await waitFor(
    ctx,
    'the instances to go',
    async () => !(await novaCall<{ servers: { name: string }[] }>(me, 'GET', '/servers')).servers.some(ours),
  )
  if (me.session.catalog.some((c) => c.type === 'volumev3')) await deleteVolumes(ctx, me, ours)
  // Images and snapshots the project owns (shared ones too: their members go with them).
  if (me.session.catalog.some((c) => c.type === 'image'))
    for (const i of (await me.image.images({ owner: ctx.student.project.id })).filter(ours)) await me.image.deleteImage(i.id)
  for (const r of (await n.routers(mine)).filter(ours)) {
    if (r.external_gateway_info) await n.setRouterGateway(r.id, null)
    for (const p of await n.ports({ device_id: r.id, device_owner: 'network:router_interface' }))
      await me.session.request('network', 'PUT', `/v2.0/routers/${r.id}/remove_router_interface`, { body: { port_id: p.id }, allow: [404] })
    await me.session.request('network', 'DELETE', `/v2.0/routers/${r.id}`, { allow: [404] })
  }
  for (const net of (await n.networks(mine)).filter(ours)) {
    // Ports the learner made by hand keep a network from going; Neutron removes its own (DHCP).
    for (const p of await n.ports({ network_id: net.id, ...mine }))
      if (!p.device_owner || p.device_owner.startsWith('compute:'))
        await me.session.request('network', 'DELETE', `/v2.0/ports/${p.id}`, { allow: [404] })
    await me.session.request('network', 'DELETE', `/v2.0/networks/${net.id}`, { allow: [404] })
  }
  for (const g of await n.securityGroups(mine)) {
    if (ours(g)) await me.session.request('network', 'DELETE', `/v2.0/security-groups/${g.id}`, { allow: [404] })
    else if (g.name === 'default' && opts.defaultGroup)
      // The default group keeps only what Neutron put there: egress, and ingress from its own members.
      for (const r of await n.securityGroupRules({ security_group_id: g.id, direction: 'ingress' }))
        if (!r.remote_group_id) await me.session.request('network', 'DELETE', `/v2.0/security-group-rules/${r.id}`, { allow: [404] })
  }
  const keypairs = (await novaCall<{ keypairs: { keypair: { name: string } }[] }>(me, 'GET', '/os-keypairs')).keypairs.map((k) => k.keypair)
  for (const k of keypairs.filter(ours)) await novaCall(me, 'DELETE', `/os-keypairs/${encodeURIComponent(k.name)}`, undefined, [404])
}

/**
 * The lab's snapshots and volumes, all asked to go each round until none is left. The
 * order sorts itself out: on Ceph a snapshot with a clone (a volume made from it) is
 * busy until the clone goes, and a volume with snapshots refuses (400) until they go.
 */
async function deleteVolumes(ctx: LabContext, me: Cloud, ours: (x: { name?: string | null }) => boolean): Promise<void> {
  const s = me.session
  const list = async (kind: 'snapshots' | 'volumes') =>
    (
      (await s.request<Record<string, { id: string; name: string | null; status: string }[]>>('volumev3', 'GET', `/${kind}/detail`))[
        kind
      ] ?? []
    ).filter(ours)
  const gone = ['available', 'error', 'error_extending', 'error_deleting']
  await waitFor(ctx, "the lab's snapshots and volumes to go", async () => {
    const [snapshots, volumes] = [await list('snapshots'), await list('volumes')]
    for (const x of snapshots)
      if (gone.includes(x.status)) await s.request('volumev3', 'DELETE', `/snapshots/${x.id}`, { allow: [400, 404] })
    for (const x of volumes) if (gone.includes(x.status)) await s.request('volumev3', 'DELETE', `/volumes/${x.id}`, { allow: [400, 404] })
    return !snapshots.length && !volumes.length
  })
}
