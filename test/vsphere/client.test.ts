// SPDX-License-Identifier: Apache-2.0
// Stackhouse's vSphere client against govmomi's vCenter simulator (./simulator.ts),
// never a mock of our own: login over verified TLS, placement by name, an OVA
// imported with its properties, power, guest address, clone and destroy; and the
// failures, each a clear error with nothing left behind.
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { readOva } from '../../appliance/ova/read.ts'
import { VsphereError } from '../../installer/vsphere/errors.ts'
import { importOvf } from '../../installer/vsphere/import.ts'
import { resolvePlacement, type PlacementNames } from '../../installer/vsphere/placement.ts'
import { VsphereSession } from '../../installer/vsphere/session.ts'
import {
  cloneVm,
  destroyVm,
  extraConfig,
  findVm,
  powerOn,
  powerState,
  setExtraConfig,
  vappProperties,
  waitForGuestIp,
} from '../../installer/vsphere/vm.ts'
import { textOf } from '../../installer/xml.ts'
import { startSimulator, type Simulator } from './simulator.ts'
import { testOva } from './test-ova.ts'

let sim: Simulator
let session: VsphereSession
const work = mkdtempSync(join(tmpdir(), 'stackhouse-vsphere-test-'))
let ova: string
const where: PlacementNames = { datacenter: 'DC0', cluster: 'DC0_C0', datastore: 'LocalDS_0', network: 'VM Network' }

beforeAll(async () => {
  sim = await startSimulator()
  session = await sim.session()
  ova = await testOva(work, 'tiny', 4)
}, 900_000)

afterAll(async () => {
  if (process.env.VCSIM_LOG) console.log(sim?.log())
  await session?.logout().catch(() => undefined)
  await sim?.stop()
  rmSync(work, { recursive: true, force: true })
})

async function failure(p: Promise<unknown>): Promise<VsphereError> {
  const e = await p.then(
    () => undefined,
    (x: unknown) => x,
  )
  expect(e).toBeInstanceOf(VsphereError)
  return e as VsphereError
}

describe('vSphere client: connecting', () => {
  it('logs in over TLS verified against the given CA, and reads the inventory', async () => {
    expect(session.content.apiType).toBe('VirtualCenter')
    const vms = await session.list('VirtualMachine', ['name', 'runtime.powerState'])
    expect(vms.length).toBeGreaterThan(0)
  })

  it('refuses a wrong password as an input error with the fix', async () => {
    const e = await failure(VsphereSession.login({ ...sim.credentials, password: 'wrong' }))
    expect(e.fault).toBe('InvalidLogin')
    expect(e.kind).toBe('input')
    expect(e.fix).toMatch(/user and password/)
  })

  it('refuses a certificate it does not trust, says how to trust it, and connects with --insecure only when asked', async () => {
    const e = await failure(VsphereSession.login({ url: sim.url, user: sim.user, password: sim.password }))
    expect(e.message).toMatch(/certificate of .* is not trusted/)
    expect(e.fix).toMatch(/--ca-file/)
    const insecure = await VsphereSession.login({ url: sim.url, insecure: true, user: sim.user, password: sim.password })
    await insecure.logout()
  })
})

describe('vSphere client: placement by name', () => {
  it("finds the datacenter, the cluster's pool, the datastore and the network", async () => {
    const p = await resolvePlacement(session, where)
    expect(p.datacenter.type).toBe('Datacenter')
    expect(p.pool.type).toBe('ResourcePool')
    expect(p.datastore.type).toBe('Datastore')
    expect(p.networkName).toBe('VM Network')
  })

  it.each([
    ['datacenter', { datacenter: 'DC9' }, /no datacenter is called DC9 \(there are: DC0\)/],
    ['cluster', { cluster: 'nope' }, /no cluster is called nope \(there are: DC0_C0\)/],
    ['datastore', { datastore: 'SAN' }, /no datastore is called SAN \(there are: LocalDS_0\)/],
    ['network', { network: 'prod' }, /no network is called prod \(there are: .*VM Network/],
  ])('names an unknown %s and lists what there is', async (_, change, message) => {
    const e = await failure(resolvePlacement(session, { ...where, ...change }))
    expect(e.kind).toBe('input')
    expect(e.message).toMatch(message)
  })
})

describe('vSphere client: an OVA into vSphere', () => {
  it('imports with its properties, powers on, reads the guest address, clones and destroys', async () => {
    const placement = await resolvePlacement(session, where)
    const source = readOva(ova)
    const properties = { 'stackhouse.hostname': 'cloud1', 'stackhouse.network.mode': 'dhcp' }
    const progress: number[] = []
    const vm = await importOvf(session, {
      ...source,
      vmName: 'stackhouse-import-test',
      properties,
      placement,
      onProgress: (sent) => progress.push(sent),
    })
    // THEN the VM exists under its name, every disk byte was sent, and the properties are on it
    expect(await findVm(session, 'stackhouse-import-test')).toEqual(vm)
    expect(progress.at(-1)).toBe(source.disks.reduce((n, d) => n + d.size, 0))
    // (older simulators put a ProductSection into extraConfig, newer ones and vCenter into vAppConfig)
    const onVm = { ...(await extraConfig(session, vm)), ...(await vappProperties(session, vm)) }
    expect(onVm).toMatchObject(properties)
    // WHEN powered on with an address reported THEN the guest address is read back
    await powerOn(session, vm)
    expect(await powerState(session, vm)).toBe('poweredOn')
    await setExtraConfig(session, vm, { 'SET.guest.ipAddress': '10.20.30.40', 'guestinfo.stackhouse.status': 'ready' })
    expect(await waitForGuestIp(session, vm, 30_000)).toBe('10.20.30.40')
    expect((await extraConfig(session, vm))['guestinfo.stackhouse.status']).toBe('ready')
    // AND a clone is made beside it, and both are destroyed
    const clone = await cloneVm(session, vm, 'stackhouse-clone-test', {
      folder: placement.vmFolder,
      pool: placement.pool,
      datastore: placement.datastore,
    })
    expect(await findVm(session, 'stackhouse-clone-test')).toEqual(clone)
    await destroyVm(session, clone)
    await destroyVm(session, vm)
    expect(await findVm(session, 'stackhouse-import-test')).toBeUndefined()
    expect(await findVm(session, 'stackhouse-clone-test')).toBeUndefined()
  })

  it('refuses a VM name that exists, and leaves that VM alone', async () => {
    const placement = await resolvePlacement(session, where)
    const [existing] = await session.list('VirtualMachine', ['name'])
    const name = textOf(existing!.props['name'])
    const e = await failure(importOvf(session, { ...readOva(ova), vmName: name, properties: {}, placement }))
    expect(e.message).toBe(`a VM called ${name} exists already`)
    expect(await findVm(session, name)).toEqual(existing!.ref)
  })

  it('stops an upload interrupted half-way: the lease is aborted and the VM removed', async () => {
    const placement = await resolvePlacement(session, where)
    const source = readOva(ova)
    const abort = new AbortController()
    const e = await failure(
      importOvf(session, {
        ...source,
        vmName: 'stackhouse-interrupted',
        properties: {},
        placement,
        signal: abort.signal,
        onProgress: () => abort.abort(),
      }),
    )
    expect(e.message).toMatch(/interrupted/)
    expect(await findVm(session, 'stackhouse-interrupted')).toBeUndefined()
  })
})
