// SPDX-License-Identifier: Apache-2.0
// Preflight's rules: what each host must be before a deploy touches it, judged from
// the facts every host reported (./facts.ts). Each problem names the rule (what
// --skip-preflight takes), the host, what was found and the fix.
import { parseIp } from '../inventory/net.ts'
import type { Model, ModelHost } from '../model/types.ts'
import type { HostLink, PreflightFacts } from './facts.ts'

export const preflightRules = ['interfaces', 'external-address', 'mtu', 'reach', 'endpoints', 'clock', 'resources'] as const
export type PreflightRule = (typeof preflightRules)[number]

export interface PreflightProblem {
  rule: PreflightRule
  host: string
  found: string
  fix: string
}

/** What a host's facts were read against: this machine's clock just before and after it answered (ms). */
export interface HostReading {
  facts: PreflightFacts
  sentAt: number
  answeredAt: number
}

/** Clocks further apart than this fail: Ceph warns at 0.05 s, tokens and RabbitMQ break at minutes. */
export const clockToleranceSeconds = 5
/** IPv6 needs 1280 bytes on every link, tenant networks included. */
const minTenantMtu = 1280
const GiB = 1024 ** 3
/** The least a host holding each group needs, measured on the all-in-one cloud (4.3 GiB after verify). */
const needs: Record<string, { memory: number; disk: number }> = {
  control: { memory: 2.5 * GiB, disk: 2 * GiB },
  network: { memory: 0.25 * GiB, disk: 0 },
  compute: { memory: 0.75 * GiB, disk: 2 * GiB },
  storage: { memory: 0.5 * GiB, disk: 2 * GiB },
}

const gib = (bytes: number) => `${(bytes / GiB).toFixed(1)} GiB`

/** Every problem the facts show; rules in `skip` are not judged. */
export function preflightProblems(
  model: Model,
  readings: ReadonlyMap<string, HostReading>,
  skip: ReadonlySet<string> = new Set(),
): PreflightProblem[] {
  const problems: PreflightProblem[] = []
  const judge = (rule: PreflightRule, fn: () => PreflightProblem[]) => !skip.has(rule) && problems.push(...fn())
  const hosts = model.hosts.filter((h) => readings.has(h.name))
  const factsOf = (h: ModelHost) => readings.get(h.name)!.facts
  judge('interfaces', () => hosts.flatMap((h) => interfaceProblems(model, h, factsOf(h))))
  judge('external-address', () => hosts.flatMap((h) => externalAddressProblems(model, h, factsOf(h))))
  judge('mtu', () => mtuProblems(model, hosts, factsOf))
  judge('reach', () => hosts.flatMap((h) => reachProblems(model, h, factsOf(h))))
  judge('endpoints', () => endpointProblems(model, hosts, factsOf))
  judge('clock', () => hosts.flatMap((h) => clockProblems(h, readings.get(h.name)!)))
  judge('resources', () => hosts.flatMap((h) => resourceProblems(h, factsOf(h))))
  return problems
}

/** The interfaces the inventory names for a host, with the setting that names each. */
function namedInterfaces(model: Model, h: ModelHost): { name: string; setting: string; needsUp: boolean }[] {
  const n = model.networks
  const named = [
    { name: h.interfaces.management ?? n.management.interface, setting: 'management', needsUp: true },
    { name: h.interfaces.tunnel ?? n.tunnel.interface, setting: 'tunnel', needsUp: true },
    { name: h.interfaces.storage ?? n.storage?.interface, setting: 'storage', needsUp: true },
    // Neutron's L2 agent takes it into its bridge and brings it up itself.
    { name: providerNic(model, h), setting: 'provider', needsUp: false },
  ]
  return named.filter((x): x is { name: string; setting: string; needsUp: boolean } => !!x.name)
}

/** The provider NIC where a network agent maps it (network and compute hosts). */
function providerNic(model: Model, h: ModelHost): string | undefined {
  if (!model.networks.provider || !h.groups.some((g) => g === 'network' || g === 'compute')) return undefined
  return h.interfaces.provider ?? model.networks.provider.interface
}

