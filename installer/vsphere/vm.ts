// SPDX-License-Identifier: Apache-2.0
// One VM: found by name, powered on or off, given guestinfo.* keys (extraConfig),
// destroyed, cloned, and asked for the address VMware Tools report.
import { asArray, el, textOf, type XmlNode } from '../xml.ts'
import { VsphereError } from './errors.ts'
import { moRef, ref, type MoRef } from './soap.ts'
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
  const spec = el(
    'spec',
    {},
    ...Object.entries(values).map(([key, value]) =>
      el('extraConfig', {}, el('key', {}, key), el('value', { 'xsi:type': 'xsd:string' }, value)),
    ),
  )
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

/** Clone `vm` as `name` into `folder` (placed in `pool` on `datastore`); the new VM. */
export async function cloneVm(
  s: VsphereSession,
  vm: MoRef,
  name: string,
  where: { folder: MoRef; pool: MoRef; datastore: MoRef; host?: MoRef },
): Promise<MoRef> {
  const spec = el(
    'spec',
    {},
    el('location', {}, ref('datastore', where.datastore), ref('pool', where.pool), ...(where.host ? [ref('host', where.host)] : [])),
    el('template', {}, 'false'),
    el('powerOn', {}, 'false'),
  )
  const task = moRef(await s.soap.call('CloneVM_Task', vm, ref('folder', where.folder), el('name', {}, name), spec))
  return moRef(await s.waitForTask(task, `cloning ${vm.value} as ${name}`))
}
