// SPDX-License-Identifier: Apache-2.0
// The test server gets a floating IP from `public`, answers ping from this
// machine, and lets root in over SSH with the demo key. When it does not, the
// guest's console (read through Nova) says how far it got, which names the culprit.
import { existsSync } from 'node:fs'
import { demoKeyPath, publicNet } from '../postdeploy/names.ts'
import type { Cloud, FloatingIp } from '../openstack/index.ts'
import { pingUntil } from './ping.ts'
import type { Check } from './check.ts'
import { hintFor, need, since, type VerifyContext } from './context.ts'
import { connectGuest } from './guest-ssh.ts'
import { apiHint, daemonLog } from './hints.ts'
import { consoleTail, powerProblem } from './server.ts'
import { CheckFailure, type Hint } from './types.ts'

/** Why the guest cannot be reached: its domain is not running, or its console says how far it got. */
async function diagnose(ctx: VerifyContext, what: string, cause?: unknown): Promise<CheckFailure> {
  const stopped = ctx.server && (await powerProblem(ctx, ctx.server.id))
  if (stopped) return new CheckFailure(`${what}: ${stopped.message}`, stopped.hint, { cause })
  const console = await consoleTail(ctx)
  const compute = ctx.server?.host ?? 'compute'
  const ovn = ctx.model.backends.network === 'ovn'
  let hint: Hint
  if (!console)
    hint = hintFor(
      ctx.model,
      'nova-compute',
      compute,
      `${daemonLog(ctx, 'nova-compute')} and /var/log/libvirt/qemu/`,
      'the guest printed nothing on its serial console: did it start at all?',
    )
  else if (!/=== GUEST READY/.test(console))
    hint = hintFor(
      ctx.model,
      'nova-compute',
      compute,
      `${daemonLog(ctx, 'nova-compute')} and the console log`,
      'the guest has not finished booting (openstack console log show)',
    )
  else if (/ip=none/.test(console))
    // With OVN, ovn-controller on the server's own host answers DHCP, and the OVN metadata agent there serves metadata.
    hint = ovn
      ? hintFor(
          ctx.model,
          'ovn-controller',
          compute,
          `${daemonLog(ctx, 'ovn-controller')} and /var/log/openvswitch/ovs-vswitchd.log`,
          "the guest got no DHCP lease: is its port up in OVN (ovn-sbctl show), and its tap up (ip link; 'Network is down' in ovs-vswitchd.log)?",
        )
      : hintFor(
          ctx.model,
          'neutron-dhcp-agent',
          'network',
          daemonLog(ctx, 'neutron-dhcp-agent'),
          'the guest got no DHCP lease: is the DHCP agent alive and the VXLAN/bridge path up?',
        )
  else if (/key=none/.test(console))
    hint = hintFor(
      ctx.model,
      ovn ? 'neutron-ovn-metadata-agent' : 'neutron-metadata-agent',
      ovn ? compute : 'network',
      `${daemonLog(ctx, ovn ? 'neutron-ovn-metadata-agent' : 'neutron-metadata-agent')} and /var/log/nova/nova-api-metadata.log`,
      'the guest could not read its SSH key from the metadata service',
    )
  else
    hint = hintFor(
      ctx.model,
      'neutron-l3-agent',
      'network',
      `${daemonLog(ctx, 'neutron-l3-agent')} and ${daemonLog(ctx, 'neutron-linuxbridge-agent')}`,
      'check the floating IP NAT in the qrouter namespace and the default security group',
    )
  return new CheckFailure(`${what}${console ? `; the console ends with:\n${console}` : '; the console is empty'}`, hint, { cause })
}

/** A floating IP from `public` on the server's port, deleted at the end (kept with --keep). */
export async function floatingIpFor(ctx: VerifyContext, c: Cloud, serverId: string): Promise<FloatingIp> {
  const [pub] = await c.network.networks({ name: publicNet.network })
  const [port] = await c.network.ports({ device_id: serverId })
  if (!pub || !port)
    throw new CheckFailure(pub ? `server ${serverId} has no port` : `no network ${publicNet.network}`, apiHint(ctx.model, 'network'))
  const fip = await c.network.createFloatingIp(pub.id, port.id)
  ctx.made(`floating IP ${fip.floating_ip_address}`, () => c.network.deleteFloatingIp(fip.id), { keepable: true })
  return fip
}

export const floatingIpCheck: Check = {
  id: 'server.ping',
  // NOTE: ping has the raw-socket rights Node lacks (file capabilities).
  machinePackages: ['iputils-ping'],
  name: 'floating IP answers ping',
  needs: ['server.boot'],
  notApplicable: (ctx) => (ctx.model.networks.provider ? undefined : 'no provider network in the inventory: no floating IPs'),
  async run(ctx) {
    const c = need(ctx.demo, 'the demo session')
    const server = need(ctx.server, 'the server')
    const fip = await floatingIpFor(ctx, c, server.id)
    ctx.floatingIp = { id: fip.id, address: fip.floating_ip_address }
    const start = Date.now()
    // The guest may still be booting under QEMU TCG: give it time to take its DHCP lease.
    const tries = await pingUntil(fip.floating_ip_address, ctx.reachTimeoutMs)
    if (tries === undefined)
      throw await diagnose(ctx, `${fip.floating_ip_address} (→ ${server.fixedIp ?? '?'}) does not answer ping after ${since(start)}`)
    return `${fip.floating_ip_address} → ${server.fixedIp ?? '?'} answers after ${since(start)} (${tries} pings)`
  },
}

export const sshCheck: Check = {
  id: 'server.ssh',
  name: 'SSH into the server',
  needs: ['server.ping'],
  async run(ctx) {
    const address = need(ctx.floatingIp, 'the floating IP').address
    const key = demoKeyPath(ctx.stateDir)
    if (!existsSync(key))
      throw new CheckFailure(
        `the demo key ${key} does not exist`,
        hintFor(
          ctx.model,
          'post-deploy',
          'control',
          'the deploy log',
          'the post-deploy phase of "stackhouse deploy" makes it (run verify with the same inventory and state folder)',
        ),
      )
    const start = Date.now()
    const shell = await connectGuest(address, key, 120_000).catch(async (e: unknown) => {
      throw await diagnose(ctx, (e as Error).message, e)
    })
    try {
      const printed = /ssh host key: (SHA256:\S+)/.exec(await consoleTail(ctx, 200))?.[1]
      if (printed && printed !== shell.hostKey)
        throw new CheckFailure(
          `${address} offered host key ${shell.hostKey}, but the guest printed ${printed} on its console: another machine answers on that address`,
        )
      const r = await shell.run('uname -a')
      if (r.code !== 0) throw new CheckFailure(`uname -a exited ${r.code}: ${r.stderr.trim()}`)
      ctx.sshReady = true
      return `root@${address} in ${since(start)}, host key ${printed ? 'matches the console' : shell.hostKey}: ${r.stdout.trim()}`
    } finally {
      shell.close()
    }
  },
}
