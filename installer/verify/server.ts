// SPDX-License-Identifier: Apache-2.0
// A server boots as the demo user (m1.tiny, stackhouse-tiny, demo-net, demo-key)
// to ACTIVE, gets a floating IP from `public`, answers ping from this machine and
// lets root in over SSH with the demo key.
import type { Cloud } from '../openstack/index.ts'
import { demo, demoKeyPath, flavors, guestImageName, publicNet } from '../postdeploy/names.ts'
import { pingUntil } from './_ping.ts'
import type { Check } from './check.ts'
import { hintFor, need, since, waitFor, type VerifyContext } from './context.ts'
import { connectGuest } from './guest-ssh.ts'
import { apiHint } from './hints.ts'
import { CheckFailure } from './types.ts'

const postDeployFix = 'the post-deploy phase of "stackhouse deploy" makes it: re-run the deploy'

/** The last lines of the server's console, for failure messages; '' when Nova cannot give them. */
export async function consoleTail(ctx: VerifyContext, lines = 15): Promise<string> {
  if (!ctx.server || !ctx.demo) return ''
  try {
    return (await ctx.demo.compute.consoleLog(ctx.server.id, lines)).trimEnd()
  } catch {
    return ''
  }
}

/** Ids of what the server needs, found by name; fails naming what is missing. */
async function bootInputs(ctx: VerifyContext, c: Cloud): Promise<{ flavorRef: string; imageRef: string; network: string }> {
  const tiny = flavors[0].name
  const flavor = (await c.compute.flavors()).find((f) => f.name === tiny)
  const image = (await c.image.images({ name: guestImageName })).find((i) => i.status === 'active')
  const [network] = await c.network.networks({ name: demo.network })
  const key = await c.compute.keypair(demo.keypair)
  const missing = [!flavor && `flavor ${tiny}`, !image && `active image ${guestImageName}`, !network && `network ${demo.network}`, !key && `keypair ${demo.keypair}`].filter(Boolean)
  if (missing.length || !flavor || !image || !network) throw new CheckFailure(`missing: ${missing.join(', ')}`, hintFor(ctx.model, 'post-deploy', 'control', 'the deploy log', postDeployFix))
  return { flavorRef: flavor.id, imageRef: image.id, network: network.id }
}

/** Where a boot failure points: the scheduler when no host fits, else the compute host's nova-compute. */
async function bootFailure(ctx: VerifyContext, id: string, fault: string): Promise<CheckFailure> {
  const host = (await ctx.admin?.compute.server(id).catch(() => undefined))?.['OS-EXT-SRV-ATTR:host'] ?? 'compute'
  const hint = /no valid host/i.test(fault)
    ? hintFor(ctx.model, 'nova-scheduler', 'control', '/var/log/nova/nova-scheduler.log and /var/log/nova/nova-conductor.log', 'placement has no compute node with room for m1.tiny (openstack resource provider list)')
    : hintFor(ctx.model, 'nova-compute', host, '/var/log/nova/nova-compute.log and /var/log/libvirt/qemu/')
  return new CheckFailure(`server went to ERROR: ${fault}`, hint)
}

export const bootCheck: Check = {
  id: 'server.boot',
  name: 'boot a server (ACTIVE)',
  needs: ['identity.demo'],
  hint: (ctx) => hintFor(ctx.model, 'nova-compute', 'compute', '/var/log/nova/nova-compute.log'),
  async run(ctx) {
    const c = need(ctx.demo, 'the demo session')
    const inputs = await bootInputs(ctx, c)
    const name = `stackhouse-verify-${ctx.run}`
    const start = Date.now()
    const { id } = await c.compute.createServer({ name, flavorRef: inputs.flavorRef, imageRef: inputs.imageRef, networks: [{ uuid: inputs.network }], key_name: demo.keypair })
    ctx.server = { id, name }
    ctx.made(`server ${name} (${id})`, async () => {
      await c.compute.deleteServer(id)
      await waitFor(`server ${id} deleted`, 120_000, async () => ((await c.compute.server(id)) ? undefined : true))
    }, true)
    const server = await waitFor(`server ${name} ACTIVE`, ctx.bootTimeoutMs, async () => {
      const s = await c.compute.server(id)
      if (s?.status === 'ERROR') throw await bootFailure(ctx, id, s.fault?.message ?? 'no fault recorded')
      return s?.status === 'ACTIVE' ? s : undefined
    }, 3000)
    const fixedIp = server.addresses?.[demo.network]?.[0]?.addr
    const host = (await ctx.admin?.compute.server(id).catch(() => undefined))?.['OS-EXT-SRV-ATTR:host']
    ctx.server = { id, name, ...(fixedIp ? { fixedIp } : {}), ...(host ? { host } : {}) }
    return `${name} ACTIVE after ${since(start)}${host ? ` on ${host}` : ''}, ${fixedIp ?? 'no address'} on ${demo.network}`
  },
}

