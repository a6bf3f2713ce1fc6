// SPDX-License-Identifier: Apache-2.0
// `stackhouse vsphere create-hosts` and `destroy-hosts` as library calls: the
// inventory's hosts made as VMs cloned from the imported appliance (template), each
// booting in mode host (its name, address and the deployer's SSH key, no cloud),
// their addresses written into the inventory (comments kept); and removed again.
// A VM is marked with its cloud and host (extraConfig), so a re-run finds its own
// VMs and no command ever touches a VM it did not make.
import { existsSync, readFileSync } from 'node:fs'
import { dirname } from 'node:path'
import { FixableError, UsageError } from '../installer/errors.ts'
import { checkInventoryDraft } from '../installer/inventory/load.ts'
import { setHostAddresses } from '../installer/inventory/edit.ts'
import { InventoryError } from '../installer/inventory/problems.ts'
import { resolveLocalPath } from '../installer/inventory/paths.ts'
import type { InventoryDraft } from '../installer/inventory/schema.ts'
import { VsphereError } from '../installer/vsphere/errors.ts'
import { resolvePlacement, type Placement, type PlacementNames } from '../installer/vsphere/placement.ts'
import { shellQuote } from '../installer/shell.ts'
import { VsphereSession, type VsphereLogin } from '../installer/vsphere/session.ts'
import type { MoRef } from '../installer/vsphere/soap.ts'
import {
  cloneVm,
  destroyVm,
  extraConfig,
  findVm,
  networkCards,
  nicBacking,
  powerOn,
  resizeVm,
  setExtraConfig,
  setVappProperties,
  vappProperties,
  waitForGuestIp,
} from '../installer/vsphere/vm.ts'
import { ovfEnvironment } from './first-boot/environment.ts'
import { checkedProperties } from './vsphere.ts'

export type HostsEvent = { type: 'step'; title: string } | { type: 'host'; host: string; what: string }

export interface VsphereHostsOptions {
  /** The inventory file (target: vsphere, with vsphere.vms). */
  inventory: string
  /** The vSphere user's password (standard input or the secrets file: never argv). */
  password: string
  /** The deployer's SSH public key, installed on every host. */
  sshKey: string
  /** How long to wait for each host's address and first boot. @default 15 min */
  waitMs?: number
  onEvent?: (e: HostsEvent) => void
}

export interface MadeHost {
  name: string
  vm: string
  address: string
  /** false: the VM was there already (a re-run). */
  created: boolean
}

/** Marks on every VM create-hosts makes: which cloud and host it is, and whether its address came from DHCP. */
export const vmMarks = {
  cloud: 'stackhouse.cloud',
  host: 'stackhouse.host',
  dhcp: 'stackhouse.address-from-dhcp',
  /** Set last, once the clone has its size and settings: a clone without it is made again. */
  prepared: 'stackhouse.prepared',
} as const
const statusKey = 'guestinfo.stackhouse.status'

/** The inventory, checked, with hosts that may still lack an address; and its vsphere.vms section. */
export function hostsInventory(file: string): { inv: InventoryDraft; vms: NonNullable<NonNullable<InventoryDraft['vsphere']>['vms']> } {
  if (!existsSync(file)) throw new UsageError(`${file}: no such file`, 'give the inventory with -i')
  const { inventory, problems } = checkInventoryDraft(file, readFileSync(file, 'utf8'), { dir: dirname(file), addressesPending: true })
  if (!inventory) throw new InventoryError(problems.filter((p) => p.severity === 'error'))
  const vms = inventory.vsphere?.vms
  if (inventory.target !== 'vsphere' || !vms)
    throw new FixableError(`${file}: create-hosts makes the hosts of an inventory with target: vsphere and a vsphere.vms section`, {
      fix: 'set target: vsphere and add vsphere: (host, username) with vms: (template, datastore, network)',
    })
  return { inv: inventory, vms }
}

/** The login the inventory's vsphere: section describes. */
export function inventoryLogin(inv: InventoryDraft, file: string, password: string): VsphereLogin {
  const vs = inv.vsphere!
  const ca = vs.ca_file ? readFileSync(resolveLocalPath(vs.ca_file, dirname(file)), 'utf8') : undefined
  if (ca !== undefined && !ca.includes('-----BEGIN CERTIFICATE-----'))
    throw new UsageError(`vsphere.ca_file ${vs.ca_file}: not a PEM certificate`, "give vCenter's CA as PEM (from certs/download.zip)")
  return {
    url: `https://${vs.host}:${vs.port}/sdk`,
    user: vs.username,
    password,
    ...(ca ? { ca } : {}),
    ...(vs.insecure ? { insecure: true } : {}),
  }
}

