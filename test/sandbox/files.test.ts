// SPDX-License-Identifier: Apache-2.0
// The pure parts of a host's files, its known_hosts lines and its inventory.
import { describe, expect, it } from 'vitest'
import { formatDuration } from '../../installer/cli/sandbox.ts'
import { checkInventory } from '../../installer/inventory/load.ts'
import { hostFiles } from '../../installer/sandbox/configure.ts'
import { sandboxInventory } from '../../installer/sandbox/inventory.ts'
import { withoutHost } from '../../installer/sandbox/ssh.ts'

describe('hostFiles', () => {
  const files = hostFiles({
    name: 'aio1',
    address: '10.77.0.11',
    mirrors: { archive: 'http://mirror.example/debian', components: ['main'] },
    authorizedKey: 'ssh-ed25519 AAAA test',
  })

  it('gives host0 its static address and no route out; host1 no address', () => {
    expect(files['etc/systemd/network/10-host0.network']).toContain('Address=10.77.0.11/24')
    expect(Object.values(files).join('\n')).not.toMatch(/Gateway=|DHCP=yes/)
    expect(files['etc/systemd/network/10-host1.network']).not.toContain('Address=')
    // A restart of networkd must leave host1 in Neutron's provider bridge
    expect(files['etc/systemd/network/10-host1.network']).toContain('KeepMaster=yes')
  })

  it('points apt at the package cache on the bridge and names the host', () => {
    expect(files['etc/apt/apt.conf.d/01proxy']).toBe('Acquire::http::Proxy "http://10.77.0.1:3142";\n')
    expect(files['etc/hosts']).toContain('10.77.0.11\taio1\n')
    expect(files['etc/machine-id']).toMatch(/^[0-9a-f]{32}\n$/)
  })
})

describe('withoutHost', () => {
  it('drops every line for the address, and only those', () => {
    const text =
      '10.77.0.11 ssh-ed25519 AAA1\n10.77.0.110 ssh-ed25519 AAA2\n10.77.0.12,10.77.0.11 ssh-rsa AAA3\n10.77.0.12 ssh-ed25519 AAA4\n'
    expect(withoutHost(text, '10.77.0.11')).toBe('10.77.0.110 ssh-ed25519 AAA2\n10.77.0.12 ssh-ed25519 AAA4\n')
  })
})

describe('sandboxInventory', () => {
  it.each([[['aio1']], [['ctl1', 'cmp1', 'cmp2']]])('passes validate with no problems for %j', (names) => {
    const hosts = names.map((name, i) => ({ name, address: `10.77.0.${11 + i}` }))
    const text = sandboxInventory(hosts, '/k/id_ed25519')
    const { inventory, problems } = checkInventory('sandbox.yml', text)
    expect(problems).toEqual([])
    expect(inventory).toMatchObject({
      target: 'sandbox',
      backends: { block_storage: 'ceph' },
      groups: { control: [names[0]], compute: names },
    })
  })
})

describe('formatDuration', () => {
  it.each([
    [5, '5s'],
    [75, '1m15s'],
    [3720, '1h02m'],
  ])('%i s → %s', (s, text) => expect(formatDuration(s)).toBe(text))
})
