// SPDX-License-Identifier: Apache-2.0
// Checks and solves of the self-service networking lab. The last check pings the
// floating IP from the machine that runs Stackhouse: outside the cloud.
import {
  deleteLabResources,
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
} from '../../installer/labs/kit.ts'

export async function cleanUp(ctx: LabContext): Promise<void> {
  await deleteLabResources(ctx, `${ctx.vars.student}-netlab-`, { defaultGroup: true })
}

export async function subnetRight(ctx: LabContext): Promise<CheckResult> {
  const v = ctx.vars
  const net = await owned(ctx, 'networks', v.network!)
  if (!net) return fail(`your project has no network named ${v.network}`)
  const sub = (await ctx.checker.network.subnets({ project_id: ctx.student.project.id, network_id: net.id })).find(
    (s) => s.name === v.subnet,
  )
  if (!sub) return fail(`${v.network} has no subnet named ${v.subnet}`)
  if (sub.cidr !== v.cidr) return fail(`${v.subnet} is ${sub.cidr}, not ${v.cidr}`)
  const s = sub as typeof sub & { gateway_ip?: string | null; enable_dhcp?: boolean }
  if (s.gateway_ip !== v.gateway) return fail(`the gateway of ${v.subnet} is ${s.gateway_ip ?? 'none'}, not ${v.gateway}`)
  if (!s.enable_dhcp) return fail(`DHCP is off on ${v.subnet}: instances would get no address`)
  return pass(`${v.subnet} ${sub.cidr}`)
}

export async function createNetwork(ctx: LabContext): Promise<void> {
  const v = ctx.vars
  const n = (await ctx.asStudent()).network
  const net = (await n.networks({ name: v.network! }))[0] ?? (await n.createNetwork({ name: v.network }))
  if (!(await n.subnets({ name: v.subnet!, network_id: net.id })).length)
    await n.createSubnet({ name: v.subnet, network_id: net.id, ip_version: 4, cidr: v.cidr, gateway_ip: v.gateway, enable_dhcp: true })
}

export async function routerHasGateway(ctx: LabContext): Promise<CheckResult> {
  const v = ctx.vars
  const r = await owned(ctx, 'routers', v.router!)
  if (!r) return fail(`your project has no router named ${v.router}`)
  if (!r.external_gateway_info) return fail(`${v.router} has no external gateway`)
  if (r.external_gateway_info.network_id !== (await externalNetworkId(ctx.checker)))
    return fail(`the gateway of ${v.router} is not on public`)
  return pass(`${v.router} → public`)
}

export async function createRouter(ctx: LabContext): Promise<void> {
  const v = ctx.vars
  const me = await ctx.asStudent()
  const r = (await me.network.routers({ name: v.router! }))[0] ?? (await me.network.createRouter({ name: v.router }))
  if (!r.external_gateway_info) await me.network.setRouterGateway(r.id, await externalNetworkId(me))
}

export async function routerOnSubnet(ctx: LabContext): Promise<CheckResult> {
  const v = ctx.vars
  const [r, sub] = [await owned(ctx, 'routers', v.router!), await owned(ctx, 'subnets', v.subnet!)]
  if (!r || !sub) return fail(`your project has no ${!r ? `router named ${v.router}` : `subnet named ${v.subnet}`}`)
  const ports = await ctx.checker.network.ports({ device_id: r.id, device_owner: 'network:router_interface' })
  const on = ports.some((p) => (p as typeof p & { fixed_ips?: { subnet_id: string }[] }).fixed_ips?.some((f) => f.subnet_id === sub.id))
  return on ? pass(`${v.router} is on ${v.subnet}`) : fail(`${v.router} has no interface on ${v.subnet}`)
}

export async function addInterface(ctx: LabContext): Promise<void> {
  if ((await routerOnSubnet(ctx)).status === 'pass') return
  const v = ctx.vars
  const me = await ctx.asStudent()
  const [r] = await me.network.routers({ name: v.router! })
  const [sub] = await me.network.subnets({ name: v.subnet! })
  if (!r || !sub) throw new Error(`no ${!r ? v.router : v.subnet}`)
  await me.network.addRouterInterface(r.id, sub.id)
}

export async function serverOnNetwork(ctx: LabContext): Promise<CheckResult> {
  return (await serverState(ctx, ctx.vars.server!, ctx.vars.network!)).result
}

export async function launchServer(ctx: LabContext): Promise<void> {
  await launchTinyServer(ctx, { name: ctx.vars.server!, network: ctx.vars.network! })
}

export async function floatingIpAnswers(ctx: LabContext): Promise<CheckResult> {
  const v = ctx.vars
  const { result, server } = await serverState(ctx, v.server!, v.network!)
  if (!server) return result
  const ports = await ctx.checker.network.ports({ device_id: server.id })
  const fips = await ctx.checker.network.floatingIps({ project_id: ctx.student.project.id })
  const fip = fips.find((f) => ports.some((p) => p.id === f.port_id))
  if (!fip) return fail(`${v.server} has no floating IP`)
  // One or two pings, to keep the check quick; the learner presses Check again.
  if (await pingUntil(fip.floating_ip_address, 2_500)) return pass(`${fip.floating_ip_address} answers ping from outside the cloud`)
  const [group] = await ctx.checker.network.securityGroups({ project_id: ctx.student.project.id, name: 'default' })
  const rules = group ? await ctx.checker.network.securityGroupRules({ security_group_id: group.id, direction: 'ingress' }) : []
  const icmp = rules.some((r) => (r.protocol === 'icmp' || r.protocol === null) && !r.remote_group_id)
  if (!icmp) return fail(`${fip.floating_ip_address} does not answer: the default security group lets no ping in`)
  return notReady(`${fip.floating_ip_address} does not answer yet (is ${v.server} still booting?)`)
}

export async function addFloatingIp(ctx: LabContext): Promise<void> {
  const v = ctx.vars
  const me = await ctx.asStudent()
  const [server] = await me.compute.servers({ name: `^${v.server}$` })
  if (!server) throw new Error(`no instance named ${v.server}`)
  const [port] = await me.network.ports({ device_id: server.id })
  if (!port) throw new Error(`${v.server} has no port yet`)
  if (!(await me.network.floatingIps({ port_id: port.id })).length) await me.network.createFloatingIp(await externalNetworkId(me), port.id)
  const group = await defaultGroupId(ctx)
  const rules = await me.network.securityGroupRules({ security_group_id: group, direction: 'ingress', protocol: 'icmp' })
  if (!rules.some((r) => !r.remote_group_id))
    await me.network.createSecurityGroupRule({ security_group_id: group, direction: 'ingress', protocol: 'icmp', ethertype: 'IPv4' })
}
