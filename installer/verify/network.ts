// SPDX-License-Identifier: Apache-2.0
// The demo router: its gateway is on the external network `public`, it is
// ACTIVE, and (where the provider network reaches this machine) its gateway
// address answers ping, which proves the L3 agent and the provider bridge.
import { demo, publicNet } from '../postdeploy/names.ts'
import { pingUntil } from './ping.ts'
import type { Check } from './check.ts'
import { hintFor, need } from './context.ts'
import { apiHint, daemonLog } from './hints.ts'
import { CheckFailure } from './types.ts'

const postDeployFix = 'the post-deploy phase of "stackhouse deploy" makes it: re-run the deploy'

export const routerCheck: Check = {
  id: 'network.router',
  // NOTE: ping has the raw-socket rights Node lacks (file capabilities).
  machinePackages: ['iputils-ping'],
  name: 'network and router',
  needs: ['identity.demo'],
  hint: (ctx) => hintFor(ctx.model, 'neutron-l3-agent', 'network', daemonLog(ctx, 'neutron-l3-agent')),
  async run(ctx) {
    const { network: net } = need(ctx.demo, 'the demo session')
    const [router] = await net.routers({ name: demo.router })
    const [network] = await net.networks({ name: demo.network })
    if (!router || !network)
      throw new CheckFailure(
        `project ${demo.project} has no ${router ? demo.network : demo.router}`,
        apiHint(ctx.model, 'network', postDeployFix),
      )
    if (!ctx.model.networks.provider) return `${demo.router} ${router.status}; no provider network in the inventory, so no gateway`
    const [pub] = await need(ctx.admin, 'the admin session').network.networks({ name: publicNet.network })
    const gw = router.external_gateway_info
    if (!pub || gw?.network_id !== pub.id) {
      throw new CheckFailure(
        `${demo.router} has ${gw ? `its gateway on network ${gw.network_id}` : 'no gateway'}, not on ${publicNet.network}${pub ? ` (${pub.id})` : ' (which does not exist)'}`,
        apiHint(ctx.model, 'network', postDeployFix),
      )
    }
    if (router.status !== 'ACTIVE') throw new CheckFailure(`${demo.router} is ${router.status}, not ACTIVE`)
    const address = gw.external_fixed_ips?.[0]?.ip_address
    if (!address) throw new CheckFailure(`${demo.router}'s gateway has no address on ${publicNet.network}`)
    const tries = await pingUntil(address, 30_000)
    if (tries === undefined) {
      throw new CheckFailure(
        `${demo.router}'s gateway ${address} does not answer ping from this machine`,
        hintFor(
          ctx.model,
          'neutron-l3-agent',
          'network',
          `${daemonLog(ctx, 'neutron-l3-agent')} and ${daemonLog(ctx, 'neutron-linuxbridge-agent')}`,
          `the router's qg- port must be on the bridge of physnet ${ctx.model.networks.provider.physnet} (ip netns exec qrouter-${router.id} ip addr)`,
        ),
      )
    }
    return `${demo.router} ACTIVE, gateway ${address} on ${publicNet.network} answers ping`
  },
}
