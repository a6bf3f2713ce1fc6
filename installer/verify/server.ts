// SPDX-License-Identifier: Apache-2.0
// A server boots as the demo user (m1.tiny, stackhouse-tiny, demo-net, demo-key)
// to ACTIVE, and its hypervisor really runs it (Nova says ACTIVE for a domain
// libvirt paused on an emulation failure: only the power state tells).
import type { Cloud, Server } from '../openstack/index.ts'
import { demo, flavors, guestImageName } from '../postdeploy/names.ts'
import type { Check } from './check.ts'
import { hintFor, need, since, waitFor, type VerifyContext } from './context.ts'
import { daemonLog } from './hints.ts'
import { CheckFailure, type Hint } from './types.ts'

const postDeployFix = 'the post-deploy phase of "stackhouse deploy" makes it: re-run the deploy'
const powerStates: Record<number, string> = { 0: 'NOSTATE', 1: 'RUNNING', 3: 'PAUSED', 4: 'SHUTDOWN', 6: 'CRASHED', 7: 'SUSPENDED' }

/** The last lines of the server's console, for failure messages; '' when Nova cannot give them. */
export async function consoleTail(ctx: VerifyContext, lines = 15): Promise<string> {
  if (!ctx.server || !ctx.demo) return ''
  try {
    return (await ctx.demo.compute.consoleLog(ctx.server.id, lines)).trimEnd()
  } catch {
    return ''
  }
}

/** The admin's view of the server (host, libvirt name, power state); undefined without one. */
export async function adminView(ctx: VerifyContext, id: string): Promise<Server | undefined> {
  return ctx.admin?.compute.server(id).catch(() => undefined)
}

/** A failure when the hypervisor does not run an ACTIVE server, pointing at its QEMU log. */
export async function powerProblem(ctx: VerifyContext, id: string): Promise<CheckFailure | undefined> {
  const s = await adminView(ctx, id)
  const state = s?.['OS-EXT-STS:power_state']
  if (!s || state === undefined || state === 1) return undefined
  const domain = s['OS-EXT-SRV-ATTR:instance_name'] ?? 'instance-*'
  const hint: Hint = hintFor(
    ctx.model,
    'libvirtd / QEMU',
    s['OS-EXT-SRV-ATTR:host'] ?? 'compute',
    `/var/log/libvirt/qemu/${domain}.log (and virsh domstate --reason ${domain})`,
    'an "emulation failure" in that log means KVM cannot run guests on this host: set backends.virt_type: qemu in the inventory and re-deploy',
  )
  return new CheckFailure(
    `the server is ACTIVE but its domain ${domain} is ${powerStates[state] ?? `in power state ${state}`}, not RUNNING`,
    hint,
  )
}

/** Ids of what the server needs, found by name; fails naming what is missing. */
async function bootInputs(ctx: VerifyContext, c: Cloud): Promise<{ flavorRef: string; imageRef: string; network: string }> {
  const tiny = flavors[0].name
  const flavor = (await c.compute.flavors()).find((f) => f.name === tiny)
  const image = (await c.image.images({ name: guestImageName })).find((i) => i.status === 'active')
  const [network] = await c.network.networks({ name: demo.network })
  const key = await c.compute.keypair(demo.keypair)
  const missing = [
    !flavor && `flavor ${tiny}`,
    !image && `active image ${guestImageName}`,
    !network && `network ${demo.network}`,
    !key && `keypair ${demo.keypair}`,
  ].filter(Boolean)
  if (missing.length || !flavor || !image || !network)
    throw new CheckFailure(`missing: ${missing.join(', ')}`, hintFor(ctx.model, 'post-deploy', 'control', 'the deploy log', postDeployFix))
  return { flavorRef: flavor.id, imageRef: image.id, network: network.id }
}

/** Where a boot failure points: the scheduler when no host fits, else the compute host's nova-compute. */
async function bootFailure(ctx: VerifyContext, id: string, fault: string): Promise<CheckFailure> {
  const host = (await adminView(ctx, id))?.['OS-EXT-SRV-ATTR:host'] ?? 'compute'
  const hint = /no valid host/i.test(fault)
    ? hintFor(
        ctx.model,
        'nova-scheduler',
        'control',
        `${daemonLog(ctx, 'nova-scheduler')} and ${daemonLog(ctx, 'nova-conductor')}`,
        'placement has no compute node with room for m1.tiny (openstack resource provider list)',
      )
    : hintFor(ctx.model, 'nova-compute', host, `${daemonLog(ctx, 'nova-compute')} and /var/log/libvirt/qemu/`, ...configDriveFix(fault))
  return new CheckFailure(`server went to ERROR: ${fault}`, hint)
}

