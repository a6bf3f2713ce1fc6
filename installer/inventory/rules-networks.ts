// SPDX-License-Identifier: Apache-2.0
// The networks' rules: each CIDR parses, networks do not overlap (but for one flat
// LAN), gateways and host addresses fit their network, and the floating-IP range
// fits the provider network clear of every host and endpoint address.
import { contains, formatIp, overlaps, parseCidr, parseIp, type Cidr } from './net.ts'
import type { Findings, Rule } from './findings.ts'
import type { InventoryDraft } from './schema.ts'

type NetName = 'management' | 'tunnel' | 'storage' | 'provider'

function cidrs(inv: InventoryDraft, f: Findings): Partial<Record<NetName, Cidr>> {
  const out: Partial<Record<NetName, Cidr>> = {}
  for (const name of ['management', 'tunnel', 'storage', 'provider'] as const) {
    const net = inv.networks?.[name]
    if (!net) continue
    const { cidr, error, fix } = parseCidr(net.cidr)
    if (cidr) out[name] = cidr
    else f.error(['networks', name, 'cidr'], error!, fix)
  }
  return out
}

const sameCidr = (a: Cidr, b: Cidr) => a.first === b.first && a.last === b.last

export const networksAreConsistent: Rule = (inv, f) => {
  const nets = cidrs(inv, f)
  const names = Object.keys(nets) as NetName[]
  names.forEach((a, i) =>
    names.slice(i + 1).forEach((b) => {
      // One flat LAN for hosts and floating IPs (a one-NIC appliance) is the one overlap allowed.
      if (a === 'management' && b === 'provider' && sameCidr(nets[a]!, nets[b]!)) return
      if (overlaps(nets[a]!, nets[b]!)) {
        const fix =
          a === 'management' && b === 'tunnel'
            ? 'omit networks.tunnel to carry tunnels on the management network, or use a separate range'
            : 'give each network its own address range'
        f.error(
          ['networks', b, 'cidr'],
          `networks.${b} (${inv.networks![b]!.cidr}) overlaps networks.${a} (${inv.networks![a]!.cidr})`,
          fix,
        )
      }
    }),
  )
  for (const name of ['management', 'tunnel', 'storage', 'provider'] as const) {
    const gw = inv.networks?.[name]?.gateway
    const cidr = nets[name]
    if (!gw || !cidr) continue
    if (!contains(cidr, parseIp(gw)!)) {
      if (name !== 'provider') f.error(['networks', name, 'gateway'], `gateway ${gw} is outside ${inv.networks![name]!.cidr}`)
      continue
    }
    const taken = reservedIn(cidr, parseIp(gw)!, undefined)
    if (taken) f.error(['networks', name, 'gateway'], `gateway ${gw} is ${taken}`, `the gateway is a router's address in ${usable(cidr)}`)
  }
  hostAddressesFitNetworks(inv, f, nets)
  providerRangeFits(inv, f, nets.provider)
}

/** What an address is in its network when no host may have it: the network address, the broadcast address, the gateway. */
function reservedIn(cidr: Cidr, ip: number, gateway: string | undefined): string | undefined {
  // NOTE: /31 and /32 have no network or broadcast address (RFC 3021).
  if (cidr.prefix <= 30 && ip === cidr.first) return `the network address of ${formatIp(cidr.first)}/${cidr.prefix}`
  if (cidr.prefix <= 30 && ip === cidr.last) return `the broadcast address of ${formatIp(cidr.first)}/${cidr.prefix}`
  if (gateway !== undefined && ip === parseIp(gateway)) return "the network's gateway"
  return undefined
}

/** The addresses hosts may have in a block: all of a /31 or /32, else all but the first and last. */
function usable(cidr: Cidr): string {
  return cidr.prefix >= 31 ? `${formatIp(cidr.first)}-${formatIp(cidr.last)}` : `${formatIp(cidr.first + 1)}-${formatIp(cidr.last - 1)}`
}

