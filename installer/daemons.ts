// SPDX-License-Identifier: Apache-2.0
// The daemons behind the APIs, as the APIs see them: Nova's and Cinder's services
// and Neutron's agents report in every few seconds, and are "up" only while they do.
// A unit that systemd calls active can still be down here (it cannot reach RabbitMQ
// or neutron-server yet, after a boot), so this is what "ready" means.
import type { Model } from './model/types.ts'
import type { Cloud } from './openstack/index.ts'
import { placement } from './plan/placement.ts'
import type { Role, RoleDaemon } from './role/contract.ts'

export interface Daemon {
  service: 'compute' | 'network' | 'volume'
  binary: string
  /** Nova's and Neutron's host name; Cinder's `host@backend`. */
  host: string
  up: boolean
  /** Why it counts as down while its service says up. */
  why?: string
}

/** The daemons each service must have reporting for the cloud to work: what the enabled roles declare. */
export function requiredDaemons(model: Model, roles: readonly Role[]): Record<Daemon['service'], RoleDaemon[]> {
  const all = placement(model, roles).roles.flatMap((r) => r.daemons?.(model) ?? [])
  return {
    compute: all.filter((d) => d.service === 'compute'),
    network: all.filter((d) => d.service === 'network'),
    volume: all.filter((d) => d.service === 'volume'),
  }
}

/** Every enabled service and agent of one API, as it reports them. */
export async function reportedDaemons(admin: Cloud, service: Daemon['service']): Promise<Daemon[]> {
  if (service === 'network') {
    return (await admin.network.agents())
      .filter((a) => a.admin_state_up)
      .map((a) => ({ service, binary: a.binary, host: a.host, up: a.alive }))
  }
  if (service === 'compute')
    return (await admin.compute.services())
      .filter((s) => s.status === 'enabled')
      .map((s) => ({ service, binary: s.binary, host: s.host, up: s.state === 'up' }))
  // A volume service reports up as soon as it runs; it serves once its backend works (Ceph
  // reachable after a boot, say) and reports a pool to the scheduler. Before that, a new
  // volume finds no backend and goes to error.
  // A scheduler that does not answer for its pools leaves the volume services down, not every daemon unknown.
  const [services, pools] = await Promise.all([admin.volume.services(), admin.volume.pools().catch(() => undefined)])
  return services
    .filter((s) => s.status === 'enabled')
    .map((s) => {
      const up = s.state === 'up'
      if (up && s.binary === 'cinder-volume' && !pools)
        return { service, binary: s.binary, host: s.host, up: false, why: 'the scheduler did not answer for its storage pools' }
      if (up && s.binary === 'cinder-volume' && !pools!.some((p) => p.startsWith(`${s.host}#`)))
        return { service, binary: s.binary, host: s.host, up: false, why: 'its backend reports no storage pool yet' }
      return { service, binary: s.binary, host: s.host, up }
    })
}

/** Binaries required but never reported, and daemons that are down. */
export function daemonProblems(required: readonly RoleDaemon[], daemons: readonly Daemon[]): { missing: string[]; down: Daemon[] } {
  return {
    missing: required.filter((r) => !daemons.some((d) => d.binary === r.binary)).map((r) => r.binary),
    down: daemons.filter((d) => !d.up),
  }
}
