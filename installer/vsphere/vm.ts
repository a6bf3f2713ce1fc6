// SPDX-License-Identifier: Apache-2.0
// One VM: found by name, powered on or off, given guestinfo.* keys (extraConfig),
// destroyed, cloned (with its size, keys and network changed), made a template, and
// asked for the address VMware Tools report.
import { asArray, el, textOf, type XmlElement, type XmlNode } from '../xml.ts'
import { VsphereError } from './errors.ts'
import { moRef, ref, xsiType, type MoRef } from './soap.ts'
import type { VsphereSession } from './session.ts'

/** The VM called `name` (anywhere the session sees), if there is one. */
export async function findVm(s: VsphereSession, name: string): Promise<MoRef | undefined> {
  const vms = (await s.list('VirtualMachine', ['name'])).filter((v) => textOf(v.props['name']) === name)
  if (vms.length > 1) throw new VsphereError(`${vms.length} VMs are called ${name}`, 'input', 'rename the others, or choose another name')
  return vms[0]?.ref
}

export async function powerState(s: VsphereSession, vm: MoRef): Promise<string> {
  return textOf((await s.get(vm, ['runtime.powerState']))['runtime.powerState'])
}

export async function powerOn(s: VsphereSession, vm: MoRef): Promise<void> {
  if ((await powerState(s, vm)) === 'poweredOn') return
  await s.waitForTask(moRef(await s.soap.call('PowerOnVM_Task', vm)), `powering on ${vm.value}`)
}

export async function powerOff(s: VsphereSession, vm: MoRef): Promise<void> {
  if ((await powerState(s, vm)) !== 'poweredOn') return
  await s.waitForTask(moRef(await s.soap.call('PowerOffVM_Task', vm)), `powering off ${vm.value}`)
}

/** Power off (when on) and delete the VM with its disks. */
export async function destroyVm(s: VsphereSession, vm: MoRef): Promise<void> {
  await powerOff(s, vm)
  await s.waitForTask(moRef(await s.soap.call('Destroy_Task', vm)), `removing ${vm.value}`)
}

/** Set extraConfig keys (guestinfo.* reach the guest through VMware Tools). */
export async function setExtraConfig(s: VsphereSession, vm: MoRef, values: Record<string, string>): Promise<void> {
  const spec = el('spec', {}, ...optionValues(values))
  await s.waitForTask(moRef(await s.soap.call('ReconfigVM_Task', vm, spec)), `reconfiguring ${vm.value}`)
}

/** The VM's extraConfig as key → value. */
export async function extraConfig(s: VsphereSession, vm: MoRef): Promise<Record<string, string>> {
  const v = (await s.get(vm, ['config.extraConfig']))['config.extraConfig'] as XmlNode | undefined
  return Object.fromEntries(asArray<XmlNode>(v?.['OptionValue']).map((o) => [textOf(o['key']), textOf(o['value'])]))
}

/** The VM's vApp properties (vAppConfig) as key → value. */
export async function vappProperties(s: VsphereSession, vm: MoRef): Promise<Record<string, string>> {
  const v = (await s.get(vm, ['config.vAppConfig']))['config.vAppConfig'] as XmlNode | undefined
  return Object.fromEntries(asArray<XmlNode>(v?.['property']).map((p) => [textOf(p['id']), textOf(p['value'])]))
}

/**
 * Set the values of vApp properties the VM has (by id; others are left out), from
 * which vCenter writes the OVF environment at power-on. False when it has none of
 * them (a standalone host, or a simulator's clone): extraConfig's guestinfo.ovfEnv
 * is then what the guest reads.
 */
export async function setVappProperties(s: VsphereSession, vm: MoRef, values: Record<string, string>): Promise<boolean> {
  const v = (await s.get(vm, ['config.vAppConfig']))['config.vAppConfig'] as XmlNode | undefined
  const edits = asArray<XmlNode>(v?.['property'])
    .filter((p) => Object.hasOwn(values, textOf(p['id'])))
    .map((p) =>
      el(
        'property',
        {},
        el('operation', {}, 'edit'),
        el('info', {}, el('key', {}, textOf(p['key'])), el('id', {}, textOf(p['id'])), el('value', {}, values[textOf(p['id'])]!)),
      ),
    )
  if (!edits.length) return false
  const spec = el('spec', {}, el('vAppConfig', {}, ...edits))
  await s.waitForTask(moRef(await s.soap.call('ReconfigVM_Task', vm, spec)), `setting ${vm.value}'s vApp properties`)
  return true
}

/** Wait until VMware Tools report an IPv4 address for the VM. */
export async function waitForGuestIp(s: VsphereSession, vm: MoRef, timeoutMs: number): Promise<string> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const ip = textOf((await s.get(vm, ['guest.ipAddress']))['guest.ipAddress'])
    if (/^\d+\.\d+\.\d+\.\d+$/.test(ip)) return ip
    if (Date.now() > deadline)
      throw new VsphereError(
        `${vm.value} reported no address in ${Math.round(timeoutMs / 1000)} s`,
        'hosts',
        'check that the VM boots and runs VMware Tools (open-vm-tools)',
      )
    await new Promise((r) => setTimeout(r, 2000))
  }
}

