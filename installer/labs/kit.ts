// SPDX-License-Identifier: Apache-2.0
// The surface labs import (labs/<id>/checks.ts): results, the context type, and
// the few reads and writes many labs share. Reads take the checker and name the
// student's project; writes take the student's own APIs.
import { cloud, KeystoneClient, type Cloud } from '../openstack/index.ts'
import { computeMicroversion, type Server } from '../openstack/compute.ts'
import type { Network, Router, Subnet } from '../openstack/network.ts'
import { guestImageName, publicNet } from '../postdeploy/names.ts'
import { fail, notReady, pass, type CheckResult, type LabContext } from './context.ts'
import { LabError } from './errors.ts'

export { fail, notReady, pass, type CheckResult, type LabContext } from './context.ts'
export { guestImageName, publicNet }
export type { Cloud }
export { LabError }
export { httpFetch } from '../openstack/http.ts'
export { pingUntil } from '../verify/ping.ts'
export { pingFrom, secondSource, tcpAnswers } from './probe.ts'

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
  // External only: any student may call a network of theirs "public".
  const net = (await c.network.networks({ name: publicNet.network, 'router:external': true }))[0]
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
export async function launchTinyServer(
  ctx: LabContext,
  spec: { name: string; network: string; keypair?: string; /** @default the test guest */ image?: string },
): Promise<void> {
  if ((await serversNamed(ctx, spec.name)).length) return
  const me = await ctx.asStudent()
  const imageName = spec.image ?? guestImageName
  const image = (await me.image.images({ name: imageName }))[0]
  const flavor = (await me.compute.flavors()).find((f) => f.name === 'm1.tiny')
  const network = (await me.network.networks({ name: spec.network }))[0]
  if (!image || !flavor || !network) throw new Error(`missing ${!image ? imageName : !flavor ? 'm1.tiny' : spec.network}`)
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

/** For solves and setups: the student's server of that name once it runs; its failure (ERROR…) at once. */
export async function waitForServer(ctx: LabContext, name: string, network: string): Promise<Server> {
  let running: Server | undefined
  await waitFor(ctx, `${name} to run`, async () => {
    const { result, server } = await serverState(ctx, name, network)
    if (result.status === 'fail') throw new Error(result.message)
    running = server
    return result.status === 'pass'
  })
  return running!
}

/** The id of the student's project's default security group (Neutron makes it on first use). */
export async function defaultGroupId(ctx: LabContext): Promise<string> {
  const [group] = await ctx.checker.network.securityGroups({ project_id: ctx.student.project.id, name: 'default' })
  if (!group) throw new Error('your project has no default security group')
  return group.id
}

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
 * The one wait of labs' setups, solves and cleanups: `done` polled every `everyMs`
 * (2 s) for up to `minutes` (5); a LabError naming what never happened. `done` may
 * throw to stop at once (a volume gone to error).
 */
export async function waitFor(
  ctx: LabContext,
  what: string,
  done: () => Promise<boolean>,
  opts: { minutes?: number; everyMs?: number } = {},
): Promise<void> {
  const minutes = opts.minutes ?? 5
  const everyMs = opts.everyMs ?? 2000
  for (let i = 0; i < (minutes * 60_000) / everyMs; i++) {
    if (await done()) return
    await ctx.sleep(everyMs)
  }
  throw new LabError(
    `waited ${minutes} minutes for ${what}`,
    "look at the student's project (openstack … --project), then try again",
    'hosts',
  )
}

/** As the student: the lab's network (`network`, its subnet `<network>-subnet` on `cidr`) routed to the outside by `router`, from the lab's variables. */
export async function ensureLabNetwork(ctx: LabContext): Promise<void> {
  const v = ctx.vars
  await ensureRoutedNetwork(await ctx.asStudent(), { network: v.network!, subnet: `${v.network}-subnet`, router: v.router!, cidr: v.cidr! })
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

function escapeRegex(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
}

/** Keystone's API (/v3) with the client's token: the checker's, or the student's domain-scoped one. */
export function identityCall<T>(c: Cloud, method: 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE', path: string, body?: unknown): Promise<T> {
  return c.session.keystone.call<T>(method, path, body)
}

/**
 * Log in as a user the student made (in a domain of theirs), to a project: what a
 * solve does to act as that user. The password never leaves this process.
 */
export async function loginAs(
  ctx: LabContext,
  who: { username: string; password: string; userDomain: string; project: string; projectDomain: string },
): Promise<Cloud> {
  const ks = await KeystoneClient.login({
    authUrl: ctx.vars.keystone!,
    username: who.username,
    password: who.password,
    userDomain: who.userDomain,
    projectName: who.project,
    projectDomain: who.projectDomain,
  })
  return cloud(ks, { ...(ctx.checker.session.region ? { region: ctx.checker.session.region } : {}) })
}
