// SPDX-License-Identifier: Apache-2.0
// `stackhouse vsphere deploy-appliance` (appliance/vsphere.ts) against govmomi's
// simulator. The simulator runs no guest, so the test plays the VM's side the way
// VMware Tools and first boot would: it reports an address and publishes the
// appliance's status in guestinfo.stackhouse.status.
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { deployApplianceToVsphere, type VsphereDeployEvent, type VsphereDeployOptions } from '../../appliance/vsphere.ts'
import { FixableError } from '../../installer/errors.ts'
import { VsphereSession } from '../../installer/vsphere/session.ts'
import { destroyVm, extraConfig, findVm, powerState, setExtraConfig, vappProperties } from '../../installer/vsphere/vm.ts'
import { startSimulator, type Simulator } from './simulator.ts'
import { testOva } from './test-ova.ts'

let sim: Simulator
let guest: VsphereSession
const work = mkdtempSync(join(tmpdir(), 'stackhouse-vsphere-deploy-'))
let ova: string

beforeAll(async () => {
  sim = await startSimulator()
  guest = await sim.session()
  ova = await testOva(work, 'app', 4)
}, 900_000)

afterAll(async () => {
  await guest?.logout().catch(() => undefined)
  await sim?.stop()
  rmSync(work, { recursive: true, force: true })
})

const options = (vmName: string, settings: Record<string, string>, events: VsphereDeployEvent[] = []): VsphereDeployOptions => ({
  ova,
  login: sim.credentials,
  placement: { cluster: 'DC0_C0', datastore: 'LocalDS_0', network: 'VM Network' },
  vmName,
  settings,
  waitMs: 60_000,
  onEvent: (e) => events.push(e),
})

/** The VM's side: once it runs, an address, then the statuses given, one every 200 ms. */
async function playGuest(vmName: string, address: string, statuses: string[]): Promise<void> {
  for (;;) {
    const vm = await findVm(guest, vmName)
    if (vm && (await powerState(guest, vm)) === 'poweredOn') {
      await setExtraConfig(guest, vm, { 'SET.guest.ipAddress': address })
      for (const status of statuses) {
        await setExtraConfig(guest, vm, { 'guestinfo.stackhouse.status': status })
        await new Promise((r) => setTimeout(r, 200))
      }
      return
    }
    await new Promise((r) => setTimeout(r, 100))
  }
}

describe('vsphere deploy-appliance', () => {
  it('imports the OVA with its settings, powers it on, and follows it to Ready', async () => {
    const events: VsphereDeployEvent[] = []
    const settings = { hostname: 'cloud1', 'network.mode': 'dhcp', 'labs.students': '3' }
    const [report] = await Promise.all([
      deployApplianceToVsphere(options('stackhouse-e2e', settings, events)),
      playGuest('stackhouse-e2e', '10.20.30.41', ['Configuring (step 3 of 12: keystone)', 'Ready: https://10.20.30.41/']),
    ])
    // THEN it reports the address and the Ready line, after the upload reached 100 %
    expect(report).toMatchObject({ address: '10.20.30.41', status: 'Ready: https://10.20.30.41/' })
    const uploads = events.filter((e) => e.type === 'upload')
    expect(uploads.at(-1)).toMatchObject({ type: 'upload' })
    const last = uploads.at(-1) as { sent: number; total: number }
    expect(last.sent).toBe(last.total)
    expect(events.filter((e) => e.type === 'status').map((e) => (e as { status: string }).status)).toContain('Ready: https://10.20.30.41/')
    // AND the settings are the VM's properties, with their prefix
    const onVm = { ...(await extraConfig(guest, report.vm)), ...(await vappProperties(guest, report.vm)) }
    expect(onVm).toMatchObject({ 'stackhouse.hostname': 'cloud1', 'stackhouse.network.mode': 'dhcp', 'stackhouse.labs.students': '3' })
    await destroyVm(guest, report.vm)
  })

  it('says so when the appliance reports a failure, with where to look', async () => {
    const [result] = await Promise.allSettled([
      deployApplianceToVsphere(options('stackhouse-fails', { 'network.mode': 'dhcp' })),
      playGuest('stackhouse-fails', '10.20.30.42', ['Failed: neutron, see /var/log/stackhouse/appliance.log']),
    ])
    expect(result.status).toBe('rejected')
    const e = (result as PromiseRejectedResult).reason as Error & { fix?: string }
    expect(e.message).toBe('the appliance stackhouse-fails at 10.20.30.42 failed: Failed: neutron, see /var/log/stackhouse/appliance.log')
    expect(e.fix).toContain('ssh root@10.20.30.42')
    const vm = await findVm(guest, 'stackhouse-fails')
    if (vm) await destroyVm(guest, vm)
  })

  it('writes the OVF environment itself on a standalone ESXi host, which makes none', async () => {
    // GIVEN a standalone ESXi host (no vCenter: one datacenter, one host, no cluster)
    const esx = await startSimulator({ esx: true })
    const on = await esx.session()
    try {
      expect(on.content.apiType).toBe('HostAgent')
      const settings = { hostname: 'lab7', 'network.mode': 'dhcp' }
      const deploy = deployApplianceToVsphere({
        ...options('stackhouse-esx', settings),
        login: esx.credentials,
        placement: { datastore: 'LocalDS_0', network: 'VM Network' },
      })
      // (the guest's side, on this host)
      const guestSide = (async () => {
        for (;;) {
          const vm = await findVm(on, 'stackhouse-esx')
          if (vm && (await powerState(on, vm)) === 'poweredOn') {
            await setExtraConfig(on, vm, {
              'SET.guest.ipAddress': '10.20.30.43',
              'guestinfo.stackhouse.status': 'Ready: https://10.20.30.43/',
            })
            return
          }
          await new Promise((r) => setTimeout(r, 100))
        }
      })()
      const [report] = await Promise.all([deploy, guestSide])
      // THEN the VM carries the OVF environment first boot reads (guestinfo.ovfEnv), with the settings in it
      const env = (await extraConfig(on, report.vm))['guestinfo.ovfEnv'] ?? ''
      expect(env).toContain('<PropertySection>')
      expect(env).toContain('oe:key="stackhouse.hostname" oe:value="lab7"')
      expect(env).toContain('oe:key="stackhouse.network.mode" oe:value="dhcp"')
      await destroyVm(on, report.vm)
    } finally {
      await on.logout().catch(() => undefined)
      await esx.stop()
    }
  })

  it('refuses bad settings before it logs in or makes anything, naming each', async () => {
    const e = await deployApplianceToVsphere(
      options('stackhouse-bad', { 'network.mode': 'static', 'labs.set': 'nope', colour: 'blue' }),
    ).catch((x: unknown) => x)
    expect(e).toBeInstanceOf(FixableError)
    expect((e as Error).message).toMatch(/stackhouse\.network\.address/)
    expect((e as Error).message).toMatch(/stackhouse\.labs\.set/)
    expect((e as Error).message).toMatch(/stackhouse\.colour is not a Stackhouse setting/)
    expect(await findVm(guest, 'stackhouse-bad')).toBeUndefined()
  })
})
