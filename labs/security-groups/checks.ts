// SPDX-License-Identifier: Apache-2.0
// Checks and solves of the security groups lab. The checks read the rules of every
// group on the instance's port, and probe port 22 of its floating IP from this
// machine: from the bastion address (must answer) and from a second address of
// this machine (must not), whose path is proven by a ping first.
import { existsSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import {
  deleteLabResources,
  ensureLabNetwork,
  externalNetworkId,
  fail,
  launchTinyServer,
  notReady,
  pass,
  secondSource,
  serverState,
  serversNamed,
  tcpAnswers,
  waitFor,
  type CheckResult,
  type LabContext,
  defaultGroupId,
} from '../../installer/labs/kit.ts'
import type { SecurityGroupRule } from '../../installer/openstack/network.ts'

/** The hole is made once: a check of step 2 run again after the student closed it must not open it again. */
const holeMark = (ctx: LabContext) => join(ctx.dir, 'hole-opened')

export async function cleanUp(ctx: LabContext): Promise<void> {
  // The default group's ingress rules (the ping the setup let in, the hole) go too.
  await deleteLabResources(ctx, `${ctx.vars.student}-sg-`, { defaultGroup: true })
  rmSync(holeMark(ctx), { force: true })
}

/** As the student: the network, the instance with a floating IP, and ping let in through the default group. */
export async function prepareServer(ctx: LabContext): Promise<void> {
  const v = ctx.vars
  await ensureLabNetwork(ctx)
  await launchTinyServer(ctx, { name: v.server!, network: v.network! })
  const me = await ctx.asStudent()
  const [server] = await serversNamed(ctx, v.server!)
  let port: { id: string } | undefined
  await waitFor(ctx, `a port for ${v.server}`, async () => !!(port = (await me.network.ports({ device_id: server!.id }))[0]))
  if (!(await me.network.floatingIps({ port_id: port!.id })).length)
    await me.network.createFloatingIp(await externalNetworkId(me), port!.id)
  const group = await defaultGroupId(ctx)
  const rules = await me.network.securityGroupRules({ security_group_id: group, direction: 'ingress', protocol: 'icmp' })
  if (!rules.some((r) => !r.remote_group_id))
    await me.network.createSecurityGroupRule({ security_group_id: group, direction: 'ingress', protocol: 'icmp', ethertype: 'IPv4' })
}

export async function groupExists(ctx: LabContext): Promise<CheckResult> {
  const group = await studentGroup(ctx)
  return group ? pass(`${ctx.vars.group} exists`) : fail(`your project has no security group named ${ctx.vars.group}`)
}

export async function createGroup(ctx: LabContext): Promise<void> {
  if (await studentGroup(ctx)) return
  await (
    await ctx.asStudent()
  ).session.request('network', 'POST', '/v2.0/security-groups', {
    body: { security_group: { name: ctx.vars.group, description: 'SSH from the bastion' } },
  })
}

export async function sshFromBastion(ctx: LabContext): Promise<CheckResult> {
  const v = ctx.vars
  const group = await studentGroup(ctx)
  if (!group) return fail(`your project has no security group named ${v.group}`)
  const ssh = (await ctx.checker.network.securityGroupRules({ security_group_id: group.id, direction: 'ingress' })).filter(letsSshIn)
  const wide = ssh.find((r) => r.remote_ip_prefix !== `${v.bastion}/32`)
  if (wide) return fail(`${v.group} lets port 22 in from ${describeSource(wide)}: only ${v.bastion}/32 should be`)
  if (!ssh.length) return fail(`${v.group} has no rule for TCP port 22 from ${v.bastion}/32`)
  const at = await instance(ctx)
  if ('result' in at) return at.result
  if (!at.groups.includes(group.id)) return fail(`${v.server} is not in ${v.group}`)
  if (await tcpAnswers(at.address, 22, v.bastion)) return pass(`port 22 of ${at.address} answers from ${v.bastion}`)
  return notReady(`port 22 of ${at.address} does not answer yet (is ${v.server} still booting?)`)
}

export async function allowSshFromBastion(ctx: LabContext): Promise<void> {
  const v = ctx.vars
  await createGroup(ctx)
  const me = await ctx.asStudent()
  const group = (await studentGroup(ctx))!
  const rules = (await me.network.securityGroupRules({ security_group_id: group.id, direction: 'ingress' })).filter(letsSshIn)
  if (!rules.some((r) => r.remote_ip_prefix === `${v.bastion}/32`))
    await me.network.createSecurityGroupRule({
      security_group_id: group.id,
      direction: 'ingress',
      ethertype: 'IPv4',
      protocol: 'tcp',
      port_range_min: 22,
      port_range_max: 22,
      remote_ip_prefix: `${v.bastion}/32`,
    })
  const at = await readyInstance(ctx)
  if (!at.groups.includes(group.id))
    await me.session.request('network', 'PUT', `/v2.0/ports/${at.port}`, { body: { port: { security_groups: [...at.groups, group.id] } } })
}

/** Step 3's setup, as the student's careless colleague: SSH from anywhere, in the default group. Once. */
export async function openHole(ctx: LabContext): Promise<void> {
  if (existsSync(holeMark(ctx))) return
  const me = await ctx.asStudent()
  await me.network.createSecurityGroupRule({
    security_group_id: await defaultGroupId(ctx),
    direction: 'ingress',
    ethertype: 'IPv4',
    protocol: 'tcp',
    port_range_min: 22,
    port_range_max: 22,
    remote_ip_prefix: '0.0.0.0/0',
  })
  writeFileSync(holeMark(ctx), `${new Date().toISOString()}\n`, { mode: 0o600 })
}

export async function sshClosedToOthers(ctx: LabContext): Promise<CheckResult> {
  const v = ctx.vars
  const at = await instance(ctx)
  if ('result' in at) return at.result
  const open = await rulesOpenToOthers(ctx, at.groups)
  // The probe first: it is what an attacker would see.
  const other = await secondSource(at.address, v.bastion!)
  if (other && (await tcpAnswers(at.address, 22, other)))
    return fail(`port 22 of ${at.address} answers from ${other}${open ? `: ${open}` : ''}`)
  if (open) return fail(`port 22 is open to more than the bastion: ${open}`)
  if (!(await tcpAnswers(at.address, 22, v.bastion)))
    return fail(`port 22 of ${at.address} no longer answers from ${v.bastion}: keep ${v.group}'s rule`)
  return pass(
    other
      ? `port 22 answers from ${v.bastion} and not from ${other}`
      : `port 22 answers from ${v.bastion}; the rules let in no one else (this machine has no second address to probe from)`,
  )
}

export async function closeHole(ctx: LabContext): Promise<void> {
  const at = await readyInstance(ctx)
  const me = await ctx.asStudent()
  for (const group of at.groups)
    for (const r of (await me.network.securityGroupRules({ security_group_id: group, direction: 'ingress' })).filter(letsSshIn))
      if (r.remote_ip_prefix !== `${ctx.vars.bastion}/32`)
        await me.session.request('network', 'DELETE', `/v2.0/security-group-rules/${r.id}`, { allow: [404] })
}

/** Whether an ingress rule lets TCP port 22 in from addresses (a rule naming a group is about members, not addresses). */
function letsSshIn(r: SecurityGroupRule): boolean {
  if (r.direction !== 'ingress' || r.ethertype !== 'IPv4' || r.remote_group_id) return false
  if (r.protocol !== null && r.protocol !== 'tcp' && r.protocol !== '6') return false
  return (r.port_range_min ?? 0) <= 22 && (r.port_range_max ?? 65535) >= 22
}

function describeSource(r: SecurityGroupRule): string {
  return r.remote_ip_prefix ?? 'anywhere'
}

/** The rules on the instance's groups that let port 22 in from more than the bastion, described; '' when none. */
async function rulesOpenToOthers(ctx: LabContext, groups: string[]): Promise<string> {
  const found: string[] = []
  for (const id of groups) {
    const [g] = await ctx.checker.network.securityGroups({ id, project_id: ctx.student.project.id })
    for (const r of (await ctx.checker.network.securityGroupRules({ security_group_id: id, direction: 'ingress' })).filter(letsSshIn))
      if (r.remote_ip_prefix !== `${ctx.vars.bastion}/32`) found.push(`group ${g?.name ?? id} allows it from ${describeSource(r)}`)
  }
  return found.join('; ')
}

async function studentGroup(ctx: LabContext): Promise<{ id: string } | undefined> {
  return (await ctx.checker.network.securityGroups({ project_id: ctx.student.project.id, name: ctx.vars.group! }))[0]
}

/** For solves: the instance once it runs (a solve right after the lab's start waits for the boot). */
async function readyInstance(ctx: LabContext): Promise<{ port: string; groups: string[]; address: string }> {
  let at = await instance(ctx)
  await waitFor(ctx, `${ctx.vars.server} to run`, async () => {
    at = await instance(ctx)
    if ('result' in at && at.result.status === 'fail') throw new Error(at.result.message)
    return !('result' in at)
  })
  return at as { port: string; groups: string[]; address: string }
}

/** The running instance's port, its groups and its floating IP; or the check's result when it is not there yet. */
async function instance(ctx: LabContext): Promise<{ port: string; groups: string[]; address: string } | { result: CheckResult }> {
  const v = ctx.vars
  const { result, server } = await serverState(ctx, v.server!, v.network!)
  if (!server) return { result }
  const [port] = await ctx.checker.network.ports({ device_id: server.id })
  const [fip] = port ? await ctx.checker.network.floatingIps({ port_id: port.id }) : []
  if (!port || !fip) return { result: fail(`${v.server} has no floating IP: reset the lab to get it back`) }
  const groups = (port as typeof port & { security_groups?: string[] }).security_groups ?? []
  return { port: port.id, groups, address: fip.floating_ip_address }
}