type VmsSection = ReturnType<typeof hostsInventory>['vms']

/** Where the inventory's vms: section puts a VM, as names vSphere is asked for. */
export function placementNames(vms: VmsSection): PlacementNames {
  return {
    datastore: vms.datastore,
    network: vms.network,
    ...(vms.datacenter ? { datacenter: vms.datacenter } : {}),
    ...(vms.cluster ? { cluster: vms.cluster } : {}),
    ...(vms.esxi_host ? { host: vms.esxi_host } : {}),
    ...(vms.resource_pool ? { resourcePool: vms.resource_pool } : {}),
  }
}

/** Each host's VM name: the cloud's name first, so two clouds in one vCenter do not meet. */
export const vmName = (inv: InventoryDraft, host: string): string => `${inv.name}-${host}`

/** The settings first boot reads on a host: mode host, its name, the key, and its static address when the inventory gives one. */
export function hostProperties(inv: InventoryDraft, host: InventoryDraft['hosts'][number], sshKey: string): Record<string, string> {
  const base = { mode: 'host', hostname: host.name, ssh_key: sshKey }
  if (!host.address) return checkedProperties({ ...base, 'network.mode': 'dhcp' })
  const mgmt = inv.networks?.management
  if (!mgmt?.gateway)
    throw new FixableError(`host ${host.name} has the address ${host.address}, and a VM needs the management network's gateway for it`, {
      fix: 'add networks.management.gateway (and cidr), or leave the address out to take one from DHCP',
    })
  const prefix = mgmt.cidr.split('/')[1]
  return checkedProperties({
    ...base,
    'network.mode': 'static',
    'network.address': `${host.address}/${prefix}`,
    'network.gateway': mgmt.gateway,
    ...(inv.vsphere?.vms?.dns?.length ? { 'network.dns': inv.vsphere.vms.dns.join(',') } : {}),
  })
}

