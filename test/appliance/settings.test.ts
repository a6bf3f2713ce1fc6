// SPDX-License-Identifier: Apache-2.0
// First boot's settings: read from an OVF environment as vSphere writes it and from the
// kernel command line, checked, and refused with the property, its source and the fix.
import { describe, expect, it } from 'vitest'
import { fromKernelCommandLine, fromOvfEnvironment, resolveSettings, type SettingsSource } from '../../appliance/first-boot/settings.ts'

/** An OVF environment as vCenter hands it to the guest (guestinfo.ovfEnv), with the oe: prefix. */
function ovfEnv(props: Record<string, string>): string {
  const lines = Object.entries(props).map(([k, v]) => `      <Property oe:key="${k}" oe:value="${v}"/>`)
  return `<?xml version="1.0" encoding="UTF-8"?>
<Environment xmlns="http://schemas.dmtf.org/ovf/environment/1" xmlns:oe="http://schemas.dmtf.org/ovf/environment/1"
     xmlns:ve="http://www.vmware.com/schema/ovfenv" oe:id="" ve:vCenterId="vm-42">
   <PlatformSection><Kind>VMware ESXi</Kind><Version>8.0.2</Version></PlatformSection>
   <PropertySection>
${lines.join('\n')}
   </PropertySection>
   <ve:EthernetAdapterSection><ve:Adapter ve:mac="00:50:56:aa:bb:cc" ve:network="VM Network" ve:unitNumber="7"/></ve:EthernetAdapterSection>
</Environment>
`
}

const fromOvf = (props: Record<string, string>): SettingsSource => ({
  name: 'the OVF environment',
  values: fromOvfEnvironment(ovfEnv(props)),
})

const staticNet = {
  'stackhouse.network.mode': 'static',
  'stackhouse.network.address': '192.0.2.10/24',
  'stackhouse.network.gateway': '192.0.2.1',
  'stackhouse.network.dns': '192.0.2.53, 192.0.2.54',
}

