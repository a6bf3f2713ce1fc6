// SPDX-License-Identifier: Apache-2.0
// Checks the schema cannot express: names and addresses unique, groups that
// services need are populated, networks consistent, backends fit the target.
// Each rule is named for what it requires and returns its problems; the networks'
// rules are in rules-networks.ts.
import { accessSync, constants, statSync } from 'node:fs'
import { closest } from '../closest.ts'
import { Findings, type Path, type Rule } from './findings.ts'
import { parseIp } from './net.ts'
import { resolveLocalPath } from './paths.ts'
import type { Problem } from './problems.ts'
import { networksAreConsistent } from './rules-networks.ts'
import type { InventoryDraft } from './schema.ts'
import type { InventorySource } from './source.ts'

/**
 * @param opts.dir folder of the inventory file, to check the files it names; omitted, they are not checked.
 * @param opts.addressesPending hosts may lack an address (create-hosts is about to give them one).
 */
export function checkRules(
  inv: InventoryDraft,
  source: InventorySource,
  opts: { dir?: string; addressesPending?: boolean } = {},
): Problem[] {
  const f = new Findings(source, opts.dir, opts.addressesPending === true)
  for (const rule of rules) rule(inv, f)
  return f.problems
}

/** Every host has its address, unless the inventory's VMs are yet to be made (target: vsphere). */
const hostsHaveAddresses: Rule = (inv, f) => {
  inv.hosts.forEach((h, i) => {
    if (h.address !== undefined) return
    if (inv.target !== 'vsphere')
      f.error(['hosts', i], `host "${h.name}" has no address`, 'add address: with the address SSH reaches it at')
    else if (!f.addressesPending)
      f.error(
        ['hosts', i],
        `host "${h.name}" has no address yet`,
        'run stackhouse vsphere create-hosts -i <this inventory>: it makes the VM and writes its address here',
      )
  })
}

