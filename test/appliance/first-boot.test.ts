// SPDX-License-Identifier: Apache-2.0
// First boot's pure parts: the network files, the NIC it picks, the inventory it
// writes (checked like an operator's), the password blanking and the console text.
import { randomBytes } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { blankPasswordsIn } from '../../appliance/first-boot/blank.ts'
import { issueText, statusLine } from '../../appliance/first-boot/banner.ts'
import { ovfEnvironment } from '../../appliance/first-boot/environment.ts'
import { applianceInventory } from '../../appliance/first-boot/inventory.ts'
import { networkFiles, pickNic, type Link } from '../../appliance/first-boot/network.ts'
import { fromOvfEnvironment, resolveSettings, type ApplianceSettings } from '../../appliance/first-boot/settings.ts'
import { checkInventory } from '../../installer/inventory/load.ts'
import { requireAppliance, requireOwnCloud } from '../../appliance/marker.ts'
import { addressChange } from '../../appliance/first-boot/readdress.ts'
import { propertiesOf, reconfigure } from '../../appliance/reconfigure.ts'
import { labGuideUrl } from '../../appliance/first-boot/ready.ts'
import { fakeSecrets, fixtureModel, fixtureProject } from '../helpers.ts'
import { buildModel } from '../../installer/model/build.ts'
import { render } from '../../installer/render/render.ts'
import { roles } from '../../roles/index.ts'
import common from '../../roles/common/role.ts'
import nova_ from '../../roles/nova/role.ts'

function settingsOf(values: Record<string, string>): ApplianceSettings {
  const { settings, problems } = resolveSettings([{ name: 'test', values: fromOvfEnvironment(ovfEnvironment(values)) }])
  expect(problems).toEqual([])
  return settings!
}

const lanStatic = settingsOf({
  'network.mode': 'static',
  'network.address': '192.0.2.10/24',
  'network.gateway': '192.0.2.1',
  'network.dns': '192.0.2.53',
  'cloud.floating_range': '192.0.2.100-192.0.2.199',
})
const dhcp = settingsOf({})

describe('the appliance network', () => {
  it('bridges the NIC and the provider port onto the LAN when floating IPs are on it', () => {
    const files = networkFiles(lanStatic, 'ens192')
    expect(files['05-stackhouse-nic.network']).toBe('[Match]\nName=ens192\n\n[Network]\nBridge=br-lan\n')
    expect(files['05-stackhouse-br-lan.network']).toContain('Address=192.0.2.10/24\nGateway=192.0.2.1\nDNS=192.0.2.53\n')
    expect(files['05-stackhouse-prov0-gw.network']).toContain('Bridge=br-lan')
    expect(files['05-stackhouse-prov0-gw.network']).not.toContain('IPMasquerade')
    // networkd restarted later must leave prov0 in Neutron's bridge
    expect(files['05-stackhouse-prov0.network']).toContain('KeepMaster=yes')
  })

  it('keeps the address on the NIC and masquerades an internal external network otherwise', () => {
    const files = networkFiles(dhcp, 'ens3')
    expect(files['05-stackhouse-nic.network']).toContain('Name=ens3\n\n[Network]\nDHCP=ipv4\n')
    expect(files['05-stackhouse-prov0-gw.network']).toContain('Address=172.24.4.1/24\nIPMasquerade=ipv4\n')
    expect(Object.keys(files).some((f) => f.includes('br-lan'))).toBe(false)
  })

  it('picks the first Ethernet NIC by index, never a bridge, tap or its own veths', () => {
    const links: Link[] = [
      { ifindex: 1, ifname: 'lo', link_type: 'loopback' },
      { ifindex: 9, ifname: 'ens224', link_type: 'ether' },
      { ifindex: 2, ifname: 'br-lan', link_type: 'ether', linkinfo: { info_kind: 'bridge' } },
      { ifindex: 3, ifname: 'prov0', link_type: 'ether', linkinfo: { info_kind: 'veth' } },
      { ifindex: 4, ifname: 'tap1234', link_type: 'ether' },
      { ifindex: 5, ifname: 'ens192', link_type: 'ether' },
    ]
    expect(pickNic(links)).toBe('ens192')
    expect(pickNic(links.filter((l) => !l.ifname.startsWith('ens')))).toBeUndefined()
  })
})