/** What a clone changes of its source: extraConfig keys and the NIC's network (its size: resizeVm after). */
export interface CloneChanges {
  extraConfig?: Record<string, string>
  /** The source's NIC (its device, as vSphere lists it) joins this network instead. */
  nic?: { device: XmlNode; backing: XmlElement }
}

/** Clone `vm` as `name` into `folder` (placed in `pool` on `datastore`), powered off; the new VM. */
export async function cloneVm(
  s: VsphereSession,
  vm: MoRef,
  name: string,
  where: { folder: MoRef; pool: MoRef; datastore: MoRef; host?: MoRef },
  changes: CloneChanges = {},
): Promise<MoRef> {
  // VirtualMachineConfigSpec's elements in its schema order.
  const config = el(
    'config',
    {},
    ...(changes.nic ? [nicChange(changes.nic.device, changes.nic.backing)] : []),
    ...optionValues(changes.extraConfig ?? {}),
  )
  const spec = el(
    'spec',
    {},
    el('location', {}, ref('datastore', where.datastore), ref('pool', where.pool), ...(where.host ? [ref('host', where.host)] : [])),
    el('template', {}, 'false'),
    config,
    el('powerOn', {}, 'false'),
  )
  const task = moRef(await s.soap.call('CloneVM_Task', vm, ref('folder', where.folder), el('name', {}, name), spec))
  return moRef(await s.waitForTask(task, `cloning ${vm.value} as ${name}`))
}

/** Give a powered-off VM another number of CPUs and amount of memory. */
export async function resizeVm(s: VsphereSession, vm: MoRef, size: { cpus?: number; memoryMiB?: number }): Promise<void> {
  if (!size.cpus && !size.memoryMiB) return
  const spec = el(
    'spec',
    {},
    ...(size.cpus ? [el('numCPUs', {}, String(size.cpus))] : []),
    ...(size.memoryMiB ? [el('memoryMB', {}, String(size.memoryMiB))] : []),
  )
  await s.waitForTask(moRef(await s.soap.call('ReconfigVM_Task', vm, spec)), `resizing ${vm.value}`)
}

/** Make the VM a template (vCenter only): it is never powered on, only cloned. */
export async function markAsTemplate(s: VsphereSession, vm: MoRef): Promise<void> {
  await s.soap.call('MarkAsTemplate', vm)
}

/** The VM's network cards, as vSphere lists its devices. */
export async function networkCards(s: VsphereSession, vm: MoRef): Promise<XmlNode[]> {
  const hw = (await s.get(vm, ['config.hardware.device']))['config.hardware.device'] as XmlNode | undefined
  return asArray<XmlNode>(hw?.['VirtualDevice']).filter(
    (d) => d['macAddress'] !== undefined || /Ethernet|Vmxnet|E1000|Pcnet/i.test(xsiType(d)),
  )
}

/** How a NIC joins `network`: a standard port group by name, or a distributed one by its switch and key. */
export async function nicBacking(s: VsphereSession, network: MoRef, name: string): Promise<XmlElement> {
  if (network.type !== 'DistributedVirtualPortgroup')
    return el('backing', { 'xsi:type': 'VirtualEthernetCardNetworkBackingInfo' }, el('deviceName', {}, name), ref('network', network))
  const pg = await s.get(network, ['key', 'config.distributedVirtualSwitch'])
  const uuid = textOf((await s.get(moRef(pg['config.distributedVirtualSwitch']), ['uuid']))['uuid'])
  return el(
    'backing',
    { 'xsi:type': 'VirtualEthernetCardDistributedVirtualPortBackingInfo' },
    el('port', {}, el('switchUuid', {}, uuid), el('portgroupKey', {}, textOf(pg['key']))),
  )
}

/** An edit of the NIC `device` onto `backing` (its key and type kept, so vSphere knows which card). */
function nicChange(device: XmlNode, backing: XmlElement): XmlElement {
  return el(
    'deviceChange',
    {},
    el('operation', {}, 'edit'),
    el(
      'device',
      { 'xsi:type': xsiType(device) },
      el('key', {}, textOf(device['key'])),
      // Its label kept; the summary says the new network (govmomi's simulator needs a deviceInfo on an edit).
      el(
        'deviceInfo',
        {},
        el('label', {}, textOf((device['deviceInfo'] as XmlNode | undefined)?.['label']) || 'Network adapter 1'),
        el('summary', {}, 'network'),
      ),
      backing,
    ),
  )
}

function optionValues(values: Record<string, string>): XmlElement[] {
  return Object.entries(values).map(([key, value]) =>
    el('extraConfig', {}, el('key', {}, key), el('value', { 'xsi:type': 'xsd:string' }, value)),
  )
}
