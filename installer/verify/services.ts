// SPDX-License-Identifier: Apache-2.0
// The daemons behind the APIs report in: Nova's conductor, scheduler and compute
// services, Neutron's agents, Cinder's scheduler and volume services.
import { daemonProblems, reportedDaemons, requiredDaemons, type Daemon } from '../daemons.ts'
import type { Check } from './check.ts'
import { hintFor, need, type VerifyContext } from './context.ts'
import { CheckFailure } from './types.ts'

/** How long verify waits before it asks again about OVN agents Neutron reports dead. */
export const ovnAgentRecheckMs = 3_000

/** Fails naming the first daemon that is down or missing, with its host and log. */
async function judge(ctx: VerifyContext, kind: string, service: Daemon['service'], fix: string): Promise<string> {
  const required = requiredDaemons(ctx.model, ctx.roles)[service]
  const look = async () => {
    const daemons = await reportedDaemons(need(ctx.admin, 'the admin session'), service)
    return { daemons, ...daemonProblems(required, daemons) }
  }
  let { daemons, missing, down } = await look()
  // NOTE: Neutron (Zed) counts an OVN agent alive when its chassis answered the last
  // liveness bump, or reported within agent_down_time. On an idle cloud chassis report
  // only when bumped, and each API worker bumps on its own: two bumps close together
  // make every chassis look dead until it answers, a moment later. Look again, twice.
  for (let i = 0; i < 2 && down.length && service === 'network' && ctx.model.backends.network === 'ovn'; i++) {
    await new Promise((r) => setTimeout(r, ovnAgentRecheckMs))
    ;({ daemons, missing, down } = await look())
  }
  if (missing.length || down.length) {
    const first = down[0] ?? { binary: missing[0]!, host: '' }
    const parts = [
      ...(missing.length ? [`never reported: ${missing.join(', ')}`] : []),
      ...(down.length ? [`down: ${down.map((d) => `${d.binary} on ${d.host}${d.why ? ` (${d.why})` : ''}`).join(', ')}`] : []),
    ]
    // Cinder's host is `host@backend`; Neutron's and Nova's the host name.
    const where = first.host.split('@')[0] || (first.binary.includes('compute') ? 'compute' : 'control')
    throw new CheckFailure(
      `${kind}: ${parts.join('; ')}`,
      hintFor(ctx.model, first.binary, where, required.find((d) => d.binary === first.binary)?.log ?? 'journalctl -p warning', fix),
    )
  }
  return `${daemons.length} up: ${[...new Set(daemons.map((d) => d.binary))].sort().join(', ')}`
}

export const computeServicesCheck: Check = {
  id: 'compute.services',
  name: 'compute services up',
  needs: ['identity.token'],
  run: (ctx) =>
    judge(
      ctx,
      'compute services',
      'compute',
      'a service is down when it has not reported for 60 s: is it running (systemctl status), and can it reach RabbitMQ and the database?',
    ),
}

export const networkAgentsCheck: Check = {
  id: 'network.agents',
  name: 'network agents alive',
  needs: ['identity.token'],
  run: (ctx) =>
    judge(
      ctx,
      'network agents',
      'network',
      'an agent is dead when it has not reported for 75 s: is it running, and can it reach RabbitMQ?',
    ),
}

export const volumeServicesCheck: Check = {
  id: 'volume.services',
  name: 'volume services up',
  needs: ['identity.token'],
  notApplicable: (ctx) => (ctx.model.services.cinder ? undefined : 'Cinder is off in the inventory'),
  run: (ctx) =>
    judge(
      ctx,
      'volume services',
      'volume',
      'cinder-volume is down when its backend is unusable too (for Ceph: ceph -s, and the client.cinder keyring)',
    ),
}