const linkNames = (f: PreflightFacts) => f.links.map((l) => l.name).join(', ')

function interfaceProblems(model: Model, h: ModelHost, f: PreflightFacts): PreflightProblem[] {
  const problems: PreflightProblem[] = []
  for (const i of namedInterfaces(model, h)) {
    const link = f.links.find((l) => l.name === i.name)
    if (!link)
      problems.push({
        rule: 'interfaces',
        host: h.name,
        found: `interface ${i.name} (the ${i.setting} network's) does not exist; the host has ${linkNames(f)}`,
        fix: `set hosts[].interfaces.${i.setting} for ${h.name}, or networks.${i.setting}.interface, to one of its interfaces`,
      })
    else if (i.needsUp && !link.up)
      problems.push({
        rule: 'interfaces',
        host: h.name,
        found: `interface ${i.name} (the ${i.setting} network's) is down`,
        fix: `bring it up in ${h.name}'s network configuration (ip link set ${i.name} up for now)`,
      })
  }
  if (!f.links.some((l) => l.addresses.includes(h.address)))
    problems.push({
      rule: 'interfaces',
      host: h.name,
      found: `no interface holds its management address ${h.address}`,
      fix: `give ${h.name} its address from the inventory, or correct hosts[].address`,
    })
  return problems
}

function externalAddressProblems(model: Model, h: ModelHost, f: PreflightFacts): PreflightProblem[] {
  const nic = providerNic(model, h)
  const link = nic ? f.links.find((l) => l.name === nic) : undefined
  if (!link?.addresses.length) return []
  return [
    {
      rule: 'external-address',
      host: h.name,
      found: `provider interface ${nic} holds ${link.addresses.join(', ')}: Neutron's bridge takes the interface, and the address would stop working`,
      fix: `remove the address from ${nic} (and from ${h.name}'s network configuration), or name another interface as the provider one`,
    },
  ]
}

/** Each network's interface has one MTU on every host, large enough for tunnels. */
function mtuProblems(model: Model, hosts: ModelHost[], factsOf: (h: ModelHost) => PreflightFacts): PreflightProblem[] {
  const problems: PreflightProblem[] = []
  const overhead = model.backends.network === 'ovn' ? 58 : 50
  const tunnelIface = (h: ModelHost) => h.interfaces.tunnel ?? model.networks.tunnel.interface
  for (const network of ['management', 'tunnel'] as const) {
    const mtus = hosts.flatMap((h) => {
      // A host's tunnel endpoint: its tunnel interface, or the link that holds its tunnel address.
      const link: HostLink | undefined =
        network === 'management'
          ? factsOf(h).links.find((l) => l.addresses.includes(h.address))
          : (factsOf(h).links.find((l) => l.name === tunnelIface(h)) ?? factsOf(h).links.find((l) => l.addresses.includes(h.tunnelAddress)))
      return link ? [{ host: h, link }] : []
    })
    // Tunnels over the management interface: its MTU was judged with the management network's.
    const own = network === 'tunnel' ? mtus.filter((m) => !m.link.addresses.includes(m.host.address)) : mtus
    const distinct = [...new Set(own.map((m) => m.link.mtu))]
    if (distinct.length > 1) {
      const most = distinct.sort((a, b) => own.filter((m) => m.link.mtu === b).length - own.filter((m) => m.link.mtu === a).length)[0]
      for (const m of own.filter((x) => x.link.mtu !== most))
        problems.push({
          rule: 'mtu',
          host: m.host.name,
          found: `${m.link.name} on the ${network} network has MTU ${m.link.mtu}, the other hosts' ${most}`,
          fix: `set MTU ${most} on ${m.link.name} (or the same MTU on every host of the ${network} network)`,
        })
    }
    if (network === 'tunnel')
      for (const m of mtus.filter((x) => x.link.mtu - overhead < minTenantMtu))
        problems.push({
          rule: 'mtu',
          host: m.host.name,
          found: `${m.link.name} carries tunnels with MTU ${m.link.mtu}: less the ${overhead} bytes of ${overhead === 58 ? 'Geneve' : 'VXLAN'}, tenant networks would get ${m.link.mtu - overhead}, under IPv6's ${minTenantMtu}`,
          fix: `raise ${m.link.name}'s MTU to at least ${minTenantMtu + overhead}`,
        })
  }
  return problems
}

