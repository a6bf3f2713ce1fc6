// SPDX-License-Identifier: Apache-2.0
// `stackhouse vsphere deploy-appliance` as one library call: the appliance's OVA
// imported through the vSphere API with its settings (checked first by the same
// rules first boot applies), the OVF environment written where a standalone ESXi
// makes none, powered on, and followed until the VM reports its address and the
// appliance says Ready (guestinfo.stackhouse.status, which first boot publishes).
import { FixableError } from '../installer/errors.ts'
import { importOvf } from '../installer/vsphere/import.ts'
import { resolvePlacement, type PlacementNames } from '../installer/vsphere/placement.ts'
import { VsphereSession, type VsphereLogin } from '../installer/vsphere/session.ts'
import { VsphereError } from '../installer/vsphere/errors.ts'
import { sdkEndpoint, type MoRef } from '../installer/vsphere/soap.ts'
import { extraConfig, markAsTemplate, powerOn, setExtraConfig, waitForGuestIp } from '../installer/vsphere/vm.ts'
import { ovfEnvironment } from './first-boot/environment.ts'
import { resolveSettings } from './first-boot/settings.ts'
import { readOva } from './ova/read.ts'
import { propertyPrefix } from './settings.ts'

export type VsphereDeployEvent =
  | { type: 'step'; title: string }
  | { type: 'upload'; sent: number; total: number }
  | { type: 'status'; status: string }

export interface VsphereDeployOptions {
  ova: string
  login: VsphereLogin
  placement: PlacementNames
  vmName: string
  /** Appliance settings, keys with or without the stackhouse. prefix. */
  settings: Record<string, string>
  /**
   * Import only, and make it a template (vCenter): never started, so its first boot is
   * still to come in every clone (stackhouse vsphere create-hosts).
   */
  template?: boolean
  /** How long to wait for the address, then for Ready. @default 20 min */
  waitMs?: number
  onEvent?: (e: VsphereDeployEvent) => void
  signal?: AbortSignal
}

export interface VsphereDeployReport {
  vm: MoRef
  /** Empty for a template. */
  address: string
  /** The appliance's last status line (Ready with its URLs, or why it failed). */
  status: string
}

const statusKey = 'guestinfo.stackhouse.status'

/** The settings with the prefix, checked as first boot would check them: every problem at once, before anything is sent. */
export function checkedProperties(values: Record<string, string>): Record<string, string> {
  const props = Object.fromEntries(Object.entries(values).map(([k, v]) => [k.startsWith(propertyPrefix) ? k : `${propertyPrefix}${k}`, v]))
  const { problems } = resolveSettings([{ name: 'the command line', values: props }])
  if (problems.length)
    throw new FixableError(problems.map((p) => `${p.property} ${p.message}`).join('; '), { fix: problems.map((p) => p.fix).join('; ') })
  return props
}

export async function deployApplianceToVsphere(o: VsphereDeployOptions): Promise<VsphereDeployReport> {
  const emit = o.onEvent ?? (() => {})
  // Every input checked before the OVA is read or vSphere reached.
  sdkEndpoint(o.login.url)
  const properties = checkedProperties(o.settings)
  const source = readOva(o.ova)
  const unknown = Object.keys(properties).filter((k) => !source.propertyKeys.includes(k))
  if (unknown.length)
    throw new FixableError(`${o.ova} has no property ${unknown.join(', ')}`, { fix: 'build the OVA again with this Stackhouse' })
  emit({ type: 'step', title: `log in to ${o.login.url} as ${o.login.user}` })
  const s = await VsphereSession.login(o.login)
  try {
    if (o.template && s.content.apiType === 'HostAgent')
      throw new VsphereError(
        `${o.login.url} is a standalone ESXi host, which keeps no templates and clones nothing`,
        'input',
        'import the template into a vCenter',
      )
    const placement = await resolvePlacement(s, o.placement)
    emit({ type: 'step', title: `import ${o.ova} as ${o.vmName}` })
    const vm = await importOvf(s, {
      ...source,
      vmName: o.vmName,
      properties,
      placement,
      onProgress: (sent, total) => emit({ type: 'upload', sent, total }),
      ...(o.signal ? { signal: o.signal } : {}),
    })
    // vCenter hands the vApp properties to the guest itself; a standalone ESXi keeps no OVF
    // environment, so the one the guest reads (guestinfo.ovfEnv) is written here.
    if (s.content.apiType === 'HostAgent') {
      emit({ type: 'step', title: 'write the OVF environment (a standalone ESXi makes none)' })
      await setExtraConfig(s, vm, { 'guestinfo.ovfEnv': ovfEnvironment(properties) })
    }
    if (o.template) {
      emit({ type: 'step', title: `make ${o.vmName} a template` })
      await markAsTemplate(s, vm)
      return { vm, address: '', status: 'a template: clone it with stackhouse vsphere create-hosts' }
    }
    emit({ type: 'step', title: `power on ${o.vmName}` })
    await powerOn(s, vm)
    const waitMs = o.waitMs ?? 20 * 60_000
    const deadline = Date.now() + waitMs
    emit({ type: 'step', title: 'wait for its address (VMware Tools)' })
    const address = await waitForGuestIp(s, vm, waitMs)
    emit({ type: 'step', title: `wait until the appliance at ${address} is Ready` })
    let last = ''
    for (;;) {
      // Interrupted here, the VM stays: it is imported and booting, and the command says where it is.
      if (o.signal?.aborted) return { vm, address, status: last || 'not Ready yet (interrupted)' }
      const status = (await extraConfig(s, vm))[statusKey] ?? ''
      if (status !== last) emit({ type: 'status', status: (last = status) })
      if (/^ready\b/i.test(status)) return { vm, address, status }
      if (/^failed\b/i.test(status))
        throw new VsphereError(
          `the appliance ${o.vmName} at ${address} failed: ${status}`,
          'hosts',
          `look at its console, or ssh root@${address} and read /var/log/stackhouse/appliance.log`,
        )
      if (Date.now() > deadline)
        throw new VsphereError(
          `the appliance ${o.vmName} at ${address} was not Ready in ${Math.round(waitMs / 60_000)} min (last: ${status || 'nothing'})`,
          'hosts',
          'look at its console',
        )
      await new Promise((r) => setTimeout(r, 5000))
    }
  } finally {
    await s.logout().catch(() => undefined)
  }
}
