// SPDX-License-Identifier: Apache-2.0
// The lab kit's Neutron helpers: the student's networks, subnets, routers and
// default security group as the checker sees them, and a routed network made (as
// the student) when missing.
import type { Cloud } from '../../openstack/index.ts'
import type { Network, Router, Subnet } from '../../openstack/network.ts'
import { publicNet } from '../../postdeploy/names.ts'
import type { LabContext } from '../context.ts'

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

/** As the student: the lab's network (`network`, its subnet `<network>-subnet` on `cidr`) routed to the outside by `router`, from the lab's variables. */
export async function ensureLabNetwork(ctx: LabContext): Promise<void> {
  const v = ctx.vars
  await ensureRoutedNetwork(await ctx.asStudent(), { network: v.network!, subnet: `${v.network}-subnet`, router: v.router!, cidr: v.cidr! })
}

/** The id of the student's project's default security group (Neutron makes it on first use). */
export async function defaultGroupId(ctx: LabContext): Promise<string> {
  const [group] = await ctx.checker.network.securityGroups({ project_id: ctx.student.project.id, name: 'default' })
  if (!group) throw new Error('your project has no default security group')
  return group.id
}
