// SPDX-License-Identifier: Apache-2.0
// The surface labs import (labs/<id>/checks.ts): results, the context type, and
// the few reads and writes many labs share. Reads take the checker and name the
// student's project; writes take the student's own APIs.
import type { Cloud } from '../openstack/index.ts'
import { computeMicroversion, type Server } from '../openstack/compute.ts'
import type { Network, Router, Subnet } from '../openstack/network.ts'
import { guestImageName, publicNet } from '../postdeploy/names.ts'
import { fail, notReady, pass, type CheckResult, type LabContext } from './context.ts'

export { fail, notReady, pass, type CheckResult, type LabContext } from './context.ts'
export { guestImageName, publicNet }
export { pingUntil } from '../verify/ping.ts'

const nova = { 'openstack-api-version': `compute ${computeMicroversion}` }

/** Nova at the microversion the installer's client uses. */
export function novaCall<T>(
  c: Cloud,
  method: 'GET' | 'POST' | 'PUT' | 'DELETE',
  path: string,
  body?: unknown,
  allow?: number[],
): Promise<T> {
  return c.session.request<T>('compute', method, path, {
    headers: nova,
    ...(body !== undefined ? { body } : {}),
    ...(allow ? { allow } : {}),
  })
}

/** The student's servers of that name (exact), as the checker sees them. */
export async function serversNamed(ctx: LabContext, name: string): Promise<Server[]> {
  const q = new URLSearchParams({ all_tenants: '1', project_id: ctx.student.project.id, name: `^${escapeRegex(name)}$` })
  return (await novaCall<{ servers: Server[] }>(ctx.checker, 'GET', `/servers/detail?${q.toString()}`)).servers
}

/** The student's keypair of that name, as the checker sees it (keypairs belong to users, not projects). */
export async function keypairOf(ctx: LabContext, name: string): Promise<{ name: string; public_key: string } | undefined> {
  const r = await novaCall<{ keypair: { name: string; public_key: string } } | undefined>(
    ctx.checker,
    'GET',
    `/os-keypairs/${encodeURIComponent(name)}?user_id=${encodeURIComponent(ctx.student.user.id)}`,
    undefined,
    [404],
  )
  return r && 'keypair' in r ? r.keypair : undefined
}

/** A Neutron resource of the student's, by name, as the checker sees it. */
export async function owned<K extends 'networks' | 'subnets' | 'routers'>(
  ctx: LabContext,
  kind: K,
  name: string,
): Promise<(K extends 'networks' ? Network : K extends 'subnets' ? Subnet : Router) | undefined> {
  const q = { project_id: ctx.student.project.id, name }
  const list =
    kind === 'networks'
      ? ctx.checker.network.networks(q)
      : kind === 'subnets'
        ? ctx.checker.network.subnets(q)
        : ctx.checker.network.routers(q)
  return (await list)[0] as never
}

/** The external network's id (the one every Stackhouse cloud has). */
export async function externalNetworkId(c: Cloud): Promise<string> {
  const net = (await c.network.networks({ name: publicNet.network }))[0]
  if (!net) throw new Error(`the cloud has no "${publicNet.network}" network`)
  return net.id
}

/**
 * As the student: a network with a subnet and a router to the external network,
 * made when missing (idempotent). The ids.
 */
export async function ensureRoutedNetwork(
  student: Cloud,
  names: { network: string; subnet: string; router: string; cidr: string },
): Promise<{ network: string; subnet: string; router: string }> {
  const n = student.network
  const network = (await n.networks({ name: names.network }))[0] ?? (await n.createNetwork({ name: names.network }))
  const subnet =
    (await n.subnets({ name: names.subnet, network_id: network.id }))[0] ??
    (await n.createSubnet({ name: names.subnet, network_id: network.id, ip_version: 4, cidr: names.cidr, dns_nameservers: [] }))
  let router = (await n.routers({ name: names.router }))[0]
  if (!router)
    router = await n.createRouter({ name: names.router, external_gateway_info: { network_id: await externalNetworkId(student) } })
  const ports = await n.ports({ device_id: router.id, network_id: network.id })
  if (!ports.length) await n.addRouterInterface(router.id, subnet.id)
  return { network: network.id, subnet: subnet.id, router: router.id }
}

/** As the student: the test guest on m1.tiny on a network of theirs, made when no server has that name. */
export async function launchTinyServer(ctx: LabContext, spec: { name: string; network: string; keypair?: string }): Promise<void> {
  if ((await serversNamed(ctx, spec.name)).length) return
  const me = await ctx.asStudent()
  const image = (await me.image.images({ name: guestImageName }))[0]
  const flavor = (await me.compute.flavors()).find((f) => f.name === 'm1.tiny')
  const network = (await me.network.networks({ name: spec.network }))[0]
  if (!image || !flavor || !network) throw new Error(`missing ${!image ? guestImageName : !flavor ? 'm1.tiny' : spec.network}`)
  await me.compute.createServer({
    name: spec.name,
    imageRef: image.id,
    flavorRef: flavor.id,
    networks: [{ uuid: network.id }],
    ...(spec.keypair ? { key_name: spec.keypair } : {}),
  })
}

/** The state of the student's server of that name: pass when ACTIVE on `network`, waiting while it builds. */
export async function serverState(ctx: LabContext, name: string, network: string): Promise<{ result: CheckResult; server?: Server }> {
  const [s, ...more] = await serversNamed(ctx, name)
  if (!s) return { result: fail(`your project has no instance named ${name}`) }
  if (more.length) return { result: fail(`your project has ${more.length + 1} instances named ${name}; delete the extra ones`) }
  if (s.status === 'ERROR')
    return { result: fail(`${name} failed to build: ${s.fault?.message ?? 'no reason given'}; delete it and launch it again`) }
  if (s.status === 'BUILD') return { result: notReady(`${name} is still building`) }
  if (s.status !== 'ACTIVE') return { result: fail(`${name} is ${s.status}; start it`) }
  if (!Object.keys(s.addresses ?? {}).includes(network)) return { result: fail(`${name} is not on the network ${network}`) }
  return { result: pass(`${name} is running`), server: s }
}