function reachProblems(model: Model, h: ModelHost, f: PreflightFacts): PreflightProblem[] {
  return model.hosts
    .filter((o) => o.name !== h.name && f.reaches[o.address] === false)
    .map((o) => ({
      rule: 'reach',
      host: h.name,
      found: `cannot reach ${o.name} at ${o.address} (SSH port ${o.ssh.port}) on the management network`,
      fix: `check the route and firewalls between ${h.name} and ${o.name}`,
    }))
}

/** Endpoint addresses held by a host are a control host's; the internal one is held by some host. */
function endpointProblems(model: Model, hosts: ModelHost[], factsOf: (h: ModelHost) => PreflightFacts): PreflightProblem[] {
  const problems: PreflightProblem[] = []
  const seen = new Set<string>()
  for (const [setting, address] of [
    ['internal_address', model.internalAddress],
    ['public_address', model.publicAddress],
  ] as const) {
    if (parseIp(address) === undefined || seen.has(address)) continue
    seen.add(address)
    const holders = hosts.filter((h) => factsOf(h).links.some((l) => l.addresses.includes(address)))
    for (const h of holders.filter((x) => !x.groups.includes('control')))
      problems.push({
        rule: 'endpoints',
        host: h.name,
        found: `endpoints.${setting} ${address} is this host's, and it runs no API (it is not in the control group)`,
        fix: `set endpoints.${setting} to a control host's address, or free ${address} on ${h.name}`,
      })
    // A public address may be a NAT's or a load balancer's, on no host; the internal one is where services meet.
    if (!holders.length && setting === 'internal_address' && hosts.length === model.hosts.length)
      problems.push({
        rule: 'endpoints',
        host: hosts.find((h) => h.groups.includes('control'))?.name ?? hosts[0]!.name,
        found: `endpoints.${setting} ${address} is held by no host: the APIs would not answer there`,
        fix: `set endpoints.${setting} to the first control host's address, or add ${address} to that host`,
      })
  }
  return problems
}

function clockProblems(h: ModelHost, r: HostReading): PreflightProblem[] {
  // The host read its clock between sentAt and answeredAt by this machine's.
  const [early, late] = [r.sentAt / 1000 - clockToleranceSeconds, r.answeredAt / 1000 + clockToleranceSeconds]
  const t = r.facts.time
  if (t >= early && t <= late) return []
  const off = t < early ? r.sentAt / 1000 - t : t - r.answeredAt / 1000
  return [
    {
      rule: 'clock',
      host: h.name,
      found: `its clock is ${off.toFixed(0)} s ${t < early ? 'behind' : 'ahead of'} this machine's`,
      fix: `keep the clocks in step: enable systemd-timesyncd or chrony on ${h.name} (and here)`,
    },
  ]
}

function resourceProblems(h: ModelHost, f: PreflightFacts): PreflightProblem[] {
  const mine = h.groups.filter((g) => needs[g])
  const memory = mine.reduce((s, g) => s + needs[g]!.memory, 0)
  const disk = mine.reduce((s, g) => s + needs[g]!.disk, 0)
  const roles = mine.join(', ')
  const problems: PreflightProblem[] = []
  if (f.memoryBytes < memory)
    problems.push({
      rule: 'resources',
      host: h.name,
      found: `${gib(f.memoryBytes)} of memory, and ${roles} need at least ${gib(memory)}`,
      fix: `give ${h.name} more memory, or move a group to another host`,
    })
  if (f.diskBytes < disk)
    problems.push({
      rule: 'resources',
      host: h.name,
      found: `${gib(f.diskBytes)} free under /var/lib, and ${roles} need at least ${gib(disk)}`,
      fix: `free space or grow ${h.name}'s disk`,
    })
  return problems
}