/** Why the guest cannot be reached, from what it printed on its console. */
function diagnose(ctx: VerifyContext, console: string): CheckFailure['hint'] {
  const compute = ctx.server?.host ?? 'compute'
  if (!/=== GUEST READY/.test(console)) return hintFor(ctx.model, 'nova-compute', compute, '/var/log/nova/nova-compute.log and the console log', 'the guest has not finished booting (openstack console log show)')
  if (/ip=none/.test(console)) return hintFor(ctx.model, 'neutron-dhcp-agent', 'network', '/var/log/neutron/neutron-dhcp-agent.log', 'the guest got no DHCP lease: is the DHCP agent alive and the VXLAN/bridge path up?')
  if (/key=none/.test(console)) return hintFor(ctx.model, 'neutron-metadata-agent', 'network', '/var/log/neutron/neutron-metadata-agent.log and /var/log/nova/nova-api-metadata.log', 'the guest could not read its SSH key from the metadata service')
  return hintFor(ctx.model, 'neutron-l3-agent', 'network', '/var/log/neutron/neutron-l3-agent.log and /var/log/neutron/neutron-linuxbridge-agent.log', 'check the floating IP NAT in the qrouter namespace and the default security group')
}

export const floatingIpCheck: Check = {
  id: 'server.ping',
  name: 'floating IP answers ping',
  needs: ['server.boot'],
  notApplicable: (ctx) => (ctx.model.networks.provider ? undefined : 'no provider network in the inventory: no floating IPs'),
  async run(ctx) {
    const c = need(ctx.demo, 'the demo session')
    const server = need(ctx.server, 'the server')
    const [pub] = await c.network.networks({ name: publicNet.network })
    const [port] = await c.network.ports({ device_id: server.id })
    if (!pub || !port) throw new CheckFailure(pub ? `server ${server.id} has no port` : `no network ${publicNet.network}`, apiHint(ctx.model, 'network'))
    const fip = await c.network.createFloatingIp(pub.id, port.id)
    ctx.floatingIp = { id: fip.id, address: fip.floating_ip_address }
    ctx.made(`floating IP ${fip.floating_ip_address}`, () => c.network.deleteFloatingIp(fip.id), true)
    const start = Date.now()
    // The guest may still be booting under QEMU TCG: give it time to take its DHCP lease.
    const tries = await pingUntil(fip.floating_ip_address, 180_000)
    if (tries === undefined) {
      const console = await consoleTail(ctx)
      throw new CheckFailure(`${fip.floating_ip_address} (→ ${server.fixedIp ?? '?'}) does not answer ping after ${since(start)}${console ? `; console:\n${console}` : ''}`, diagnose(ctx, console))
    }
    return `${fip.floating_ip_address} → ${server.fixedIp ?? '?'} answers after ${since(start)} (${tries} pings)`
  },
}

export const sshCheck: Check = {
  id: 'server.ssh',
  name: 'SSH into the server',
  needs: ['server.ping'],
  async run(ctx) {
    const address = need(ctx.floatingIp, 'the floating IP').address
    const start = Date.now()
    let shell
    try {
      shell = await connectGuest(address, demoKeyPath(ctx.stateDir), 120_000)
    } catch (e) {
      const console = await consoleTail(ctx)
      throw new CheckFailure(`${(e as Error).message}${console ? `; console:\n${console}` : ''}`, diagnose(ctx, console), { cause: e })
    }
    try {
      const printed = /ssh host key: (SHA256:\S+)/.exec(await consoleTail(ctx, 200))?.[1]
      if (printed && printed !== shell.hostKey) throw new CheckFailure(`${address} offered host key ${shell.hostKey}, but the guest printed ${printed} on its console: another machine answers on that address`)
      const r = await shell.run('uname -a')
      if (r.code !== 0) throw new CheckFailure(`uname -a exited ${r.code}: ${r.stderr.trim()}`)
      ctx.sshReady = true
      return `root@${address} in ${since(start)}, host key ${printed ? 'matches the console' : shell.hostKey}: ${r.stdout.trim()}`
    } finally {
      shell.close()
    }
  },
}