/** The config drive needs genisoimage on the compute host (the nova role installs it). */
function configDriveFix(fault: string): [string] | [] {
  return /genisoimage|config.?drive|mkisofs/i.test(fault)
    ? ['nova builds the config drive with genisoimage: re-run the deploy, which installs it on every compute host']
    : []
}

/** The compute hosts of the cloud, by name. */
export const computeHosts = (ctx: VerifyContext): string[] => ctx.model.groups.compute ?? []

/** A server that booted and runs: its id, fixed address and compute host. */
export interface Booted {
  id: string
  name: string
  fixedIp?: string
  host?: string
}

/**
 * Boots a server as the demo user (m1.tiny, the test image, demo-net, demo-key, a
 * config drive), waits for ACTIVE and checks its domain really runs. Recorded for
 * deletion at the end. `group`: a server group whose policy places it.
 */
export async function bootServer(ctx: VerifyContext, c: Cloud, name: string, group?: string): Promise<Booted & { seconds: string }> {
  const inputs = await bootInputs(ctx, c)
  const start = Date.now()
  // NOTE: with a config drive, as Tempest's scenario tests boot servers: nova must build the ISO.
  const { id } = await c.compute.createServer(
    {
      name,
      flavorRef: inputs.flavorRef,
      imageRef: inputs.imageRef,
      networks: [{ uuid: inputs.network }],
      key_name: demo.keypair,
      config_drive: true,
    },
    group ? { group } : {},
  )
  ctx.made(
    `server ${name} (${id})`,
    async () => {
      await c.compute.deleteServer(id)
      await waitFor(`server ${id} deleted`, 120_000, async () => ((await c.compute.server(id)) ? undefined : true))
    },
    { keepable: true },
  )
  const server = await waitFor(
    `server ${name} ACTIVE`,
    ctx.bootTimeoutMs,
    async () => {
      const s = await c.compute.server(id)
      if (s?.status === 'ERROR') throw await bootFailure(ctx, id, s.fault?.message ?? 'no fault recorded')
      return s?.status === 'ACTIVE' ? s : undefined
    },
    3000,
  )
  const seconds = since(start)
  const fixedIp = server.addresses?.[demo.network]?.[0]?.addr
  const host = (await adminView(ctx, id))?.['OS-EXT-SRV-ATTR:host']
  // A guest the CPU cannot run stops within a second of starting; look once more a moment later.
  await new Promise((r) => setTimeout(r, ctx.settleMs))
  const stopped = await powerProblem(ctx, id)
  if (stopped) throw stopped
  if (String(server.config_drive).toLowerCase() !== 'true')
    throw new CheckFailure(
      `${name} is ACTIVE but has no config drive (config_drive = ${JSON.stringify(server.config_drive ?? null)})`,
      hintFor(ctx.model, 'nova-compute', host ?? 'compute', daemonLog(ctx, 'nova-compute')),
    )
  return { id, name, seconds, ...(fixedIp ? { fixedIp } : {}), ...(host ? { host } : {}) }
}

export const bootCheck: Check = {
  id: 'server.boot',
  name: 'boot a server (ACTIVE)',
  needs: ['identity.demo'],
  hint: (ctx) => hintFor(ctx.model, 'nova-compute', 'compute', daemonLog(ctx, 'nova-compute')),
  async run(ctx) {
    const c = need(ctx.demo, 'the demo session')
    // With two compute hosts or more, in an anti-affinity group: the cross-host check's
    // server then has to land on another host.
    if (computeHosts(ctx).length > 1) {
      const group = await c.compute.createServerGroup(`stackhouse-verify-${ctx.run}`, 'anti-affinity')
      ctx.serverGroup = group.id
      ctx.made(`server group stackhouse-verify-${ctx.run}`, () => c.compute.deleteServerGroup(group.id), { last: true })
    }
    const name = `stackhouse-verify-${ctx.run}`
    const { seconds, ...server } = await bootServer(ctx, c, name, ctx.serverGroup)
    ctx.server = server
    return `${name} ACTIVE and running with a config drive after ${seconds}${server.host ? ` on ${server.host}` : ''}, ${server.fixedIp ?? 'no address'} on ${demo.network}`
  },
}
