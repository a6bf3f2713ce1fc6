// SPDX-License-Identifier: Apache-2.0
// On a cloud with several compute hosts: a second server, which the anti-affinity
// group puts on another compute host, is reached through its own floating IP, and
// the first server pings its fixed address over the tenant network. That traffic
// crosses between the compute hosts in the tenant network's tunnel (VXLAN), which
// nothing else in verify exercises.
import { demo, demoKeyPath } from '../postdeploy/names.ts'
import type { Check } from './check.ts'
import { hintFor, need, since, type VerifyContext } from './context.ts'
import { connectGuest } from './guest-ssh.ts'
import { apiHint, daemonLog } from './hints.ts'
import { pingUntil } from './ping.ts'
import { floatingIpFor } from './reach.ts'
import { bootServer, computeHosts } from './server.ts'
import { CheckFailure, type Hint } from './types.ts'

/** Where to look when the servers do not reach each other: the agents that carry the tunnel, on both hosts. */
const tunnelHint = (ctx: VerifyContext, from: string, to: string): Hint =>
  hintFor(
    ctx.model,
    ctx.model.backends.network === 'ovn' ? 'ovn-controller' : 'neutron-linuxbridge-agent',
    from,
    ctx.model.backends.network === 'ovn'
      ? daemonLog(ctx, 'ovn-controller')
      : `${daemonLog(ctx, 'neutron-linuxbridge-agent')} on ${from} and ${to}`,
    `the tenant network's tunnel between ${from} and ${to}: both hosts' tunnel addresses must reach each other (UDP 4789 for VXLAN), with an MTU that leaves room for its header`,
  )

export const crossHostCheck: Check = {
  id: 'server.cross-host',
  name: 'servers on two compute hosts reach each other',
  machinePackages: ['iputils-ping'],
  needs: ['server.ssh'],
  notApplicable: (ctx) => (computeHosts(ctx).length > 1 ? undefined : 'one compute host: no traffic between compute hosts to check'),
  async run(ctx) {
    const c = need(ctx.demo, 'the demo session')
    const first = need(ctx.server, 'the server')
    const firstAddress = need(ctx.floatingIp, 'the floating IP').address
    // GIVEN a second server in the first one's anti-affinity group
    const name = `stackhouse-verify-${ctx.run}-2`
    const second = await bootServer(ctx, c, name, ctx.serverGroup)
    if (!second.fixedIp) throw new CheckFailure(`${name} has no address on ${demo.network}`, apiHint(ctx.model, 'network'))
    if (first.host && second.host === first.host)
      throw new CheckFailure(
        `${name} runs on ${second.host}, like the first server, although their server group is anti-affinity`,
        hintFor(
          ctx.model,
          'nova-scheduler',
          'control',
          daemonLog(ctx, 'nova-scheduler'),
          'ServerGroupAntiAffinityFilter must be among [filter_scheduler] enabled_filters',
        ),
      )
    // WHEN it gets a floating IP THEN it answers ping from this machine
    const fip = await floatingIpFor(ctx, c, second.id)
    const start = Date.now()
    if ((await pingUntil(fip.floating_ip_address, ctx.reachTimeoutMs)) === undefined)
      throw new CheckFailure(
        `${fip.floating_ip_address} (→ ${second.fixedIp} on ${second.host ?? '?'}) does not answer ping after ${since(start)}`,
        hintFor(ctx.model, 'neutron-l3-agent', 'network', daemonLog(ctx, 'neutron-l3-agent')),
      )
    const floating = since(start)
    // AND the first server pings the second's fixed address over the tenant network (server.ssh found the key)
    const shell = await connectGuest(firstAddress, demoKeyPath(ctx.stateDir), 60_000)
    try {
      const across = Date.now()
      const deadline = across + 60_000
      for (;;) {
        const r = await shell.run(`ping -c 1 -W 2 ${second.fixedIp}`)
        if (r.code === 0) break
        if (Date.now() > deadline)
          throw new CheckFailure(
            `the server on ${first.host ?? '?'} (${first.fixedIp ?? '?'}) does not reach ${second.fixedIp} on ${second.host ?? '?'} over ${demo.network} after ${since(across)}`,
            tunnelHint(ctx, first.host ?? 'compute', second.host ?? 'compute'),
          )
        await new Promise((r) => setTimeout(r, 1000))
      }
      return `${name} on ${second.host ?? '?'} answers at ${fip.floating_ip_address} after ${floating}, and from the server on ${first.host ?? '?'} at ${second.fixedIp} over ${demo.network} in ${since(across)}`
    } finally {
      shell.close()
    }
  },
}
