// SPDX-License-Identifier: Apache-2.0
// The demo project's `default` security group lets ping and SSH in (IPv4), so a
// server booted with defaults answers from outside, as DevStack and Kolla set it up.
import type { SecurityGroupRule } from '../openstack/network.ts'
import { changed, ok, type Task } from '../tasks/types.ts'
import type { Clients } from './_clients.ts'
import { demo } from './names.ts'

interface Wanted {
  label: string
  protocol: 'icmp' | 'tcp'
  port?: number
}

const wanted: Wanted[] = [
  { label: 'ICMP', protocol: 'icmp' },
  { label: 'TCP 22', protocol: 'tcp', port: 22 },
]

/** True when an existing rule already lets this traffic in from anywhere. */
export function covers(r: SecurityGroupRule, w: Wanted): boolean {
  if (r.direction !== 'ingress' || r.ethertype !== 'IPv4' || r.remote_group_id) return false
  if (r.remote_ip_prefix && r.remote_ip_prefix !== '0.0.0.0/0') return false
  if (r.protocol !== null && r.protocol !== w.protocol) return false
  if (w.port === undefined || r.protocol === null) return true
  return (r.port_range_min ?? 1) <= w.port && w.port <= (r.port_range_max ?? 65535)
}

export function securityGroupTask(clients: Clients): Task {
  return {
    id: 'post-deploy.security-group',
    title: `security group ${demo.securityGroup} of ${demo.project}: ingress ICMP and TCP 22`,
    async apply(ctx) {
      const cloud = await clients.demo(ctx.check)
      if (!cloud) return changed(`rules ${wanted.map((w) => w.label).join(', ')} (the demo user does not exist yet)`)
      // NOTE: listing as the project's user makes Neutron create its default group if it has none yet.
      const groups = await cloud.network.securityGroups({ name: demo.securityGroup, project_id: cloud.session.keystone.projectId })
      const group = groups[0]
      if (!group)
        throw new Error(`project ${demo.project} has no security group named ${demo.securityGroup}, which Neutron makes for every project`)
      const missing = wanted.filter((w) => !group.security_group_rules.some((r) => covers(r, w)))
      for (const w of ctx.check ? [] : missing) {
        await cloud.network.createSecurityGroupRule({
          security_group_id: group.id,
          direction: 'ingress',
          ethertype: 'IPv4',
          protocol: w.protocol,
          remote_ip_prefix: '0.0.0.0/0',
          ...(w.port ? { port_range_min: w.port, port_range_max: w.port } : {}),
        })
      }
      return missing.length ? changed(`rules ${missing.map((w) => w.label).join(', ')}`) : ok
    },
  }
}