/** As the student: delete every server, floating IP, router, network and keypair they own (a lab's cleanup). */
export async function deleteStudentResources(ctx: LabContext, keypairs: string[] = []): Promise<void> {
  const me = await ctx.asStudent()
  const servers = (await novaCall<{ servers: { id: string }[] }>(me, 'GET', '/servers')).servers
  for (const s of servers) await novaCall(me, 'DELETE', `/servers/${s.id}`, undefined, [404])
  for (let i = 0; i < 120 && (await novaCall<{ servers: unknown[] }>(me, 'GET', '/servers')).servers.length; i++) await ctx.sleep(2000)
  if (me.session.catalog.some((c) => c.type === 'volumev3')) await deleteVolumes(ctx, me)
  const n = me.network
  const mine = { project_id: ctx.student.project.id }
  for (const f of await n.floatingIps(mine)) await n.deleteFloatingIp(f.id)
  for (const r of await n.routers(mine)) {
    if (r.external_gateway_info) await n.setRouterGateway(r.id, null)
    for (const p of await n.ports({ device_id: r.id, device_owner: 'network:router_interface' }))
      await me.session.request('network', 'PUT', `/v2.0/routers/${r.id}/remove_router_interface`, { body: { port_id: p.id }, allow: [404] })
    await me.session.request('network', 'DELETE', `/v2.0/routers/${r.id}`, { allow: [404] })
  }
  for (const net of await n.networks(mine)) await me.session.request('network', 'DELETE', `/v2.0/networks/${net.id}`, { allow: [404] })
  for (const g of await n.securityGroups(mine)) {
    if (g.name !== 'default') {
      await me.session.request('network', 'DELETE', `/v2.0/security-groups/${g.id}`, { allow: [404] })
      continue
    }
    // The default group keeps only what Neutron put there: egress, and ingress from its own members.
    for (const r of await n.securityGroupRules({ security_group_id: g.id, direction: 'ingress' }))
      if (!r.remote_group_id) await me.session.request('network', 'DELETE', `/v2.0/security-group-rules/${r.id}`, { allow: [404] })
  }
  for (const k of keypairs) await novaCall(me, 'DELETE', `/os-keypairs/${encodeURIComponent(k)}`, undefined, [404])
}

/**
 * The student's Swift account as the checker reads it (it holds ResellerAdmin):
 * `path` is `/<container>[/<object>]`, already encoded. Also the account's URL, which
 * is what the student's own catalog says.
 */
export function studentSwift(ctx: LabContext): { url: string; read(method: 'GET' | 'HEAD', path: string): Promise<Response> } {
  const url = ctx.checker.session.endpoint('object-store').replace(/AUTH_[^/]+$/, `AUTH_${ctx.student.project.id}`)
  return { url, read: (method, path) => ctx.checker.session.fetch('object-store', method, `${url}${path}`, { allow: [404] }) }
}

/** The student's volumes of that name, as the checker sees them (with their details). */
export async function volumesNamed(ctx: LabContext, name: string): Promise<CinderVolume[]> {
  const q = new URLSearchParams({ all_tenants: '1', project_id: ctx.student.project.id, name })
  return (await ctx.checker.session.request<{ volumes: CinderVolume[] }>('volumev3', 'GET', `/volumes/detail?${q.toString()}`)).volumes
}

/** The student's snapshots of that name, as the checker sees them. */
export async function snapshotsNamed(
  ctx: LabContext,
  name: string,
): Promise<{ id: string; name: string; status: string; volume_id: string }[]> {
  const q = new URLSearchParams({ all_tenants: '1', project_id: ctx.student.project.id, name })
  return (
    await ctx.checker.session.request<{ snapshots: { id: string; name: string; status: string; volume_id: string }[] }>(
      'volumev3',
      'GET',
      `/snapshots/detail?${q.toString()}`,
    )
  ).snapshots
}

export interface CinderVolume {
  id: string
  name: string | null
  status: string
  size: number
  bootable?: string
  snapshot_id?: string | null
  attachments: { server_id: string }[]
  volume_image_metadata?: Record<string, string>
}

/** Snapshots first, then volumes (detached once their servers are gone), each waited for. */
async function deleteVolumes(ctx: LabContext, me: Cloud): Promise<void> {
  const s = me.session
  const list = async <T>(kind: 'snapshots' | 'volumes') => (await s.request<Record<string, T[]>>('volumev3', 'GET', `/${kind}`))[kind] ?? []
  for (const kind of ['snapshots', 'volumes'] as const) {
    for (const x of await list<{ id: string; status: string }>(kind))
      if (!x.status.startsWith('deleting')) await s.request('volumev3', 'DELETE', `/${kind}/${x.id}`, { allow: [404, 400] })
    for (let i = 0; i < 90; i++) {
      const left = await list<{ id: string; status: string }>(kind)
      if (!left.length) break
      // A volume still detaching refuses the first delete (400): ask again once it is available.
      for (const x of left.filter((v) => v.status === 'available' || v.status === 'error'))
        await s.request('volumev3', 'DELETE', `/${kind}/${x.id}`, { allow: [404, 400] })
      await ctx.sleep(2000)
    }
  }
}

function escapeRegex(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
}
