// SPDX-License-Identifier: Apache-2.0
// The networks of every Stackhouse cloud: the external provider network `public`
// (admin's, flat on the provider physnet) and the demo project's own network,
// subnet and router with its gateway on `public`, as Kolla's init-runonce makes them.
import type { Model, ProviderNetwork } from '../model/types.ts'
import type { NetworkApi, Network } from '../openstack/network.ts'
import { changed, ok, type Task } from '../tasks/types.ts'
import type { Clients } from './_clients.ts'
import { demo, publicNet } from './names.ts'

/** The network of that name the caller sees, owned by `projectId` when given. */
async function networkNamed(net: NetworkApi, name: string, projectId?: string): Promise<Network | undefined> {
  return (await net.networks({ name, ...(projectId ? { project_id: projectId } : {}) }))[0]
}

export function publicNetworkTask(clients: Clients, provider: ProviderNetwork): Task {
  return {
    id: 'post-deploy.public-network',
    title: `external network ${publicNet.network} (flat on ${provider.physnet}, ${provider.cidr})`,
    async apply(ctx) {
      const { network: net, session } = await clients.admin()
      const done: string[] = []
      let pub = await networkNamed(net, publicNet.network, session.keystone.projectId)
      if (!pub) {
        done.push(`network ${publicNet.network}`)
        if (!ctx.check) {
          pub = await net.createNetwork({
            name: publicNet.network,
            'router:external': true,
            shared: false,
            'provider:network_type': 'flat',
            'provider:physical_network': provider.physnet,
          })
        }
      } else if (!pub['router:external']) {
        ctx.log(`network ${publicNet.network} exists but is not router:external; routers cannot use it as their gateway`)
      }
      const subnet = pub && (await net.subnets({ name: publicNet.subnet, network_id: pub.id }))[0]
      if (!subnet) {
        done.push(`subnet ${publicNet.subnet}`)
        if (!ctx.check && pub) {
          await net.createSubnet({
            name: publicNet.subnet,
            network_id: pub.id,
            ip_version: 4,
            cidr: provider.cidr,
            gateway_ip: provider.gateway,
            enable_dhcp: false,
            allocation_pools: [provider.allocation],
          })
        }
      } else if (!samePools(subnet.allocation_pools, [provider.allocation])) {
        // The floating range changed in the inventory (the appliance's reconfigure does it): addresses in use keep working.
        done.push(`subnet ${publicNet.subnet} floating range ${provider.allocation.start}-${provider.allocation.end}`)
        if (!ctx.check) await net.updateSubnet(subnet.id, { allocation_pools: [provider.allocation] })
      }
      return done.length ? changed(done.join(', ')) : ok
    },
  }
}

const samePools = (a: readonly { start: string; end: string }[], b: readonly { start: string; end: string }[]) =>
  a.length === b.length && a.every((p, i) => p.start === b[i]!.start && p.end === b[i]!.end)

export function demoNetworkTask(clients: Clients, model: Model): Task {
  return {
    id: 'post-deploy.demo-network',
    title: `${demo.network} (${demo.cidr}) and ${demo.router} in project ${demo.project}`,
    async apply(ctx) {
      const cloud = await clients.demo(ctx.check)
      if (!cloud) return changed(`network ${demo.network}, subnet ${demo.subnet}, router ${demo.router} (the demo user does not exist yet)`)
      const net = cloud.network
      const project = cloud.session.keystone.projectId
      const done: string[] = []
      const network = await ensureDemoNetwork(net, project, model.networks.provider?.dns ?? [], ctx.check, done)
      const external = model.networks.provider ? await networkNamed((await clients.admin()).network, publicNet.network) : undefined
      await ensureRouter(net, project, network?.subnet, external?.id, ctx.check, done)
      return done.length ? changed(done.join(', ')) : ok
    },
  }
}

async function ensureDemoNetwork(
  net: NetworkApi,
  project: string,
  dns: string[],
  check: boolean,
  done: string[],
): Promise<{ subnet?: string } | undefined> {
  let network = await networkNamed(net, demo.network, project)
  if (!network) {
    done.push(`network ${demo.network}`)
    if (check) return undefined
    network = await net.createNetwork({ name: demo.network })
  }
  let subnet = (await net.subnets({ name: demo.subnet, network_id: network.id }))[0]
  if (!subnet) {
    done.push(`subnet ${demo.subnet}`)
    if (check) return {}
    subnet = await net.createSubnet({ name: demo.subnet, network_id: network.id, ip_version: 4, cidr: demo.cidr, dns_nameservers: dns })
  }
  return { subnet: subnet.id }
}

async function ensureRouter(
  net: NetworkApi,
  project: string,
  subnetId: string | undefined,
  externalId: string | undefined,
  check: boolean,
  done: string[],
): Promise<void> {
  let router = (await net.routers({ name: demo.router, project_id: project }))[0]
  if (!router) {
    done.push(`router ${demo.router}${externalId ? ` (gateway ${publicNet.network})` : ''}`)
    if (check) return
    router = await net.createRouter({ name: demo.router, ...(externalId ? { external_gateway_info: { network_id: externalId } } : {}) })
  } else if (externalId && router.external_gateway_info?.network_id !== externalId) {
    done.push(`gateway of ${demo.router} on ${publicNet.network}`)
    if (!check) await net.setRouterGateway(router.id, externalId)
  }
  if (!subnetId) {
    done.push(`interface of ${demo.router} on ${demo.subnet}`)
    return
  }
  const ports = await net.ports({ device_id: router.id })
  if (ports.some((p) => p.device_owner.startsWith('network:router_interface') && p.fixed_ips.some((ip) => ip.subnet_id === subnetId)))
    return
  done.push(`interface of ${demo.router} on ${demo.subnet}`)
  if (!check) await net.addRouterInterface(router.id, subnetId)
}
