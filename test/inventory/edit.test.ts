// SPDX-License-Identifier: Apache-2.0
// add-host's change to the operator's inventory: the host and its groups added on the
// YAML document (comments and style kept), checked as a whole before it is written,
// refused with the file named; a re-run with the same host changes nothing.
import { mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { addHostToFile, withHost, withHostAddresses, withoutHost } from '../../installer/inventory/edit.ts'
import { InventoryError } from '../../installer/inventory/problems.ts'
import { UsageError } from '../../installer/errors.ts'

const inventory = `# The lab's cloud: one controller, one compute (more join with add-host).
name: lab
hosts:
  - { name: ctl, address: 10.77.0.61 }
  - { name: cmp1, address: 10.77.0.62 } # the first compute
groups: { control: [ctl], network: [ctl], compute: [cmp1], storage: [ctl] }
networks:
  management: { cidr: 10.77.0.0/24, gateway: 10.77.0.1, interface: host0 }
`

describe('adding a host to an inventory', () => {
  it('adds it to hosts and to its groups, keeping the comments and the flow style', () => {
    const r = withHost('inv.yml', inventory, { name: 'cmp2', address: '10.77.0.63', groups: ['compute'] })
    expect(r.added).toBe(true)
    expect(r.text).toContain("# The lab's cloud")
    expect(r.text).toContain('# the first compute')
    expect(r.text).toContain('  - { name: cmp2, address: 10.77.0.63 }')
    expect(r.text).toContain('compute: [ cmp1, cmp2 ]')
    expect(r.inventory.groups!.compute).toEqual(['cmp1', 'cmp2'])
    expect(r.inventory.hosts.map((h) => h.name)).toEqual(['ctl', 'cmp1', 'cmp2'])
  })

  it('makes a group the file does not have yet, and writes a tunnel address', () => {
    // (with no Cinder and no Swift, the cloud needs no storage host)
    const text = `${inventory.replace(', storage: [ctl]', '')}services: { cinder: false, swift: false }\n`
    const r = withHost('inv.yml', text, { name: 'sto1', address: '10.77.0.64', tunnelAddress: '10.77.0.64', groups: ['storage'] })
    expect(r.inventory.groups!.storage).toEqual(['sto1'])
    expect(r.inventory.hosts.at(-1)).toMatchObject({ name: 'sto1', tunnel_address: '10.77.0.64' })
  })

  it('refuses what the inventory rules refuse, naming the file and the line, and a host already there under another address', () => {
    // A taken address: the inventory's own rule, at the new host's line
    const taken = () => withHost('inv.yml', inventory, { name: 'cmp2', address: '10.77.0.62', groups: ['compute'] })
    expect(taken).toThrow(InventoryError)
    expect(taken).toThrow(/^inv\.yml:6:\d+ \/hosts\/2\/address: .*10\.77\.0\.62/)
    // A hostile name: the schema's pattern, not YAML injection
    const hostile = () => withHost('inv.yml', inventory, { name: 'x]\n  - evil', address: '10.77.0.70', groups: ['compute'] })
    expect(hostile).toThrow(InventoryError)
    expect(() => withHost('inv.yml', inventory, { name: 'cmp1', address: '10.77.0.70', groups: ['compute'] })).toThrow(
      'inv.yml: host cmp1 is already in the inventory (address 10.77.0.62, groups compute)',
    )
    // A control host: not after the first deploy
    expect(() => withHost('inv.yml', inventory, { name: 'ctl2', address: '10.77.0.70', groups: ['control'] })).toThrow(UsageError)
  })

  it('is a no-op for a host already there with the same address and groups (a failed add-host re-runs)', () => {
    const once = withHost('inv.yml', inventory, { name: 'cmp2', address: '10.77.0.63', groups: ['compute'] })
    const twice = withHost('inv.yml', once.text, { name: 'cmp2', address: '10.77.0.63', groups: ['compute'] })
    expect(twice).toMatchObject({ added: false, text: once.text })
  })

  it('writes the file atomically with its own mode, and not at all when the host is refused', () => {
    const file = join(mkdtempSync(join(tmpdir(), 'stackhouse-edit-')), 'inventory.yml')
    writeFileSync(file, inventory, { mode: 0o640 })
    expect(() => addHostToFile(file, { name: 'cmp2', address: '10.77.0.61', groups: ['compute'] })).toThrow(InventoryError)
    expect(readFileSync(file, 'utf8')).toBe(inventory)
    expect(addHostToFile(file, { name: 'cmp2', address: '10.77.0.63', groups: ['compute'] }).added).toBe(true)
    expect(readFileSync(file, 'utf8')).toContain('name: cmp2')
    expect(statSync(file).mode & 0o777).toBe(0o640)
  })

  it('takes a host out of hosts and every group, keeping the rest; refuses to leave a needed group empty', () => {
    const two = withHost('inv.yml', inventory, { name: 'cmp2', address: '10.77.0.63', groups: ['compute'] }).text
    const r = withoutHost('inv.yml', two, 'cmp2')
    expect(r.removed).toBe(true)
    expect(r.inventory.hosts.map((h) => h.name)).toEqual(['ctl', 'cmp1'])
    expect(r.inventory.groups!.compute).toEqual(['cmp1'])
    expect(r.text).toContain('# the first compute')
    // AND a re-run finds nothing to remove
    expect(withoutHost('inv.yml', r.text, 'cmp2')).toMatchObject({ removed: false, text: r.text })
    // AND the last compute host cannot go: the inventory's rule says why, naming the file
    expect(() => withoutHost('inv.yml', r.text, 'cmp1')).toThrow(/^inv\.yml:\d+:\d+ \/groups\/compute: group "compute" has no host/)
  })
})

describe("writing hosts' addresses (create-hosts, destroy-hosts)", () => {
  const vsphere = `name: lab
target: vsphere
hosts:
  - name: ctl # the controller
  - name: cmp1
    address: 10.77.0.62 # fixed
  - { name: cmp2 }
groups: { control: [ctl], network: [ctl], compute: [cmp1, cmp2], storage: [ctl] }
networks:
  management: { cidr: 10.77.0.0/24, gateway: 10.77.0.1 }
vsphere: { host: vc.example, username: u, vms: { template: t, datastore: d, network: n } }
`

  it('sets an address beside the host name, changing no other byte, and takes it out again to the very same text', () => {
    const set = withHostAddresses('inv.yml', vsphere, { ctl: '10.77.0.71' })
    expect(set).toBe(vsphere.replace('  - name: ctl # the controller\n', '  - name: ctl # the controller\n    address: 10.77.0.71\n'))
    expect(withHostAddresses('inv.yml', set, { ctl: undefined })).toBe(vsphere)
    // An address already there is replaced in place, its comment kept.
    expect(withHostAddresses('inv.yml', vsphere, { cmp1: '10.77.0.63' })).toContain('    address: 10.77.0.63 # fixed\n')
  })

  it("writes block- and flow-style hosts in one go, and keeps a file's CRLF line ends and a last line without one", () => {
    const both = withHostAddresses('inv.yml', vsphere, { ctl: '10.77.0.71', cmp2: '10.77.0.72' })
    expect(both).toContain('  - name: ctl # the controller\n    address: 10.77.0.71\n')
    expect(both).toContain('{ name: cmp2, address: 10.77.0.72 }')
    const crlf = vsphere.replaceAll('\n', '\r\n')
    expect(withHostAddresses('inv.yml', crlf, { ctl: '10.77.0.71' })).toBe(
      crlf.replace('  - name: ctl # the controller\r\n', '  - name: ctl # the controller\r\n    address: 10.77.0.71\r\n'),
    )
    // hosts: last in the file, its last line without a line end
    const last = [
      'name: lab',
      'target: vsphere',
      'groups: { control: [ctl], network: [ctl], compute: [cmp2], storage: [ctl] }',
      'networks: { management: { cidr: 10.77.0.0/24, gateway: 10.77.0.1 } }',
      'vsphere: { host: vc.example, username: u, vms: { template: t, datastore: d, network: n } }',
      'hosts:',
      '  - name: ctl',
      '    address: 10.77.0.61',
      '  - name: cmp2',
    ].join('\n')
    expect(withHostAddresses('inv.yml', last, { cmp2: '10.77.0.72' })).toBe(`${last}\n    address: 10.77.0.72`)
  })

  it('changes a host written as a flow map on the document, and refuses an address the rules refuse, naming the line', () => {
    expect(withHostAddresses('inv.yml', vsphere, { cmp2: '10.77.0.72' })).toContain('{ name: cmp2, address: 10.77.0.72 }')
    expect(() => withHostAddresses('inv.yml', vsphere, { ctl: '10.77.0.62' })).toThrow(
      /^inv\.yml:7:14 \/hosts\/1\/address: address "10\.77\.0\.62" is already used by hosts\[0\] \(line 4\)/,
    )
    expect(() => withHostAddresses('inv.yml', vsphere, { nope: '10.77.0.9' })).toThrow(UsageError)
  })
})