/** Make the inventory's hosts as VMs (those already made are kept), wait for each to be a host, and write their addresses in. */
export async function createHosts(o: VsphereHostsOptions): Promise<MadeHost[]> {
  const emit = o.onEvent ?? (() => {})
  const { inv, vms } = hostsInventory(o.inventory)
  // Every host's settings and VM name checked before vSphere is reached.
  const props = new Map(inv.hosts.map((h) => [h.name, hostProperties(inv, h, o.sshKey)]))
  checkVmNames(inv)
  const login = inventoryLogin(inv, o.inventory, o.password)
  emit({ type: 'step', title: `log in to ${login.url} as ${login.user}` })
  const s = await VsphereSession.login(login)
  try {
    if (s.content.apiType === 'HostAgent')
      throw new VsphereError(
        `${inv.vsphere!.host} is a standalone ESXi host, which cannot clone VMs`,
        'input',
        'point vsphere.host at a vCenter',
      )
    const placement = await resolvePlacement(s, placementNames(vms), inventoryKeys)
    const template = await findVm(s, vms.template)
    if (!template)
      throw new VsphereError(
        `no VM or template is called ${vms.template}`,
        'input',
        `import the appliance without starting it: stackhouse vsphere deploy-appliance OVA --template --name ${shellQuote(vms.template)} ...`,
      )
    // On vCenter the template's vApp properties become each clone's OVF environment: they must hold every setting given here.
    const offered = Object.keys(await vappProperties(s, template))
    const lacking = offered.length ? Object.keys(props.get(inv.hosts[0]!.name)!).filter((k) => !offered.includes(k)) : []
    if (lacking.length)
      throw new VsphereError(
        `the template ${vms.template} has no property ${lacking.join(', ')}: it was imported from an older appliance`,
        'input',
        "import this Stackhouse's OVA with deploy-appliance --template, and name it in vsphere.vms.template",
      )
    const nics = await networkCards(s, template)
    if (nics.length !== 1)
      throw new VsphereError(`${vms.template} has ${nics.length} network cards, and a host is made from one with one`, 'input')
    const backing = await nicBacking(s, placement.network, placement.networkName)
    // Every VM name checked first: one that is not this cloud's stops the command before anything is made.
    const there = await ownVms(s, inv)
    const made: { name: string; vm: MoRef; created: boolean }[] = []
    for (const h of inv.hosts) {
      const name = vmName(inv, h.name)
      const vm = there.get(h.name)
      if (vm?.prepared) {
        emit({ type: 'host', host: h.name, what: `${name} is there already` })
        made.push({ name: h.name, vm: vm.vm, created: false })
        continue
      }
      // A clone a failed run left half-made (never started: it had no settings yet) is made again.
      if (vm) await destroyVm(s, vm.vm)
      emit({ type: 'host', host: h.name, what: `clone ${vms.template} as ${name}` })
      const clone = await cloneVm(s, template, name, where(placement), {
        nic: { device: nics[0]!, backing },
        extraConfig: {
          [vmMarks.cloud]: inv.name,
          [vmMarks.host]: h.name,
          [vmMarks.dhcp]: String(!h.address),
          // Read by first boot where vSphere writes no OVF environment of its own (see ./vsphere.ts).
          'guestinfo.ovfEnv': ovfEnvironment(props.get(h.name)!),
        },
      })
      try {
        await resizeVm(s, clone, {
          ...(vms.cpus ? { cpus: vms.cpus } : {}),
          ...(vms.memory_gib ? { memoryMiB: vms.memory_gib * 1024 } : {}),
        })
        // vCenter makes the OVF environment from the vApp properties the clone took from its template: they are set too.
        await setVappProperties(s, clone, props.get(h.name)!)
        await setExtraConfig(s, clone, { [vmMarks.prepared]: 'true' })
      } catch (e) {
        await destroyVm(s, clone).catch(() => undefined)
        throw e
      }
      made.push({ name: h.name, vm: clone, created: true })
    }
    for (const m of made) await powerOn(s, m.vm)
    const waitMs = o.waitMs ?? 15 * 60_000
    // Every host is waited for; the addresses of those that came up are written even when another failed.
    const settled = await Promise.allSettled(
      made.map(async (m): Promise<MadeHost> => {
        emit({ type: 'host', host: m.name, what: 'wait for its address and first boot' })
        const address = await waitForGuestIp(s, m.vm, waitMs)
        const want = inv.hosts.find((h) => h.name === m.name)!.address
        if (want && want !== address)
          throw new VsphereError(
            `host ${m.name} (VM ${vmName(inv, m.name)}) reports ${address}, and the inventory says ${want}`,
            'hosts',
            "check the VM's network and the inventory's address",
          )
        await waitForHost(s, m.vm, m.name, waitMs)
        emit({ type: 'host', host: m.name, what: `ready at ${address}` })
        return { name: m.name, vm: m.vm.value, address, created: m.created }
      }),
    )
    const hosts = settled.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []))
    const fresh = Object.fromEntries(
      hosts.filter((h) => !inv.hosts.find((x) => x.name === h.name)!.address).map((h) => [h.name, h.address]),
    )
    if (Object.keys(fresh).length) {
      emit({ type: 'step', title: `write ${Object.keys(fresh).length} address(es) into ${o.inventory}` })
      setHostAddresses(o.inventory, fresh)
    }
    const failed = settled.flatMap((r) => (r.status === 'rejected' ? [r.reason as Error] : []))
    if (failed.length === 1) throw failed[0]!
    if (failed.length)
      throw new VsphereError(
        `${failed.length} hosts did not come up: ${failed.map((e) => e.message).join('; ')}`,
        'hosts',
        'fix what each says, then run create-hosts again: the hosts that came up are kept',
      )
    return hosts
  } finally {
    await s.logout().catch(() => undefined)
  }
}