describe('the appliance inventory', () => {
  it('is one host in every group, and passes the checks an operator inventory gets (floating IPs on the LAN)', () => {
    const text = applianceInventory(lanStatic, { interface: 'br-lan', address: '192.0.2.10', cidr: '192.0.2.0/24', gateway: '192.0.2.1' })
    const { inventory, problems } = checkInventory('appliance.yml', text)
    expect(problems.filter((p) => p.severity === 'error')).toEqual([])
    expect(inventory!.networks!.provider).toMatchObject({
      cidr: '192.0.2.0/24',
      interface: 'prov0',
      allocation: { start: '192.0.2.100', end: '192.0.2.199' },
    })
    expect(inventory!.groups).toEqual({
      control: ['stackhouse'],
      network: ['stackhouse'],
      compute: ['stackhouse'],
      storage: ['stackhouse'],
    })
  })

  it('turns TLS on when cloud.tls says so, with no certificate of its own: first boot makes the CA', () => {
    const lease = { interface: 'ens3', address: '10.0.2.15', cidr: '10.0.2.0/24', gateway: '10.0.2.2' }
    const on = checkInventory('appliance.yml', applianceInventory({ ...dhcp, tls: true }, lease)).inventory!
    expect(on.tls).toEqual({ enabled: true })
    expect(checkInventory('appliance.yml', applianceInventory({ ...dhcp, tls: false }, lease)).inventory!.tls).toEqual({ enabled: false })
  })

  it('puts floating IPs on the internal network when the LAN gives none', () => {
    const text = applianceInventory(dhcp, { interface: 'ens3', address: '10.0.2.15', cidr: '10.0.2.0/24', gateway: '10.0.2.2' })
    const { inventory, problems } = checkInventory('appliance.yml', text)
    expect(problems.filter((p) => p.severity === 'error')).toEqual([])
    expect(inventory!.networks!.provider).toMatchObject({ cidr: '172.24.4.0/24', gateway: '172.24.4.1' })
  })

  it('still refuses a provider network that overlaps the management one without being the same LAN', () => {
    const text = applianceInventory(lanStatic, {
      interface: 'br-lan',
      address: '192.0.2.10',
      cidr: '192.0.2.0/24',
      gateway: '192.0.2.1',
    }).replace(
      'cidr: 192.0.2.0/24\n    gateway: 192.0.2.1\n    interface: prov0',
      'cidr: 192.0.2.0/25\n    gateway: 192.0.2.1\n    interface: prov0',
    )
    expect(text).toContain('192.0.2.0/25')
    const { problems } = checkInventory('appliance.yml', text)
    expect(problems.map((p) => p.message)).toContainEqual(
      expect.stringMatching(/networks\.provider \(192\.0\.2\.0\/25\) overlaps networks\.management/),
    )
  })
})

describe('after first boot', () => {
  it('blanks every password property in the guest copy, and leaves the rest byte for byte', () => {
    const password = `pw-${randomBytes(9).toString('hex')}`
    const xml = ovfEnvironment({ hostname: 'a', admin_password: password })
    const blanked = blankPasswordsIn(xml)
    expect(blanked).not.toContain(password)
    expect(blanked).toContain('oe:key="stackhouse.admin_password" oe:value=""')
    expect(blanked.replace('oe:value=""', `oe:value="${password}"`)).toBe(xml)
    // Attribute order and quotes as another writer may use them
    expect(blankPasswordsIn(`<Property oe:value='s3cret "x"' oe:key='stackhouse.admin_password'/>`)).toBe(
      `<Property oe:value='' oe:key='stackhouse.admin_password'/>`,
    )
    expect(blankPasswordsIn('<Property oe:key="stackhouse.hostname" oe:value="keep"/>')).toBe(
      '<Property oe:key="stackhouse.hostname" oe:value="keep"/>',
    )
  })
})

describe('the console banner', () => {
  it('says configuring, ready or failed, and escapes what getty would read as its own escapes', () => {
    expect(statusLine({ state: 'configuring', step: 3, of: 17, what: 'mariadb' })).toBe('Configuring (step 3 of 17: mariadb)')
    const ready = issueText(
      {
        state: 'ready',
        dashboard: 'http://192.0.2.10/horizon',
        keystone: 'http://192.0.2.10:5000/v3',
        credentials: '/x/admin-openrc.sh',
        labs: 'http://192.0.2.10:8480/',
        classSheet: '/x/labs/class/credentials.txt',
      },
      'br-lan',
    )
    expect(ready).toMatch(
      /^Stackhouse appliance \(OpenStack Zed\) on \\4\{br-lan\}\nReady\n {2}Dashboard: http:\/\/192\.0\.2\.10\/horizon\n/,
    )
    expect(ready).toContain('\n  Labs:      http://192.0.2.10:8480/\n')
    expect(ready).toContain('\n  Students:    /x/labs/class/credentials.txt\n\n')
    // The guide's address is the dashboard's host at the guide's port, IPv6 in brackets.
    const v6 = fixtureModel('aio')
    expect(labGuideUrl(fixtureProject({ ...v6, dashboardUrl: 'http://[2001:db8::5]/horizon' }))).toBe('http://[2001:db8::5]:8480/')
    // With TLS the dashboard is https, and so is the guide (with the same certificate).
    expect(labGuideUrl(fixtureProject({ ...v6, dashboardUrl: 'https://192.0.2.5/horizon' }))).toBe('https://192.0.2.5:8480/')
    const failed = issueText(
      { state: 'failed', what: 'settings', detail: 'bad \\4{x} value', log: '/var/log/stackhouse/appliance.log' },
      'ens3',
    )
    expect(failed).toContain('Failed: settings\n  bad \\\\4{x} value\n')
    // A host (mode host) says how the deployer reaches it, and that no cloud is here yet.
    const host = { state: 'host', address: '192.0.2.21' } as const
    expect(statusLine(host)).toMatch(/^Ready as a host: ssh root@192\.0\.2\.21 /)
    expect(issueText(host, 'ens192')).toContain('Ready as a host for a multi-host cloud\n  SSH: root@192.0.2.21 ')
  })
})

