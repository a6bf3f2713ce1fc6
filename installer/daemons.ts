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
  const services = service === 'compute' ? await admin.compute.services() : await admin.volume.services()
  return services.filter((s) => s.status === 'enabled').map((s) => ({ service, binary: s.binary, host: s.host, up: s.state === 'up' }))
}

/** Binaries required but never reported, and daemons that are down. */
export function daemonProblems(required: readonly RoleDaemon[], daemons: readonly Daemon[]): { missing: string[]; down: Daemon[] } {
  return {
    missing: required.filter((r) => !daemons.some((d) => d.binary === r.binary)).map((r) => r.binary),
    down: daemons.filter((d) => !d.up),
  }
}
