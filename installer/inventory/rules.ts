// SPDX-License-Identifier: Apache-2.0
// Checks the schema cannot express: names and addresses unique, groups that
// services need are populated, networks consistent, backends fit the target.
// Each rule is named for what it requires and returns its problems.
import { accessSync, constants, statSync } from 'node:fs'
import { closest } from '../closest.ts'
import { contains, formatIp, overlaps, parseCidr, parseIp, type Cidr } from './net.ts'
import { resolveLocalPath } from './paths.ts'
import type { Problem } from './problems.ts'
import type { Inventory } from './schema.ts'
import type { InventorySource } from './source.ts'

type Path = (string | number)[]

class Findings {
  readonly problems: Problem[] = []
  constructor(
    readonly source: InventorySource,
    /** Folder that relative paths in the inventory start from; undefined: files are not checked. */
    readonly dir: string | undefined,
  ) {}
  add(severity: Problem['severity'], path: Path, message: string, fix?: string, key = false): void {
    const pos = this.source.locate(path, { key })
    this.problems.push({ file: this.source.file, ...pos, path: `/${path.join('/')}`, message, fix, severity })
  }
  error(path: Path, message: string, fix?: string, key = false): void {
    this.add('error', path, message, fix, key)
  }
  warn(path: Path, message: string, fix?: string): void {
    this.add('warning', path, message, fix)
  }
  /** Whether the file itself sets the key (the inventory the rules see has the schema's defaults applied). */
  written(path: Path): boolean {
    return (
      path.reduce<unknown>(
        (v, k) => (v && typeof v === 'object' ? (v as Record<string | number, unknown>)[k] : undefined),
        this.source.data,
      ) !== undefined
    )
  }
}

type Rule = (inv: Inventory, f: Findings) => void

/** @param dir folder of the inventory file, to check the files it names; omitted, they are not checked. */
export function checkRules(inv: Inventory, source: InventorySource, dir?: string): Problem[] {
  const f = new Findings(source, dir)
  for (const rule of rules) rule(inv, f)
  return f.problems
}

const hostsHaveUniqueNamesAndAddresses: Rule = (inv, f) => {
  const seen = new Map<string, number>()
  inv.hosts.forEach((h, i) => {
    for (const [field, value] of [
      ['name', h.name],
      ['address', h.address],
      ['tunnel_address', h.tunnel_address],
    ] as const) {
      if (value === undefined) continue
      const kind = field === 'name' ? 'name' : 'address'
      const first = seen.get(`${kind}:${value}`)
      if (first !== undefined && first !== i) {
        const line = f.source.locate(['hosts', first]).line
        f.error(
          ['hosts', i, field],
          `${kind} "${value}" is already used by hosts[${first}] (line ${line})`,
          `give every host its own ${kind}`,
        )
      } else seen.set(`${kind}:${value}`, i)
    }
  })
}

/** Names every host's /etc/hosts gives to its own loopback and IPv6 multicast addresses (roles/common). */
const reservedHostNames = new Set(['localhost', 'ip6-localhost', 'ip6-loopback', 'ip6-allnodes', 'ip6-allrouters'])

/** Names that mean something else already: `localhost` to every resolver, `all` to Stackhouse. */
const namesAreNotReserved: Rule = (inv, f) => {
  inv.hosts.forEach((h, i) => {
    if (reservedHostNames.has(h.name))
      f.error(
        ['hosts', i, 'name'],
        `a host cannot be named "${h.name}": every host's /etc/hosts gives that name to itself`,
        "use the host's real name",
      )
  })
  if (inv.groups && Object.hasOwn(inv.groups, 'all')) {
    f.error(['groups', 'all'], 'group "all" is built in: it always holds every host', 'remove it, or give your group another name', true)
  }
}

/** Why an address cannot be a host's, gateway's or endpoint's: loopback, "this network", multicast, reserved. */
export function unusableAddress(ip: number): string | undefined {
  const first = Math.floor(ip / 2 ** 24)
  if (first === 127) return 'a loopback address: it never leaves the host that uses it'
  if (first === 0) return 'in 0.0.0.0/8 ("this network"), which is never a host\'s address'
  if (first >= 224 && first < 240) return 'a multicast address'
  if (first >= 240) return 'a reserved or broadcast address (240.0.0.0/4)'
  return undefined
}