function hostAddressesFitNetworks(inv: InventoryDraft, f: Findings, nets: Partial<Record<NetName, Cidr>>): void {
  inv.hosts.forEach((h, i) => {
    // No address yet (create-hosts writes it in): only the tunnel address is checked.
    const ip = h.address === undefined ? undefined : parseIp(h.address)!
    if (ip !== undefined && nets.management && !contains(nets.management, ip)) {
      f.error(
        ['hosts', i, 'address'],
        `address ${h.address} of host "${h.name}" is outside the management network ${inv.networks!.management.cidr}`,
        'fix the address, or widen networks.management.cidr',
      )
    } else if (ip !== undefined && nets.management) {
      const taken = reservedIn(nets.management, ip, inv.networks!.management.gateway)
      if (taken)
        f.error(
          ['hosts', i, 'address'],
          `address ${h.address} of host "${h.name}" is ${taken}`,
          `give the host an address in ${usable(nets.management)} that is not the gateway`,
        )
    }
    if (!h.tunnel_address) return
    // NOTE: without networks.tunnel, tunnels run over the management network.
    const [tunnelName, tunnel] = nets.tunnel ? (['tunnel', nets.tunnel] as const) : (['management', nets.management] as const)
    if (!tunnel) return
    const tip = parseIp(h.tunnel_address)!
    if (!contains(tunnel, tip)) {
      const fix = nets.tunnel
        ? 'fix the address, or widen networks.tunnel.cidr'
        : 'add networks.tunnel with a cidr that holds it, or remove tunnel_address to use the management address'
      f.error(
        ['hosts', i, 'tunnel_address'],
        `tunnel address ${h.tunnel_address} of host "${h.name}" is outside the ${tunnelName} network ${inv.networks![tunnelName]!.cidr}`,
        fix,
      )
    } else {
      const taken = reservedIn(tunnel, tip, inv.networks![tunnelName]!.gateway)
      if (taken)
        f.error(
          ['hosts', i, 'tunnel_address'],
          `tunnel address ${h.tunnel_address} of host "${h.name}" is ${taken}`,
          `use an address in ${usable(tunnel)} that is not the gateway`,
        )
    }
  })
}

function providerRangeFits(inv: InventoryDraft, f: Findings, cidr: Cidr | undefined): void {
  const p = inv.networks?.provider
  if (!p || !cidr) return
  const start = parseIp(p.allocation.start)!
  const end = parseIp(p.allocation.end)!
  const gateway = parseIp(p.gateway)!
  const span = `${formatIp(cidr.first + 1)}-${formatIp(cidr.last - 1)}`
  for (const [key, ip] of [
    ['start', start],
    ['end', end],
  ] as const) {
    if (!contains(cidr, ip))
      f.error(
        ['networks', 'provider', 'allocation', key],
        `allocation ${key} ${p.allocation[key]} is outside ${p.cidr}`,
        `use addresses in ${span}`,
      )
    else {
      const taken = reservedIn(cidr, ip, undefined)
      if (taken)
        f.error(
          ['networks', 'provider', 'allocation', key],
          `allocation ${key} ${p.allocation[key]} is ${taken}, which no floating IP can have`,
          `use addresses in ${span}`,
        )
    }
  }
  if (start <= end) allocationClearOfHosts(inv, f, start, end)
  if (start > end)
    f.error(
      ['networks', 'provider', 'allocation'],
      `allocation start ${p.allocation.start} comes after its end ${p.allocation.end}`,
      'swap start and end',
    )
  if (!contains(cidr, gateway)) f.error(['networks', 'provider', 'gateway'], `gateway ${p.gateway} is outside ${p.cidr}`)
  else if (gateway >= start && gateway <= end)
    f.error(
      ['networks', 'provider', 'gateway'],
      `gateway ${p.gateway} is inside the allocation range ${p.allocation.start}-${p.allocation.end}`,
      'shrink the range so it leaves out the gateway',
    )
  const netHosts = new Set(inv.groups?.network ?? [])
  const missing = inv.hosts.filter((h, _) => netHosts.has(h.name) && !h.interfaces?.provider)
  if (!p.interface && missing.length) {
    f.error(
      ['networks', 'provider'],
      `no interface for the provider network on host(s) ${missing.map((h) => h.name).join(', ')}`,
      'set networks.provider.interface, or interfaces.provider on each network host',
    )
  }
}

/** No host address (management or tunnel) and no endpoint address inside the floating-IP range: Neutron would hand it out. */
function allocationClearOfHosts(inv: InventoryDraft, f: Findings, start: number, end: number): void {
  const range = `${inv.networks!.provider!.allocation.start}-${inv.networks!.provider!.allocation.end}`
  for (const key of ['public_address', 'internal_address'] as const) {
    const ip = inv.endpoints?.[key] === undefined ? undefined : parseIp(inv.endpoints[key])
    if (ip !== undefined && ip >= start && ip <= end)
      f.error(
        ['endpoints', key],
        `${inv.endpoints![key]} is inside the floating-IP range ${range}`,
        'shrink networks.provider.allocation so it leaves out the API address',
      )
  }
  inv.hosts.forEach((h, i) => {
    for (const field of ['address', 'tunnel_address'] as const) {
      const ip = h[field] === undefined ? undefined : parseIp(h[field])
      if (ip !== undefined && ip >= start && ip <= end) {
        f.error(
          ['hosts', i, field],
          `${field === 'address' ? 'address' : 'tunnel address'} ${h[field]} of host "${h.name}" is inside the floating-IP range ${range}`,
          'shrink networks.provider.allocation so it leaves out every host',
        )
      }
    }
  })
}