describe('appliance reconfigure', () => {
  it('reads the kept settings back as the same settings', () => {
    for (const s of [
      lanStatic,
      dhcp,
      settingsOf({ ssh_key: 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIB you@example', 'network.ntp': 'ntp1.example' }),
    ]) {
      const { settings, problems } = resolveSettings([
        { name: 'kept', values: Object.fromEntries(Object.entries(propertiesOf(s)).map(([k, v]) => [`stackhouse.${k}`, v])) },
      ])
      expect(problems).toEqual([])
      expect(settings).toEqual(s)
    }
  })

  it('refuses what it cannot change, with the reason, before touching anything', async () => {
    await expect(reconfigure({ 'labs.sets': 'x' })).rejects.toThrow(/labs\.sets is not a setting reconfigure changes/)
    // A move is applied after the command ends: it does not mix with changes that need a deploy now.
    await expect(reconfigure({ 'network.address': '192.0.2.11/24', admin_password: 'x'.repeat(16) })).rejects.toThrow(
      /the address changes on its own/,
    )
  })
})

describe('a renamed appliance', () => {
  it("keeps the cloud's name for its host, and gives the machine's new one as an alias in /etc/hosts", () => {
    const lease = { interface: 'ens3', address: '10.0.2.15', cidr: '10.0.2.0/24', gateway: '10.0.2.2' }
    const renamed = checkInventory('appliance.yml', applianceInventory({ ...dhcp, hostname: 'lab7' }, lease, 'stackhouse')).inventory!
    expect(renamed.hosts).toEqual([expect.objectContaining({ name: 'stackhouse', hostname: 'lab7', address: '10.0.2.15' })])
    const model = buildModel(renamed, 'appliance.yml', fakeSecrets(), roles)
    const hosts = render(model, [common]).find((f) => f.path === '/etc/hosts')!.content
    // The cloud's name first: the canonical one, which libvirt reports to Nova as the hypervisor's.
    expect(hosts).toContain('\n10.0.2.15\tstackhouse\tlab7\n')
    // The services keep the cloud's name.
    const nova = render(model, [nova_]).find((f) => f.path === '/etc/nova/nova.conf')!.content
    expect(nova).toMatch(/^host = stackhouse$/m)
    // Not renamed: no alias.
    const same = checkInventory('appliance.yml', applianceInventory(dhcp, lease)).inventory!
    expect(same.hosts[0]).not.toHaveProperty('hostname')
  })
})

describe('the cloud following its VM to a new address', () => {
  it('moves when the address, the network or the gateway the VM holds differ from the inventory', () => {
    const deployed = { interface: 'ens192', address: '192.0.2.10', cidr: '192.0.2.0/24', gateway: '192.0.2.1' }
    expect(addressChange(deployed, { ...deployed })).toBe('')
    expect(addressChange(deployed, { ...deployed, address: '192.0.2.20' })).toBe('address 192.0.2.10 → 192.0.2.20')
    expect(addressChange(deployed, { interface: 'ens192', address: '198.51.100.7', cidr: '198.51.100.0/25' })).toBe(
      'address 192.0.2.10 → 198.51.100.7, network 192.0.2.0/24 → 198.51.100.0/25, gateway 192.0.2.1 → none',
    )
  })
})

describe('the commands that run on the appliance', () => {
  it('refuse to run on a machine that is not one (they rewrite its network)', () => {
    expect(() => requireAppliance('stackhouse appliance first-boot', '/nonexistent/appliance.json')).toThrow(
      /stackhouse appliance first-boot runs on the Stackhouse appliance only \(\/nonexistent\/appliance\.json is missing\)/,
    )
    expect(() => requireAppliance('x', import.meta.filename ?? new URL(import.meta.url).pathname)).not.toThrow()
  })

  it('that change its cloud refuse on a host (mode host), which has none, and say where the cloud is changed', () => {
    const here = import.meta.filename ?? new URL(import.meta.url).pathname
    expect(() => requireOwnCloud('stackhouse appliance reconfigure', here)).toThrow(
      /this VM is a host of a multi-host cloud \(mode host\), with no cloud of its own/,
    )
    expect(() => requireOwnCloud('stackhouse appliance reconfigure', '/nonexistent/host.json')).not.toThrow()
  })
})