describe('first-boot settings', () => {
  it('come from the OVF environment first, then the kernel command line, then the defaults', () => {
    const kernel = {
      name: 'the kernel command line',
      values: fromKernelCommandLine('BOOT_IMAGE=/vmlinuz ro stackhouse.hostname=lab7 stackhouse.labs.students="12" quiet'),
    }
    const r = resolveSettings([
      fromOvf({ ...staticNet, 'stackhouse.admin_password': 'a-long-enough-pw', 'stackhouse.cloud.tls': 'True' }),
      kernel,
    ])
    expect(r.problems).toEqual([])
    expect(r.settings).toEqual({
      mode: 'cloud',
      hostname: 'lab7',
      network: { mode: 'static', address: '192.0.2.10', prefix: 24, gateway: '192.0.2.1', dns: ['192.0.2.53', '192.0.2.54'], ntp: [] },
      adminPassword: 'a-long-enough-pw',
      tls: true,
      labs: { set: 'none', students: 12 },
    })
    // An OVF value wins over the kernel's.
    const both = resolveSettings([fromOvf({ 'stackhouse.hostname': 'from-ovf' }), kernel])
    expect(both.settings?.hostname).toBe('from-ovf')
    // Nothing given: DHCP, a generated password, no labs.
    expect(resolveSettings([]).settings).toEqual({
      mode: 'cloud',
      hostname: 'stackhouse',
      network: { mode: 'dhcp', ntp: [] },
      tls: false,
      labs: { set: 'none', students: 0 },
    })
  })

  it.each([
    [
      'static without an address',
      { 'stackhouse.network.mode': 'static', 'stackhouse.network.gateway': '192.0.2.1' },
      'stackhouse.network.address',
      /is empty, but network.mode is static/,
    ],
    [
      'a gateway off the network',
      { ...staticNet, 'stackhouse.network.gateway': '198.51.100.1' },
      'stackhouse.network.gateway',
      /198\.51\.100\.1 is not another address on 192\.0\.2\.0\/24/,
    ],
    [
      'an address without prefix',
      { ...staticNet, 'stackhouse.network.address': '192.0.2.10' },
      'stackhouse.network.address',
      /is not ADDRESS\/PREFIX/,
    ],
    ['a short password', { 'stackhouse.admin_password': 'short' }, 'stackhouse.admin_password', /is 5 characters long/],
    ['an unknown lab set', { 'stackhouse.labs.set': 'advanced' }, 'stackhouse.labs.set', /is "advanced"/],
    ['a misspelt property', { 'stackhouse.network.adress': '192.0.2.10/24' }, 'stackhouse.network.adress', /is not a Stackhouse setting/],
    [
      'an address while on DHCP',
      { 'stackhouse.network.address': '192.0.2.10/24' },
      'stackhouse.network.address',
      /is set, but network.mode is dhcp/,
    ],
    ['a newline in a value', { 'stackhouse.hostname': 'lab&#10;evil' }, 'stackhouse.hostname', /control character/],
    [
      'floating IPs off the network',
      { ...staticNet, 'stackhouse.cloud.floating_range': '198.51.100.10-198.51.100.20' },
      'stackhouse.cloud.floating_range',
      /is not on 192\.0\.2\.0\/24/,
    ],
    [
      'floating IPs over its own address',
      { ...staticNet, 'stackhouse.cloud.floating_range': '192.0.2.5-192.0.2.50' },
      'stackhouse.cloud.floating_range',
      /holds the appliance's own address/,
    ],
    ['TLS as "yes"', { 'stackhouse.cloud.tls': 'yes' }, 'stackhouse.cloud.tls', /not true or false/],
    ['41 students', { 'stackhouse.labs.students': '41' }, 'stackhouse.labs.students', /is 41/],
    [
      'an NTP server that is no name',
      { 'stackhouse.network.ntp': 'ntp1.example.org, [Network] DNS=evil' },
      'stackhouse.network.ntp',
      /"\[Network\] DNS=evil" is not a host name or an IPv4 address/,
    ],
    [
      'a private key for the SSH key',
      { 'stackhouse.ssh_key': '-----BEGIN OPENSSH PRIVATE KEY-----' },
      'stackhouse.ssh_key',
      /is not one OpenSSH public key/,
    ],
    ['a host name with a dot', { 'stackhouse.hostname': 'lab.example' }, 'stackhouse.hostname', /is not a host name/],
    [
      'a host without an SSH key (it has no other way in)',
      { 'stackhouse.mode': 'host' },
      'stackhouse.ssh_key',
      /is empty, but mode is host/,
    ],
    [
      'a host with an admin password (no cloud of its own to use it)',
      {
        'stackhouse.mode': 'host',
        'stackhouse.ssh_key': 'ssh-ed25519 AAAAC3Nza you@example',
        'stackhouse.admin_password': 'long-enough-pw',
      },
      'stackhouse.admin_password',
      /is set, but mode is host/,
    ],
    [
      'a host with lab students',
      { 'stackhouse.mode': 'host', 'stackhouse.ssh_key': 'ssh-ed25519 AAAAC3Nza you@example', 'stackhouse.labs.students': '3' },
      'stackhouse.labs.students',
      /is set, but mode is host/,
    ],
    ['a mode that is neither', { 'stackhouse.mode': 'controller' }, 'stackhouse.mode', /is "controller"/],
  ])('refuses %s, naming the property, its source and the fix', (_, props, property, message) => {
    const r = resolveSettings([fromOvf(props)])
    expect(r.settings).toBeUndefined()
    const p = r.problems.find((x) => x.property === property)
    expect(p, JSON.stringify(r.problems)).toBeDefined()
    expect(p!.message).toMatch(message)
    // A value the evaluator left out is the default's; one they gave is the OVF environment's.
    expect(p!.source).toBe(property in props ? 'the OVF environment' : 'the default')
    expect(p!.fix.length).toBeGreaterThan(5)
  })

  it('make a host for a multi-host inventory from mode host, its network and SSH key alone', () => {
    const key = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIB deployer@example'
    const r = resolveSettings([fromOvf({ 'stackhouse.mode': 'host', 'stackhouse.hostname': 'compute2', 'stackhouse.ssh_key': key })])
    expect(r.problems).toEqual([])
    expect(r.settings).toMatchObject({ mode: 'host', hostname: 'compute2', sshKey: key, network: { mode: 'dhcp' } })
    // Left out, the mode is the all-in-one cloud's.
    expect(resolveSettings([fromOvf({})]).settings?.mode).toBe('cloud')
  })

  it('suggests the setting a misspelt property meant', () => {
    const r = resolveSettings([fromOvf({ 'stackhouse.network.adress': '192.0.2.10/24' })])
    expect(r.problems[0]!.fix).toBe('did you mean stackhouse.network.address?')
  })

  it('refuses an OVF environment that is not well-formed, or declares entities', () => {
    expect(() => fromOvfEnvironment('<Environment><PropertySection></Environment>')).toThrow(/Expected closing tag/)
    expect(() => fromOvfEnvironment('<?xml version="1.0"?><!DOCTYPE e [<!ENTITY a "aaaa">]><Environment/>')).toThrow(
      /document type declaration/,
    )
    expect(() => fromOvfEnvironment('<Other/>')).toThrow(/not an OVF environment/)
  })
})