const hostsHaveUniqueNamesAndAddresses: Rule = (inv, f) => {
  const seen = new Map<string, number>()
  inv.hosts.forEach((h, i) => {
    for (const [field, value] of [
      ['name', h.name],
      ['hostname', h.hostname],
      ['address', h.address],
      ['tunnel_address', h.tunnel_address],
    ] as const) {
      if (value === undefined) continue
      const kind = field === 'name' || field === 'hostname' ? 'name' : 'address'
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
export const reservedHostNames = new Set(['localhost', 'ip6-localhost', 'ip6-loopback', 'ip6-allnodes', 'ip6-allrouters'])

/** Names that mean something else already: `localhost` to every resolver, `all` to Stackhouse. */
const namesAreNotReserved: Rule = (inv, f) => {
  inv.hosts.forEach((h, i) => {
    if (h.hostname && reservedHostNames.has(h.hostname))
      f.error(
        ['hosts', i, 'hostname'],
        `a machine cannot be called "${h.hostname}": every host's /etc/hosts gives that name to itself`,
        "use the machine's real name",
      )
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
  // (vsphere.host is the deployer's to reach, through a tunnel on loopback too.)
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
function groupNeeds(inv: InventoryDraft): [group: string, what: string][] {
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

/** A cloud on vSphere is written with its own name: its VMs are named and marked by it, and two clouds in one vCenter must not meet. */
const vsphereCloudIsNamed: Rule = (inv, f) => {
  if (inv.target === 'vsphere' && !f.written(['name']))
    f.error(
      ['target'],
      'a cloud on vSphere needs a name of its own: its VMs are named and marked by it',
      'add name: (lower-case letters, digits, dashes), one no other cloud in this vCenter has',
    )
}

const backendsFitTarget: Rule = (inv, f) => {
  const b = inv.backends
  const target = inv.target
  vmwareDriversCanWork(inv, f)
  if (target === 'sandbox' && b.block_storage === 'lvm') {
    f.error(
      f.written(['backends', 'block_storage']) ? ['backends', 'block_storage'] : ['target'],
      'block storage backend "lvm" needs device-mapper, which sandbox hosts do not have',
      'set backends.block_storage: ceph (a single-node Ceph on a file-backed OSD)',
    )
  }
  if (target === 'sandbox' && b.network === 'ovn') sandboxOvnHasTunnelNetwork(inv, f)
  if (b.block_storage === 'lvm') return
  if (f.written(['backends', 'lvm']))
    f.warn(['backends', 'lvm'], `backends.lvm is ignored: block storage is "${b.block_storage}"`, 'remove it, or set block_storage: lvm')
}

/**
 * Geneve between sandbox hosts needs a tunnel NIC of their own. NOTE: sandbox hosts
 * have no openvswitch kernel module, so OVS runs its userspace datapath, which
 * tunnels only from an address on one of its own bridges (roles/ovn/chassis.ts):
 * the tunnel NIC becomes a port of br-phy, which the management NIC cannot.
 */
function sandboxOvnHasTunnelNetwork(inv: InventoryDraft, f: Findings): void {
  const chassis = inv.hosts.filter((h) => {
    const g = inv.groups ?? {}
    return [...(g.network ?? []), ...(g.compute ?? [])].includes(h.name)
  })
  const management = inv.networks?.management?.interface
  // A tunnel address of its own too: without one the host tunnels from its management address.
  const shared = chassis.filter((h) => {
    const tunnel = h.interfaces?.tunnel ?? inv.networks?.tunnel?.interface ?? management
    return !tunnel || tunnel === (h.interfaces?.management ?? management) || !h.tunnel_address || h.tunnel_address === h.address
  })
  if (new Set(chassis.map((h) => h.name)).size < 2 || !shared.length) return
  f.warn(
    inv.networks?.tunnel ? ['networks', 'tunnel'] : ['backends', 'network'],
    `OVN on sandbox hosts tunnels between hosts only over a tunnel network of its own, and ${shared.map((h) => h.name).join(', ')} would use the management NIC or address: Open vSwitch's userspace datapath (sandbox hosts have no openvswitch module) sends Geneve from an address on its own bridge`,
    'add networks.tunnel: { cidr: 10.79.0.0/24, interface: host2 } and a tunnel_address in 10.79.0.0/24 to each host (every sandbox host has host2 on that network)',
  )
}

/**
 * The VMware drivers only where they can work. At Zed, nova's VMware driver plugs a
 * server only into a port Neutron bound as a vSphere distributed switch (dvs) port
 * or an NSX opaque network (nova/virt/vmwareapi/vif.py); ML2 Linux bridge binds
 * "bridge" ports and OVN binds ports to its own chassis, so every server would fail
 * to boot. The drivers that bind dvs or NSX ports (networking-vsphere, vmware-nsx)
 * are not in Debian 12. And a VMDK volume attaches only to a server of that driver.
 */
function vmwareDriversCanWork(inv: InventoryDraft, f: Findings): void {
  const b = inv.backends
  if (b.compute === 'vmware')
    f.error(
      ['backends', 'compute'],
      `compute backend "vmware" cannot give servers a network with network: ${b.network}: nova's VMware driver (Zed) plugs only ports bound to a vSphere distributed switch or NSX, and the Neutron drivers for those (networking-vsphere, vmware-nsx) are not in Debian 12`,
      'use compute: libvirt; to run the cloud on vSphere, make the hosts VMs with nested virtualization (stackhouse vsphere create-hosts)',
    )
  if (b.block_storage === 'vmdk' && b.compute !== 'vmware')
    f.error(
      ['backends', 'block_storage'],
      `block storage backend "vmdk" makes volumes that attach only to servers of nova's VMware driver, and compute is ${b.compute}`,
      'use block_storage: ceph or lvm',
    )
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
  hostsHaveAddresses,
  namesAreNotReserved,
  addressesAreUsable,
  hostsHaveUniqueNamesAndAddresses,
  groupMembersAreHosts,
  serviceGroupsHaveHosts,
  controlCountIsOdd,
  networksAreConsistent,
  backendsFitTarget,
  vsphereCloudIsNamed,
  tlsIsComplete,
  localFilesExist,
]
