// SPDX-License-Identifier: Apache-2.0
// Checks and solves of the troubleshooting lab. The setup builds a working instance
// (network, router, floating IP, ping let in) as the student, waits until it
// answers, then breaks one thing per layer: which one of two, by the student's
// number, so that neighbours have different faults. The breakage is made once; a
// resume does not undo the student's fixes.
import { existsSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import {
  deleteLabResources,
  ensureLabNetwork,
  externalNetworkId,
  fail,
  launchTinyServer,
  notReady,
  owned,
  pass,
  pingUntil,
  serverState,
  type CheckResult,
  type LabContext,
  defaultGroupId,
  waitForServer,
} from '../../installer/labs/kit.ts'
import type { Port, SecurityGroupRule } from '../../installer/openstack/network.ts'

const brokenMark = (ctx: LabContext) => join(ctx.dir, 'broken')
/** Where the wrong ICMP rule lets ping in from: TEST-NET-3, an address range no one has. */
const nowhere = '203.0.113.0/24'

/**
 * Which faults this student gets, alternating between neighbours: 0, the router and
 * the port administratively down and ping let in from the wrong addresses; 1, the
 * floating IP let go, the router's gateway removed and ping not let in at all.
 */
const variant = (ctx: LabContext) => ctx.student.number % 2

export async function cleanUp(ctx: LabContext): Promise<void> {
  await deleteLabResources(ctx, `${ctx.vars.student}-fix-`, { defaultGroup: true })
  rmSync(brokenMark(ctx), { force: true })
}

export async function breakIt(ctx: LabContext): Promise<void> {
  if (existsSync(brokenMark(ctx))) return
  const v = ctx.vars
  const me = await ctx.asStudent()
  const n = me.network
  await ensureLabNetwork(ctx)
  await launchTinyServer(ctx, { name: v.server!, network: v.network! })
  const group = await defaultGroupId(ctx)
  if (!(await icmpRules(ctx, group)).some((r) => r.remote_ip_prefix === null || r.remote_ip_prefix === '0.0.0.0/0'))
    await n.createSecurityGroupRule({ security_group_id: group, direction: 'ingress', protocol: 'icmp', ethertype: 'IPv4' })
  await waitForServer(ctx, v.server!, v.network!)
  const port = await serverPort(ctx)
  const fip = (await n.floatingIps({ port_id: port.id }))[0] ?? (await n.createFloatingIp(await externalNetworkId(me), port.id))
  // It worked before the colleague tidied up: the breakage is theirs, not the cloud's.
  if (!(await pingUntil(fip.floating_ip_address, 180_000))) throw new Error(`${fip.floating_ip_address} never answered ping`)
  const router = (await owned(ctx, 'routers', v.router!))!
  // Neutron keeps a gateway that floating IPs use: in that variant, the IP goes first.
  if (variant(ctx) === 0) {
    await me.session.request('network', 'PUT', `/v2.0/routers/${router.id}`, { body: { router: { admin_state_up: false } } })
    await me.session.request('network', 'PUT', `/v2.0/ports/${port.id}`, { body: { port: { admin_state_up: false } } })
  } else {
    await me.session.request('network', 'PUT', `/v2.0/floatingips/${fip.id}`, { body: { floatingip: { port_id: null } } })
    await n.setRouterGateway(router.id, null)
  }
  for (const r of await icmpRules(ctx, group)) await me.session.request('network', 'DELETE', `/v2.0/security-group-rules/${r.id}`)
  if (variant(ctx) === 1)
    await n.createSecurityGroupRule({
      security_group_id: group,
      direction: 'ingress',
      protocol: 'tcp',
      port_range_min: 80,
      port_range_max: 80,
      ethertype: 'IPv4',
    })
  else
    await n.createSecurityGroupRule({
      security_group_id: group,
      direction: 'ingress',
      protocol: 'icmp',
      ethertype: 'IPv4',
      remote_ip_prefix: nowhere,
    })
  writeFileSync(brokenMark(ctx), `${new Date().toISOString()}\n`, { mode: 0o600 })
}

export async function routerRight(ctx: LabContext): Promise<CheckResult> {
  const v = ctx.vars
  const router = await owned(ctx, 'routers', v.router!)
  const subnet = await owned(ctx, 'subnets', `${v.network}-subnet`)
  if (!router || !subnet) return fail(`${!router ? v.router : `${v.network}-subnet`} is gone: reset the lab`)
  if (!(router as typeof router & { admin_state_up?: boolean }).admin_state_up) return fail(`${v.router} is administratively down`)
  if (router.external_gateway_info?.network_id !== (await externalNetworkId(ctx.checker)))
    return fail(`${v.router} has no way out: its external gateway is not on public`)
  const ports = await ctx.checker.network.ports({ device_id: router.id, device_owner: 'network:router_interface' })
  if (!ports.some((p) => p.fixed_ips.some((f) => f.subnet_id === subnet.id)))
    return fail(`${v.router} has no interface on ${v.network}-subnet`)
  return pass(`${v.router} joins ${v.network} to public`)
}

export async function fixRouter(ctx: LabContext): Promise<void> {
  const v = ctx.vars
  const me = await ctx.asStudent()
  const router = (await owned(ctx, 'routers', v.router!))!
  if (!(router as typeof router & { admin_state_up?: boolean }).admin_state_up)
    await me.session.request('network', 'PUT', `/v2.0/routers/${router.id}`, { body: { router: { admin_state_up: true } } })
  if (!router.external_gateway_info) await me.network.setRouterGateway(router.id, await externalNetworkId(me))
  const subnet = (await owned(ctx, 'subnets', `${v.network}-subnet`))!
  const ports = await me.network.ports({ device_id: router.id, device_owner: 'network:router_interface' })
  if (!ports.some((p) => p.fixed_ips.some((f) => f.subnet_id === subnet.id))) await me.network.addRouterInterface(router.id, subnet.id)
}

export async function addressRight(ctx: LabContext): Promise<CheckResult> {
  const v = ctx.vars
  const { result, server } = await serverState(ctx, v.server!, v.network!)
  if (!server) return result
  const [port] = await ctx.checker.network.ports({ device_id: server.id })
  if (!port) return fail(`${v.server} has no port`)
  const fips = await ctx.checker.network.floatingIps({ project_id: ctx.student.project.id })
  if (!fips.some((f) => f.port_id === port.id))
    return fail(
      fips.length ? `your floating IP points at nothing: ${v.server} has none` : `your project has no floating IP for ${v.server}`,
    )
  if (!(port as Port & { admin_state_up?: boolean }).admin_state_up) return fail(`the port of ${v.server} is administratively down`)
  return pass(`${v.server}'s port is up and has a floating IP`)
}

export async function fixAddress(ctx: LabContext): Promise<void> {
  const me = await ctx.asStudent()
  const port = await serverPort(ctx)
  if (!(port as Port & { admin_state_up?: boolean }).admin_state_up)
    await me.session.request('network', 'PUT', `/v2.0/ports/${port.id}`, { body: { port: { admin_state_up: true } } })
  const fips = await me.network.floatingIps({ project_id: ctx.student.project.id })
  if (fips.some((f) => f.port_id === port.id)) return
  const free = fips.find((f) => !f.port_id)
  if (free) await me.session.request('network', 'PUT', `/v2.0/floatingips/${free.id}`, { body: { floatingip: { port_id: port.id } } })
  else await me.network.createFloatingIp(await externalNetworkId(me), port.id)
}

export async function pingAnswers(ctx: LabContext): Promise<CheckResult> {
  const v = ctx.vars
  const { result, server } = await serverState(ctx, v.server!, v.network!)
  if (!server) return result
  const [port] = await ctx.checker.network.ports({ device_id: server.id })
  const [fip] = port ? await ctx.checker.network.floatingIps({ port_id: port.id }) : []
  if (!fip) return fail(`${v.server} has no floating IP`)
  if (await pingUntil(fip.floating_ip_address, 2_500)) return pass(`${fip.floating_ip_address} answers ping from outside the cloud`)
  const groups = (port as Port & { security_groups?: string[] }).security_groups ?? []
  const open = (await Promise.all(groups.map((g) => icmpRules(ctx, g))))
    .flat()
    .filter((r) => r.remote_ip_prefix === null || r.remote_ip_prefix === '0.0.0.0/0')
  if (!open.length) return fail(`${fip.floating_ip_address} does not answer: no rule of ${v.server}'s groups lets ping in from everywhere`)
  return notReady(`${fip.floating_ip_address} does not answer yet: the rule may take a few seconds`)
}

export async function fixRules(ctx: LabContext): Promise<void> {
  const group = await defaultGroupId(ctx)
  const me = await ctx.asStudent()
  const rules = await icmpRules(ctx, group)
  for (const r of rules.filter((x) => x.remote_ip_prefix === nowhere))
    await me.session.request('network', 'DELETE', `/v2.0/security-group-rules/${r.id}`, { allow: [404] })
  if (!rules.some((r) => r.remote_ip_prefix === null || r.remote_ip_prefix === '0.0.0.0/0'))
    await me.network.createSecurityGroupRule({ security_group_id: group, direction: 'ingress', protocol: 'icmp', ethertype: 'IPv4' })
}

/** The ingress ICMP rules of a group (protocol icmp, or any protocol), from addresses. */
async function icmpRules(ctx: LabContext, group: string): Promise<SecurityGroupRule[]> {
  const rules = await ctx.checker.network.securityGroupRules({ security_group_id: group, direction: 'ingress' })
  return rules.filter((r) => r.ethertype === 'IPv4' && !r.remote_group_id && (r.protocol === 'icmp' || r.protocol === null))
}

async function serverPort(ctx: LabContext): Promise<Port> {
  const { server } = await serverState(ctx, ctx.vars.server!, ctx.vars.network!)
  const [port] = server ? await ctx.checker.network.ports({ device_id: server.id }) : []
  if (!port) throw new Error(`${ctx.vars.server} has no port`)
  return port
}