const addressesAreUsable: Rule = (inv, f) => {
  const check = (path: Path, value: string | undefined) => {
    const ip = value === undefined ? undefined : parseIp(value)
    const why = ip === undefined ? undefined : unusableAddress(ip)
    if (why) f.error(path, `${value} is ${why}`, 'use the address the other hosts reach this one at')
  }
  inv.hosts.forEach((h, i) => {
    check(['hosts', i, 'address'], h.address)
    check(['hosts', i, 'tunnel_address'], h.tunnel_address)
  })
  for (const name of ['management', 'tunnel', 'storage', 'provider'] as const)
    check(['networks', name, 'gateway'], inv.networks?.[name]?.gateway)
  check(['endpoints', 'public_address'], inv.endpoints?.public_address)
  check(['endpoints', 'internal_address'], inv.endpoints?.internal_address)
  check(['vsphere', 'host'], inv.vsphere?.host)
}

const groupMembersAreHosts: Rule = (inv, f) => {
  const names = inv.hosts.map((h) => h.name)
  const known = new Set(names)
  for (const [group, members] of Object.entries(inv.groups ?? {})) {
    members.forEach((m, i) => {
      if (known.has(m)) return
      const guess = closest(m, names)
      f.error(
        ['groups', group, i],
        `group "${group}" lists "${m}", which is not a host`,
        guess ? `did you mean "${guess}"?` : `add a host named "${m}" under hosts:, or remove it here`,
      )
    })
  }
}

/** Which group each service runs in, and whether it is on. */
function groupNeeds(inv: Inventory): [group: string, what: string][] {
  const needs: [string, string][] = [
    ['control', 'the APIs, MariaDB and RabbitMQ'],
    ['network', 'the Neutron agents'],
    ['compute', 'nova-compute'],
  ]
  const storage = [inv.services.cinder && 'cinder-volume', inv.services.swift && 'the Swift storage servers'].filter(Boolean)
  if (storage.length) needs.push(['storage', storage.join(' and ')])
  return needs
}

const serviceGroupsHaveHosts: Rule = (inv, f) => {
  for (const [group, what] of groupNeeds(inv)) {
    const members = inv.groups?.[group] ?? []
    if (members.length) continue
    const path = inv.groups ? (inv.groups[group] ? ['groups', group] : ['groups']) : []
    f.error(
      path,
      `group "${group}" has no host, but ${what} must run there`,
      `list at least one host under groups.${group}${group === 'storage' ? ', or turn the storage services off under services:' : ''}`,
      path.length === 2,
    )
  }
  const grouped = new Set(Object.values(inv.groups ?? {}).flat())
  inv.hosts.forEach((h, i) => {
    if (!grouped.has(h.name))
      f.warn(['hosts', i, 'name'], `host "${h.name}" is in no group: nothing will be deployed to it`, 'add it to a group under groups:')
  })
}

const controlCountIsOdd: Rule = (inv, f) => {
  const n = inv.groups?.control?.length ?? 0
  if (n > 1 && n % 2 === 0) {
    f.warn(
      ['groups', 'control'],
      `${n} control hosts: MariaDB Galera and RabbitMQ need a majority to keep quorum, so an even count tolerates no more failures than ${n - 1}`,
      `use ${n - 1} or ${n + 1} control hosts`,
    )
  }
}

type NetName = 'management' | 'tunnel' | 'storage' | 'provider'

