// SPDX-License-Identifier: Apache-2.0
// Checks and solves of the first-instance lab. Checks read as the checker,
// filtered by the student's project; solves act as the student.
import {
  deleteLabResources,
  ensureLabNetwork,
  fail,
  keypairOf,
  launchTinyServer,
  notReady,
  novaCall,
  pass,
  serversNamed,
  serverState,
  type CheckResult,
  type LabContext,
  waitFor,
} from '../../installer/labs/kit.ts'

export async function prepareNetwork(ctx: LabContext): Promise<void> {
  await ensureLabNetwork(ctx)
}

export async function cleanUp(ctx: LabContext): Promise<void> {
  await deleteLabResources(ctx, `${ctx.vars.student}-first-`)
}

export async function keypairExists(ctx: LabContext): Promise<CheckResult> {
  const k = await keypairOf(ctx, ctx.vars.keypair!)
  return k ? pass(`key pair ${k.name} exists`) : fail(`you have no key pair named ${ctx.vars.keypair}`)
}

export async function createKeypair(ctx: LabContext): Promise<void> {
  if (await keypairOf(ctx, ctx.vars.keypair!)) return
  await novaCall(await ctx.asStudent(), 'POST', '/os-keypairs', { keypair: { name: ctx.vars.keypair } })
}

export async function serverRuns(ctx: LabContext): Promise<CheckResult> {
  const v = ctx.vars
  const { result, server } = await serverState(ctx, v.server!, v.network!)
  if (!server) return result
  const keyName = (server as typeof server & { key_name?: string | null }).key_name
  if (keyName !== v.keypair)
    return fail(`${v.server} was launched with ${keyName ? `key pair ${keyName}` : 'no key pair'}, not ${v.keypair}; launch it again`)
  return result
}

export async function launchServer(ctx: LabContext): Promise<void> {
  const v = ctx.vars
  await launchTinyServer(ctx, { name: v.server!, network: v.network!, keypair: v.keypair! })
}

/** The address the guest printed when it was ready, from the console log; undefined while it boots. */
async function consoleAddress(ctx: LabContext, serverId: string): Promise<string | undefined> {
  const log = await ctx.checker.compute.consoleLog(serverId)
  return /=== GUEST READY .*?ip=(\S+)/.exec(log)?.[1]
}

export async function addressRecorded(ctx: LabContext): Promise<CheckResult> {
  const v = ctx.vars
  const [s] = await serversNamed(ctx, v.server!)
  if (!s) return fail(`your project has no instance named ${v.server}`)
  const recorded = (s as typeof s & { metadata?: Record<string, string> }).metadata?.address
  if (!recorded) return fail(`${v.server} has no metadata property "address"`)
  const printed = await consoleAddress(ctx, s.id)
  if (!printed) return notReady(`${v.server} has not printed GUEST READY yet; its console log grows while it boots`)
  // The console prints address/prefix; either form is the answer.
  if (recorded.trim().split('/')[0] !== printed.split('/')[0])
    return fail(`the address recorded on ${v.server} is "${recorded}", not the one its console shows`)
  return pass(`${v.server} says ${printed}`)
}

export async function recordAddress(ctx: LabContext): Promise<void> {
  const v = ctx.vars
  const [s] = await serversNamed(ctx, v.server!)
  if (!s) throw new Error(`no instance named ${v.server}`)
  let printed: string | undefined
  // The solve waits for the guest: the address exists only once it has booted. Nova has
  // no console for an instance still building (404): run first (a solve may follow the launch at once).
  await waitFor(ctx, `${v.server} to run`, async () => {
    const r = await serverRuns(ctx)
    if (r.status === 'fail') throw new Error(r.message)
    return r.status === 'pass'
  })
  await waitFor(ctx, `${v.server} to print GUEST READY`, async () => !!(printed = await consoleAddress(ctx, s.id)), {
    minutes: 10,
    everyMs: 3000,
  })
  await novaCall(await ctx.asStudent(), 'PUT', `/servers/${s.id}/metadata/address`, { meta: { address: printed } })
}
