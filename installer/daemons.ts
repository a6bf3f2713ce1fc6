// SPDX-License-Identifier: Apache-2.0
// The daemons behind the APIs, as the APIs see them: Nova's and Cinder's services
// and Neutron's agents report in every few seconds, and are "up" only while they do.
// A unit that systemd calls active can still be down here (it cannot reach RabbitMQ
// or neutron-server yet, after a boot), so this is what "ready" means.
import type { Model } from './model/types.ts'
import type { Cloud } from './openstack/index.ts'

export interface Daemon {
  service: 'compute' | 'network' | 'volume'
  binary: string
  /** Nova's and Neutron's host name; Cinder's `host@backend`. */
  host: string
  up: boolean
}

/** The daemons each service must have reporting for the cloud to work. */
export function requiredDaemons(model: Model): Record<Daemon['service'], string[]> {
  return {
    compute: ['nova-conductor', 'nova-scheduler', 'nova-compute'],
    network:
      model.backends.network === 'ovn'
        ? ['ovn-controller', 'neutron-ovn-metadata-agent']
        : ['neutron-linuxbridge-agent', 'neutron-dhcp-agent', 'neutron-l3-agent', 'neutron-metadata-agent'],
    volume: model.services.cinder ? ['cinder-scheduler', 'cinder-volume'] : [],
  }
}

/** Every enabled service and agent of one API, as it reports them. */
export async function reportedDaemons(admin: Cloud, service: Daemon['service']): Promise<Daemon[]> {
  if (service === 'network') {
    return (await admin.network.agents()).filter((a) => a.admin_state_up).map((a) => ({ service, binary: a.binary, host: a.host, up: a.alive }))
  }
  const services = service === 'compute' ? await admin.compute.services() : await admin.volume.services()
  return services.filter((s) => s.status === 'enabled').map((s) => ({ service, binary: s.binary, host: s.host, up: s.state === 'up' }))
}

/** Binaries required but never reported, and daemons that are down. */
export function daemonProblems(required: readonly string[], daemons: readonly Daemon[]): { missing: string[]; down: Daemon[] } {
  return { missing: required.filter((b) => !daemons.some((d) => d.binary === b)), down: daemons.filter((d) => !d.up) }
}