function cidrs(inv: Inventory, f: Findings): Partial<Record<NetName, Cidr>> {
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

const networksAreConsistent: Rule = (inv, f) => {
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

function hostAddressesFitNetworks(inv: Inventory, f: Findings, nets: Partial<Record<NetName, Cidr>>): void {
  inv.hosts.forEach((h, i) => {
    const ip = parseIp(h.address)!
    if (nets.management && !contains(nets.management, ip)) {
      f.error(
        ['hosts', i, 'address'],
        `address ${h.address} of host "${h.name}" is outside the management network ${inv.networks!.management.cidr}`,
        'fix the address, or widen networks.management.cidr',
      )
    } else if (nets.management) {
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

function providerRangeFits(inv: Inventory, f: Findings, cidr: Cidr | undefined): void {
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
function allocationClearOfHosts(inv: Inventory, f: Findings, start: number, end: number): void {
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

const backendsFitTarget: Rule = (inv, f) => {
  const b = inv.backends
  const target = inv.target
  const needVsphere: [Path, string][] = []
  if (b.compute === 'vmware') needVsphere.push([['backends', 'compute'], 'compute backend "vmware"'])
  if (b.block_storage === 'vmdk') needVsphere.push([['backends', 'block_storage'], 'block storage backend "vmdk"'])
  for (const [path, what] of needVsphere) {
    if (target === 'sandbox')
      f.error(
        path,
        `${what} drives vSphere and cannot run on sandbox hosts`,
        path[1] === 'compute' ? 'use compute: libvirt' : 'use block_storage: ceph',
      )
    else if (!inv.vsphere)
      f.error(path, `${what} needs a vCenter to talk to`, 'add a vsphere: section (host, username, cluster, datastore)')
  }
  if (target === 'sandbox' && b.block_storage === 'lvm') {
    f.error(
      f.written(['backends', 'block_storage']) ? ['backends', 'block_storage'] : ['target'],
      'block storage backend "lvm" needs device-mapper, which sandbox hosts do not have',
      'set backends.block_storage: ceph (a single-node Ceph on a file-backed OSD)',
    )
  }
  if (target === 'sandbox' && b.network === 'ovn') {
    f.warn(
      ['backends', 'network'],
      'OVN needs the openvswitch kernel module on the machine that runs the sandbox hosts',
      'use network: linuxbridge if "modprobe openvswitch" fails there',
    )
  }
  if (b.block_storage === 'lvm') return
  if (f.written(['backends', 'lvm']))
    f.warn(['backends', 'lvm'], `backends.lvm is ignored: block storage is "${b.block_storage}"`, 'remove it, or set block_storage: lvm')
}

const tlsIsComplete: Rule = (inv, f) => {
  const t = inv.tls
  if (!t) return
  if (!!t.certificate !== !!t.key) {
    f.error(
      ['tls', t.certificate ? 'certificate' : 'key'],
      `tls.${t.certificate ? 'certificate' : 'key'} is set without tls.${t.certificate ? 'key' : 'certificate'}`,
      'give both files, or neither to have Stackhouse make a self-signed certificate',
    )
  }
  if (t.ca && !t.certificate)
    f.error(['tls', 'ca'], 'tls.ca is set without tls.certificate', "remove it: Stackhouse's own CA signs the certificate it makes")
}

/** Files the inventory names exist on this machine and are readable files (not folders). */
const localFilesExist: Rule = (inv, f) => {
  if (f.dir === undefined) return
  const check = (path: Path, value: string | undefined, what: string) => {
    if (value === undefined) return
    const problem = fileProblem(resolveLocalPath(value, f.dir!))
    if (problem)
      f.error(
        path,
        `${what} "${value}" ${problem.message}`,
        problem.missing && what === 'SSH key'
          ? "make one (ssh-keygen -t ed25519), or point ssh.key at the key the host accepts; relative paths start from the inventory's folder"
          : problem.fix,
      )
  }
  inv.hosts.forEach((h, i) => check(['hosts', i, 'ssh', 'key'], h.ssh?.key, 'SSH key'))
  // Certificate files matter only while TLS is on.
  if (inv.tls?.enabled) {
    check(['tls', 'certificate'], inv.tls.certificate, 'TLS certificate')
    check(['tls', 'key'], inv.tls.key, 'TLS key')
    check(['tls', 'ca'], inv.tls.ca, 'TLS CA')
  }
}

function fileProblem(file: string): { message: string; fix: string; missing?: true } | undefined {
  try {
    const st = statSync(file)
    if (st.isDirectory()) return { message: 'is a folder, not a file', fix: 'name the file itself' }
    if (!st.isFile()) return { message: 'is not a regular file', fix: 'name a regular file' }
    accessSync(file, constants.R_OK)
    return undefined
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code
    if (code === 'ENOENT' || code === 'ENOTDIR')
      return {
        message: `does not exist (looked for ${file})`,
        fix: "check the path: relative paths start from the inventory's folder",
        missing: true,
      }
    if (code === 'EACCES')
      return { message: `cannot be read by this user (${file})`, fix: 'run as a user who can read it, or change its permissions' }
    return { message: `cannot be read (${code ?? String(e)})`, fix: 'check the file' }
  }
}

const rules: Rule[] = [
  namesAreNotReserved,
  addressesAreUsable,
  hostsHaveUniqueNamesAndAddresses,
  groupMembersAreHosts,
  serviceGroupsHaveHosts,
  controlCountIsOdd,
  networksAreConsistent,
  backendsFitTarget,
  tlsIsComplete,
  localFilesExist,
]