/** Remove the VMs create-hosts made for the inventory's hosts, and the addresses it wrote for them. */
export async function destroyHosts(o: Omit<VsphereHostsOptions, 'sshKey' | 'waitMs'>): Promise<{ removed: string[]; absent: string[] }> {
  const emit = o.onEvent ?? (() => {})
  const { inv } = hostsInventory(o.inventory)
  const login = inventoryLogin(inv, o.inventory, o.password)
  emit({ type: 'step', title: `log in to ${login.url} as ${login.user}` })
  const s = await VsphereSession.login(login)
  try {
    // Every VM checked first: one that is not this cloud's stops the command before anything is removed.
    const there = await ownVms(s, inv)
    const found = inv.hosts.flatMap((h) => (there.has(h.name) ? [{ host: h.name, ...there.get(h.name)! }] : []))
    const absent = inv.hosts.filter((h) => !there.has(h.name)).map((h) => h.name)
    for (const f of found) {
      emit({ type: 'host', host: f.host, what: `power off and remove ${vmName(inv, f.host)}` })
      await destroyVm(s, f.vm)
      // At once: a later failure leaves no address of a VM that is gone.
      if (f.dhcp) setHostAddresses(o.inventory, { [f.host]: undefined })
    }
    return { removed: found.map((f) => f.host), absent }
  } finally {
    await s.logout().catch(() => undefined)
  }
}

/** The VMs of the inventory's hosts that are there (by name), each checked to be this cloud's; throws for one that is not. */
async function ownVms(s: VsphereSession, inv: InventoryDraft): Promise<Map<string, { vm: MoRef; dhcp: boolean; prepared: boolean }>> {
  const out = new Map<string, { vm: MoRef; dhcp: boolean; prepared: boolean }>()
  for (const h of inv.hosts) {
    const name = vmName(inv, h.name)
    const vm = await findVm(s, name)
    if (!vm) continue
    const marks = await extraConfig(s, vm)
    if (marks[vmMarks.cloud] !== inv.name || marks[vmMarks.host] !== h.name)
      throw new VsphereError(
        `a VM called ${name} is there and was not made by create-hosts for host ${h.name} of ${inv.name}: it is left alone, and nothing was changed`,
        'input',
        'rename or remove that VM, or rename the host in the inventory',
      )
    out.set(h.name, { vm, dhcp: marks[vmMarks.dhcp] === 'true', prepared: marks[vmMarks.prepared] === 'true' })
  }
  return out
}

/** The inventory's keys, named in placement errors instead of deploy-appliance's flags. */
const inventoryKeys: Record<keyof PlacementNames, string> = {
  datacenter: 'vsphere.vms.datacenter',
  cluster: 'vsphere.vms.cluster',
  host: 'vsphere.vms.esxi_host',
  resourcePool: 'vsphere.vms.resource_pool',
  datastore: 'vsphere.vms.datastore',
  network: 'vsphere.vms.network',
}

/** vSphere's longest VM name. */
const maxVmName = 80

/** Each VM name fits vSphere's limit, checked before any is made. */
function checkVmNames(inv: InventoryDraft): void {
  const names = inv.hosts.map((h) => vmName(inv, h.name))
  const long = names.find((n) => n.length > maxVmName)
  if (long)
    throw new FixableError(`the VM name ${long} is ${long.length} characters long, and vSphere takes ${maxVmName} at most`, {
      fix: "shorten the cloud's name (name:) or the host's",
    })
}

function where(p: Placement) {
  return { folder: p.vmFolder, pool: p.pool, datastore: p.datastore, ...(p.host ? { host: p.host } : {}) }
}

/** Wait until the host's first boot says it is a host (or failed). */
async function waitForHost(s: VsphereSession, vm: MoRef, host: string, waitMs: number): Promise<void> {
  const deadline = Date.now() + waitMs
  for (;;) {
    const status = (await extraConfig(s, vm))[statusKey] ?? ''
    if (/^ready as a host\b/i.test(status)) return
    if (/^failed\b/i.test(status))
      throw new VsphereError(
        `host ${host}'s first boot failed: ${status}`,
        'hosts',
        "look at the VM's console, or /var/log/stackhouse/appliance.log on it",
      )
    if (/^ready\b/i.test(status))
      throw new VsphereError(
        `host ${host} configured a cloud of its own (${status}): its template had been started`,
        'hosts',
        'import the appliance again with --template, and make the hosts from that',
      )
    if (Date.now() > deadline)
      throw new VsphereError(
        `host ${host} did not finish first boot in ${Math.round(waitMs / 60_000)} min (last: ${status || 'nothing'})`,
        'hosts',
        "look at the VM's console",
      )
    await new Promise((r) => setTimeout(r, 3000))
  }
}
