// SPDX-License-Identifier: Apache-2.0
// `stackhouse vsphere create-hosts` and `destroy-hosts` (appliance/vsphere-hosts.ts)
// against govmomi's simulator: the appliance imported as a template, an inventory's
// hosts cloned from it, their addresses written into the inventory, and removed
// again. The simulator runs no guest, so the test plays each VM's side as first boot
// would: it reads the settings the VM was given (guestinfo.ovfEnv, parsed by first
// boot's own code), reports the address they ask for (or one "DHCP" gave) and says
// "Ready as a host".
import { spawnSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { fromOvfEnvironment, resolveSettings } from '../../appliance/first-boot/settings.ts'
import { deployApplianceToVsphere } from '../../appliance/vsphere.ts'
import { createHosts, destroyHosts, hostProperties, vmMarks, type HostsEvent } from '../../appliance/vsphere-hosts.ts'
import { checkInventory, checkInventoryDraft } from '../../installer/inventory/load.ts'
import type { VsphereSession } from '../../installer/vsphere/session.ts'
import { textOf, type XmlNode } from '../../installer/xml.ts'
import { cloneVm, destroyVm, extraConfig, findVm, networkCards, powerState, setExtraConfig } from '../../installer/vsphere/vm.ts'
import { resolvePlacement } from '../../installer/vsphere/placement.ts'
import { startSimulator, type Simulator } from './simulator.ts'
import { testOva } from './test-ova.ts'

let sim: Simulator
let guest: VsphereSession
const work = mkdtempSync(join(tmpdir(), 'stackhouse-vsphere-hosts-'))
const template = 'stackhouse-template'
const sshKey = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIDeployerKeyForTheTest deployer@example'

/** An inventory with comments, one host with an address of its own and two without. */
const inventoryText = (port: string) => `# A cloud on vSphere: its hosts are VMs made by create-hosts.
name: vcloud
target: vsphere
hosts:
  - name: ctl1 # the controller
  - name: cmp1
    address: 10.20.30.52 # reserved for it
  - name: cmp2
groups:
  control: [ctl1]
  network: [ctl1]
  compute: [cmp1, cmp2]
  storage: [cmp2]
networks:
  management: { cidr: 10.20.30.0/24, gateway: 10.20.30.1 }
vsphere:
  host: 127.0.0.1
  port: ${port}
  username: administrator@vsphere.local
  ca_file: vcenter-ca.pem
  vms:
    template: ${template}
    cluster: DC0_C0
    datastore: LocalDS_0
    network: DC0_DVPG0 # a distributed port group
    cpus: 4
    memory_gib: 16
`

let inventory: string
let original: string
let ova: string
/** Addresses "DHCP" hands out, by VM. */
const dhcp: Record<string, string> = { 'vcloud-ctl1': '10.20.30.71', 'vcloud-cmp2': '10.20.30.72', 'vcloud-cmp1': '10.20.30.73' }

/** Each powered-on VM of the cloud: the address its settings ask for (or the next DHCP one), then "Ready as a host". */
function playGuests(opts: { wrongAddress?: boolean } = {}): { stop: () => void; settings: Map<string, Record<string, string>> } {
  let stopped = false
  const served = new Map<string, Record<string, string>>()
  const loop = async () => {
    while (!stopped) {
      for (const v of await guest.list('VirtualMachine', ['name', 'runtime.powerState'])) {
        const name = textOf(v.props['name'])
        if (!name.startsWith('vcloud-') || served.has(name) || textOf(v.props['runtime.powerState']) !== 'poweredOn') continue
        const env = (await extraConfig(guest, v.ref))['guestinfo.ovfEnv'] ?? ''
        const values = fromOvfEnvironment(env)
        served.set(name, values)
        const { settings, problems } = resolveSettings([{ name: 'guestinfo.ovfEnv', values }])
        if (!settings) {
          await setExtraConfig(guest, v.ref, { 'guestinfo.stackhouse.status': `Failed: settings, see ${problems[0]?.message}` })
          continue
        }
        const address = settings.network.mode === 'static' ? (opts.wrongAddress ? '10.20.30.99' : settings.network.address) : dhcp[name]!
        await setExtraConfig(guest, v.ref, { 'SET.guest.ipAddress': address })
        await setExtraConfig(guest, v.ref, { 'guestinfo.stackhouse.status': `Ready as a host: ssh root@${address} (no cloud here)` })
      }
      await new Promise((r) => setTimeout(r, 100))
    }
  }
  void loop()
  return { stop: () => (stopped = true), settings: served }
}

beforeAll(async () => {
  sim = await startSimulator()
  guest = await sim.session()
  ova = await testOva(work, 'app', 4)
  // GIVEN the appliance imported as a template (never started)
  const report = await deployApplianceToVsphere({
    ova,
    login: sim.credentials,
    placement: { cluster: 'DC0_C0', datastore: 'LocalDS_0', network: 'VM Network' },
    vmName: template,
    settings: {},
    template: true,
  })
  expect(textOf((await guest.get(report.vm, ['config.template']))['config.template'])).toBe('true')
  expect(await powerState(guest, report.vm)).toBe('poweredOff')
  writeFileSync(join(work, 'vcenter-ca.pem'), sim.ca)
  inventory = join(work, 'inventory.yml')
  original = inventoryText(new URL(sim.url).port)
  writeFileSync(inventory, original)
}, 900_000)

afterAll(async () => {
  await guest?.logout().catch(() => undefined)
  await sim?.stop()
  rmSync(work, { recursive: true, force: true })
})

const vmsOfCloud = async () =>
  (await guest.list('VirtualMachine', ['name']))
    .map((v) => textOf(v.props['name']))
    .filter((n) => n.startsWith('vcloud-'))
    .sort()

describe('vsphere create-hosts and destroy-hosts', () => {
  it("make the inventory's hosts as clones in mode host, and write the addresses they got into it, comments kept", async () => {
    const events: HostsEvent[] = []
    const guests = playGuests()
    try {
      const hosts = await createHosts({ inventory, password: sim.password, sshKey, waitMs: 60_000, onEvent: (e) => events.push(e) })
      expect(hosts.map((h) => [h.name, h.address, h.created])).toEqual([
        ['ctl1', '10.20.30.71', true],
        ['cmp1', '10.20.30.52', true],
        ['cmp2', '10.20.30.72', true],
      ])
      // THEN each VM was given mode host, its name and the deployer's key; cmp1 its own address, the others DHCP
      expect(guests.settings.get('vcloud-cmp1')).toMatchObject({
        'stackhouse.mode': 'host',
        'stackhouse.hostname': 'cmp1',
        'stackhouse.ssh_key': sshKey,
        'stackhouse.network.mode': 'static',
        'stackhouse.network.address': '10.20.30.52/24',
        'stackhouse.network.gateway': '10.20.30.1',
      })
      expect(guests.settings.get('vcloud-ctl1')).toMatchObject({ 'stackhouse.mode': 'host', 'stackhouse.network.mode': 'dhcp' })
      // AND each is marked as this cloud's host, sized as asked, its NIC on the distributed port group
      const vm = (await findVm(guest, 'vcloud-ctl1'))!
      expect(await extraConfig(guest, vm)).toMatchObject({ [vmMarks.cloud]: 'vcloud', [vmMarks.host]: 'ctl1', [vmMarks.dhcp]: 'true' })
      const hw = await guest.get(vm, ['config.hardware.numCPU', 'config.hardware.memoryMB'])
      expect([textOf(hw['config.hardware.numCPU']), textOf(hw['config.hardware.memoryMB'])]).toEqual(['4', '16384'])
      const nic = (await networkCards(guest, vm))[0]!
      const pg = (await guest.list('DistributedVirtualPortgroup', ['name', 'key'])).find((p) => textOf(p.props['name']) === 'DC0_DVPG0')!
      expect(textOf(((nic['backing'] as XmlNode)['port'] as XmlNode)['portgroupKey'])).toBe(textOf(pg.props['key']))
      // AND the inventory has the two addresses, beside their names, with every comment kept
      const text = readFileSync(inventory, 'utf8')
      expect(text).toContain('  - name: ctl1 # the controller\n    address: 10.20.30.71\n')
      expect(text).toContain('  - name: cmp2\n    address: 10.20.30.72\n')
      expect(text).toContain('    address: 10.20.30.52 # reserved for it\n')
      expect(text).toContain('# A cloud on vSphere: its hosts are VMs made by create-hosts.\n')
      expect(text).toContain('    network: DC0_DVPG0 # a distributed port group\n')
      // AND it is now an inventory every command takes
      expect(checkInventory(inventory, text, { dir: work }).problems.filter((p) => p.severity === 'error')).toEqual([])
      expect(events.filter((e) => e.type === 'host' && /^ready at /.test(e.what))).toHaveLength(3)
    } finally {
      guests.stop()
    }
  })

  it('changes nothing when run again: the VMs are found by their marks, the inventory stays as it is', async () => {
    const before = readFileSync(inventory, 'utf8')
    const hosts = await createHosts({ inventory, password: sim.password, sshKey, waitMs: 30_000 })
    expect(hosts.map((h) => [h.name, h.created])).toEqual([
      ['ctl1', false],
      ['cmp1', false],
      ['cmp2', false],
    ])
    expect(readFileSync(inventory, 'utf8')).toBe(before)
    expect(await vmsOfCloud()).toEqual(['vcloud-cmp1', 'vcloud-cmp2', 'vcloud-ctl1'])
  })

  it('destroy-hosts removes those VMs and the addresses create-hosts wrote: the inventory is as the operator wrote it', async () => {
    const r = await destroyHosts({ inventory, password: sim.password })
    expect(r).toEqual({ removed: ['ctl1', 'cmp1', 'cmp2'], absent: [] })
    expect(await vmsOfCloud()).toEqual([])
    expect(readFileSync(inventory, 'utf8')).toBe(original)
    // The template stays; a second run finds nothing to remove.
    expect(await findVm(guest, template)).toBeDefined()
    expect(await destroyHosts({ inventory, password: sim.password })).toEqual({ removed: [], absent: ['ctl1', 'cmp1', 'cmp2'] })
  })

  it('makes again a clone a failed run left half-made (marked as the host, never prepared), and starts no other', async () => {
    // GIVEN a clone with the host's marks but not the last one (the run stopped before its settings were in)
    const placement = await resolvePlacement(guest, { cluster: 'DC0_C0', datastore: 'LocalDS_0', network: 'VM Network' })
    const half = await cloneVm(guest, (await findVm(guest, template))!, 'vcloud-ctl1', {
      folder: placement.vmFolder,
      pool: placement.pool,
      datastore: placement.datastore,
    })
    await setExtraConfig(guest, half, { [vmMarks.cloud]: 'vcloud', [vmMarks.host]: 'ctl1', [vmMarks.dhcp]: 'true' })
    const guests = playGuests()
    try {
      const hosts = await createHosts({ inventory, password: sim.password, sshKey, waitMs: 60_000 })
      // THEN it was made again, with the settings the half-made one lacked
      expect(hosts.find((h) => h.name === 'ctl1')).toMatchObject({ created: true, address: '10.20.30.71' })
      expect((await findVm(guest, 'vcloud-ctl1'))!.value).not.toBe(half.value)
      expect(guests.settings.get('vcloud-ctl1')).toMatchObject({ 'stackhouse.mode': 'host' })
    } finally {
      guests.stop()
      await destroyHosts({ inventory, password: sim.password })
    }
    expect(readFileSync(inventory, 'utf8')).toBe(original)
  })

  it('leaves a VM it did not make alone: create-hosts and destroy-hosts refuse, and nothing else is made or removed', async () => {
    // GIVEN a VM that happens to have a host's name, made by someone else
    const placement = await resolvePlacement(guest, { cluster: 'DC0_C0', datastore: 'LocalDS_0', network: 'VM Network' })
    const tpl = (await findVm(guest, template))!
    const foreign = await cloneVm(guest, tpl, 'vcloud-cmp2', {
      folder: placement.vmFolder,
      pool: placement.pool,
      datastore: placement.datastore,
    })
    try {
      await expect(createHosts({ inventory, password: sim.password, sshKey, waitMs: 10_000 })).rejects.toThrow(
        /a VM called vcloud-cmp2 is there and was not made by create-hosts for host cmp2 of vcloud: it is left alone/,
      )
      await expect(destroyHosts({ inventory, password: sim.password })).rejects.toThrow(/a VM called vcloud-cmp2 .* left alone/)
      // THEN nothing was made or removed: the foreign VM is the only one with a host's name
      expect(await vmsOfCloud()).toEqual(['vcloud-cmp2'])
      expect(await findVm(guest, 'vcloud-cmp2')).toEqual(foreign)
    } finally {
      await destroyVm(guest, foreign)
    }
    expect(readFileSync(inventory, 'utf8')).toBe(original)
  })

  it('refuses with the fix: a wrong password, a missing template, a VM that reports another address than the inventory', async () => {
    await expect(createHosts({ inventory, password: 'wrong', sshKey })).rejects.toThrow(/InvalidLogin|incorrect user name or password/i)
    const other = join(work, 'no-template.yml')
    writeFileSync(other, original.replace(`template: ${template}`, 'template: nope'))
    await expect(createHosts({ inventory: other, password: sim.password, sshKey })).rejects.toMatchObject({
      message: expect.stringMatching(/no VM or template is called nope/),
      fix: expect.stringMatching(/deploy-appliance OVA --template --name nope/),
    })
    // A name vSphere does not have is named by the inventory key that gave it.
    const elsewhere = join(work, 'no-network.yml')
    writeFileSync(elsewhere, original.replace('network: DC0_DVPG0 #', 'network: nowhere #'))
    await expect(createHosts({ inventory: elsewhere, password: sim.password, sshKey })).rejects.toMatchObject({
      message: expect.stringMatching(/no network is called nowhere \(there are: .*DC0_DVPG0/),
      fix: 'set vsphere.vms.network to one of them',
    })
    const guests = playGuests({ wrongAddress: true })
    try {
      await expect(createHosts({ inventory, password: sim.password, sshKey, waitMs: 30_000 })).rejects.toThrow(
        /host cmp1 \(VM vcloud-cmp1\) reports 10\.20\.30\.99, and the inventory says 10\.20\.30\.52/,
      )
    } finally {
      guests.stop()
      await destroyHosts({ inventory, password: sim.password }).catch(() => undefined)
    }
    expect(await vmsOfCloud()).toEqual([])
  })

  it('checks every input before vSphere is reached: a static address without a gateway, a host that is not hostile-safe', () => {
    const { inventory: inv } = checkInventoryDraft('x.yml', original.replace('gateway: 10.20.30.1', 'vlan: 5'), { addressesPending: true })
    expect(() => hostProperties(inv!, inv!.hosts[1]!, sshKey)).toThrow(/needs the management network's gateway/)
    expect(() => hostProperties(inv!, inv!.hosts[0]!, 'ssh-ed25519 AAAA x\nstackhouse.mode=cloud')).toThrow(/control character|OpenSSH/)
  })

  it('deploy-appliance -i takes vCenter, its CA and the placement from the inventory, and the password from its secrets file', () => {
    const cli = join(import.meta.dirname, '..', '..', 'bin', 'stackhouse.js')
    const run = (args: string[], input = '') => spawnSync('node', [cli, ...args], { encoding: 'utf8', input, cwd: work })
    expect(run(['secrets', 'set', 'vsphere_password', '-i', 'inventory.yml'], `${sim.password}\n`).status).toBe(0)
    const r = run(['vsphere', 'deploy-appliance', ova, '-i', 'inventory.yml', '--template', '--name', 'second-template', '--json'])
    expect(r.status, r.stderr).toBe(0)
    expect(JSON.parse(r.stdout)).toMatchObject({ address: '', status: expect.stringMatching(/^a template/) })
    // A flag that says where vSphere is, beside -i, is refused: the inventory says it.
    const both = run(['vsphere', 'deploy-appliance', ova, '-i', 'inventory.yml', '--url', 'https://elsewhere.example', '--template'])
    expect(both.status).toBe(2)
    expect(both.stderr).toMatch(/--url with -i: the inventory's vsphere: section says where vSphere is/)
  })

  it('is a command with --help, which refuses an inventory that is not for vSphere, and destroy-hosts without --yes', () => {
    const cli = join(import.meta.dirname, '..', '..', 'bin', 'stackhouse.js')
    const run = (args: string[], input = '') => spawnSync('node', [cli, ...args], { encoding: 'utf8', input, cwd: work })
    expect(run(['vsphere', 'create-hosts', '--help']).stdout).toMatch(/--ssh-key <pub>[\s\S]*--password-stdin/)
    writeFileSync(
      join(work, 'plain.yml'),
      'hosts: [{ name: a, address: 10.0.0.5 }]\ngroups: { control: [a], network: [a], compute: [a], storage: [a] }\n',
    )
    const r = run(['vsphere', 'create-hosts', '-i', 'plain.yml', '--password-stdin', '--ssh-key', '/dev/null'], 'pw\n')
    expect(r.status, r.stderr).toBe(1)
    expect(r.stderr).toMatch(/target: vsphere and a vsphere\.vms section/)
    const d = run(['vsphere', 'destroy-hosts', '-i', 'inventory.yml'])
    expect(d.status).toBe(2)
    expect(d.stderr).toMatch(/add --yes/)
  })
})
