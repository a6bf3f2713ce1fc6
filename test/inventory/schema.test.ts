// SPDX-License-Identifier: Apache-2.0
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { inventorySchema } from '../../installer/inventory/schema.ts'
import { configurableServices } from '../../installer/inventory/schema-config.ts'
import { packageRoot } from '../../installer/paths.ts'
import { roles } from '../../roles/index.ts'
import { checkInventory } from '../../installer/inventory/load.ts'
import { initInventory } from '../../installer/inventory/init.ts'
import { builtinInventory } from '../../installer/inventory/defaults.ts'

describe('inventory schema', () => {
  it('is published as inventory.schema.json for editors', async () => {
    await expect(`${JSON.stringify(inventorySchema, null, 2)}\n`).toMatchFileSnapshot(join(packageRoot, 'inventory.schema.json'))
  })

  it('lists exactly the roles as services that take config overrides', () => {
    expect([...configurableServices].sort()).toEqual(roles.map((r) => r.name).sort())
  })

  it('accepts what init writes, for one host and for several, with no warnings', () => {
    for (const hosts of [
      [{ name: 'aio1', address: '10.0.0.11' }],
      [
        { name: 'ctl1', address: '10.0.0.11' },
        { name: 'cmp1', address: '10.0.0.21' },
      ],
    ]) {
      const { inventory, problems } = checkInventory('inventory.yml', initInventory(hosts))
      expect(problems).toEqual([])
      expect(inventory?.hosts.map((h) => h.name)).toEqual(hosts.map((h) => h.name))
    }
  })

  it('accepts the built-in all-in-one inventory with no warnings', () => {
    expect(checkInventory('builtin', builtinInventory).problems).toEqual([])
  })

  it('warns, without failing, about hosts in no group and an even number of controllers', () => {
    const text = `hosts:
  - { name: c1, address: 10.0.0.1 }
  - { name: c2, address: 10.0.0.2 }
  - { name: spare, address: 10.0.0.9 }
groups: { control: [c1, c2], network: [c1], compute: [c2], storage: [c2] }
`
    const { inventory, problems } = checkInventory('inv.yml', text)
    expect(inventory).toBeDefined()
    expect(problems.map((p) => [p.severity, p.line, p.message.split(':')[0]])).toEqual([
      ['warning', 4, 'host "spare" is in no group'],
      ['warning', 5, '2 control hosts'],
    ])
  })

  it('warns when OVN on sandbox hosts would tunnel over the management NIC, and not once the tunnel network has its own', () => {
    const base = (tunnel: string) => `target: sandbox
hosts:
  - { name: ctl, address: 10.77.0.11${tunnel ? ', tunnel_address: 10.79.0.11' : ''} }
  - { name: cmp, address: 10.77.0.12${tunnel ? ', tunnel_address: 10.79.0.12' : ''} }
groups: { control: [ctl], network: [ctl], compute: [cmp], storage: [ctl] }
networks:
  management: { cidr: 10.77.0.0/24, gateway: 10.77.0.1, interface: host0 }
${tunnel}  provider: { cidr: 10.78.0.0/24, gateway: 10.78.0.1, interface: host1, allocation: { start: 10.78.0.100, end: 10.78.0.200 } }
backends: { network: ovn, block_storage: ceph }
`
    const without = checkInventory('inv.yml', base('')).problems
    expect(without.map((p) => [p.severity, p.line])).toEqual([['warning', 9]])
    expect(without[0]!.message).toMatch(
      /^OVN on sandbox hosts tunnels between hosts only over a tunnel network of its own, and ctl, cmp would use/,
    )
    expect(without[0]!.fix).toContain('networks.tunnel: { cidr: 10.79.0.0/24, interface: host2 }')
    expect(checkInventory('inv.yml', base('  tunnel: { cidr: 10.79.0.0/24, interface: host2 }\n')).problems).toEqual([])
    // AND a host without a tunnel address of its own would still tunnel from its management address
    const noAddress = base('  tunnel: { cidr: 10.79.0.0/24, interface: host2 }\n').replace(', tunnel_address: 10.79.0.12', '')
    expect(checkInventory('inv.yml', noAddress).problems.map((p) => p.message.split(' would')[0])).toEqual([
      'OVN on sandbox hosts tunnels between hosts only over a tunnel network of its own, and cmp',
    ])
    // AND one host alone has no tunnel to make
    const aio = base('')
      .replace('compute: [cmp]', 'compute: [ctl]')
      .replace(/  - \{ name: cmp.*\n/, '')
    expect(checkInventory('inv.yml', aio).problems).toEqual([])
  })
})
