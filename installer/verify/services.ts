// SPDX-License-Identifier: Apache-2.0
// The daemons behind the APIs report in: Nova's conductor, scheduler and compute
// services, Neutron's agents, Cinder's scheduler and volume services.
import type { Check } from './check.ts'
import type { VolumeService } from '../openstack/volume.ts'
import { hintFor, need, type VerifyContext } from './context.ts'
import { daemonLog } from './hints.ts'
import { CheckFailure } from './types.ts'

interface Daemon {
  binary: string
  host: string
  up: boolean
}

/** Rows of Nova's or Cinder's os-services: the enabled services, up when their state says so. */
const enabledServices = (services: VolumeService[]): Daemon[] =>
  services.filter((s) => s.status === 'enabled').map((s) => ({ binary: s.binary, host: s.host, up: s.state === 'up' }))

/** Fails naming the first daemon that is down or missing, with its host and log. */
function judge(ctx: VerifyContext, kind: string, daemons: Daemon[], required: string[], fix: string): string {
  const missing = required.filter((b) => !daemons.some((d) => d.binary === b))
  const down = daemons.filter((d) => !d.up)
  if (missing.length || down.length) {
    const first = down[0] ?? { binary: missing[0]!, host: '' }
    const parts = [...(missing.length ? [`never reported: ${missing.join(', ')}`] : []), ...(down.length ? [`down: ${down.map((d) => `${d.binary} on ${d.host}`).join(', ')}`] : [])]
    // Cinder's host is `host@backend`; Neutron's and Nova's the host name.
    const where = first.host.split('@')[0] || (first.binary.includes('compute') ? 'compute' : 'control')
    throw new CheckFailure(`${kind}: ${parts.join('; ')}`, hintFor(ctx.model, first.binary, where, daemonLog(first.binary), fix))
  }
  return `${daemons.length} up: ${[...new Set(daemons.map((d) => d.binary))].sort().join(', ')}`
}

export const computeServicesCheck: Check = {
  id: 'compute.services',
  name: 'compute services up',
  needs: ['identity.token'],
  async run(ctx) {
    const daemons = enabledServices(await need(ctx.admin, 'the admin session').compute.services())
    return judge(ctx, 'compute services', daemons, ['nova-conductor', 'nova-scheduler', 'nova-compute'],
      'a service is down when it has not reported for 60 s: is it running (systemctl status), and can it reach RabbitMQ and the database?')
  },
}

/** The agents a Linux bridge cloud needs; OVN clouds need ovn-controller and the OVN metadata agent. */
export function requiredAgents(ctx: VerifyContext): string[] {
  return ctx.model.backends.network === 'ovn'
    ? ['ovn-controller', 'neutron-ovn-metadata-agent']
    : ['neutron-linuxbridge-agent', 'neutron-dhcp-agent', 'neutron-l3-agent', 'neutron-metadata-agent']
}

export const networkAgentsCheck: Check = {
  id: 'network.agents',
  name: 'network agents alive',
  needs: ['identity.token'],
  async run(ctx) {
    const agents = await need(ctx.admin, 'the admin session').network.agents()
    const daemons = agents.filter((a) => a.admin_state_up).map((a) => ({ binary: a.binary, host: a.host, up: a.alive }))
    return judge(ctx, 'network agents', daemons, requiredAgents(ctx),
      'an agent is dead when it has not reported for 75 s: is it running, and can it reach RabbitMQ?')
  },
}

export const volumeServicesCheck: Check = {
  id: 'volume.services',
  name: 'volume services up',
  needs: ['identity.token'],
  notApplicable: (ctx) => (ctx.model.services.cinder ? undefined : 'Cinder is off in the inventory'),
  async run(ctx) {
    const daemons = enabledServices(await need(ctx.admin, 'the admin session').volume.services())
    return judge(ctx, 'volume services', daemons, ['cinder-scheduler', 'cinder-volume'],
      'cinder-volume is down when its backend is unusable too (for Ceph: ceph -s, and the client.cinder keyring)')
  },
}
