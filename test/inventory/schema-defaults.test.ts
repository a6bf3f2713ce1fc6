// SPDX-License-Identifier: Apache-2.0
// One default per key, in the schema: validation applies each one, and no reader
// of the inventory (or of the model built from it) writes a fallback of its own.
import { readdirSync, readFileSync } from 'node:fs'
import { join, relative } from 'node:path'
import { describe, expect, it } from 'vitest'
import { checkInventory } from '../../installer/inventory/load.ts'
import { inventorySchema, schemaDefault } from '../../installer/inventory/schema.ts'
import { packageRoot } from '../../installer/paths.ts'

type Node = { properties?: Record<string, Node>; items?: Node; default?: unknown }

/** Every key of the schema with a default, as a path (`[]` steps into a list's first item). */
function defaultsOf(node: Node, path: string[] = []): { path: string[]; value: unknown }[] {
  const here = path.length && 'default' in node ? [{ path, value: node.default }] : []
  const props = Object.entries(node.properties ?? {}).flatMap(([k, n]) => defaultsOf(n, [...path, k]))
  const items = node.items ? defaultsOf(node.items, [...path, '[]']) : []
  return [...here, ...props, ...items]
}

const at = (data: unknown, path: string[]) =>
  path.reduce<unknown>((v, k) => (k === '[]' ? (v as unknown[])[0] : (v as Record<string, unknown>)?.[k]), data)

// Every object that has no default itself but holds keys that do, present and as short as the schema allows.
const minimal = `hosts: [{ name: aio1, address: 10.0.0.11 }]
groups: { control: [aio1], network: [aio1], compute: [aio1], storage: [aio1] }
networks:
  management: { cidr: 10.0.0.0/24 }
  provider: { cidr: 203.0.113.0/24, gateway: 203.0.113.1, interface: eth1, allocation: { start: 203.0.113.100, end: 203.0.113.200 } }
vsphere: { host: vcenter.example.test, username: u, cluster: c, datastore: d }
`

const defaults = defaultsOf(inventorySchema as Node)

describe('inventory defaults', () => {
  it('are applied by validation, every one of them', () => {
    // GIVEN an inventory that sets no key with a default WHEN it is checked
    const { inventory, problems } = checkInventory('minimal.yml', minimal)
    expect(problems.filter((p) => p.severity === 'error')).toEqual([])
    // THEN each key with a default holds it (nested objects' defaults too: backends → lvm → volume_group)
    expect(defaults.map((d) => d.path.join('.'))).toEqual(
      expect.arrayContaining(['backends.virt_type', 'backends.lvm.volume_group', 'hosts.[].ssh.port', 'services.cinder']),
    )
    for (const d of defaults) {
      const value = at(inventory, d.path)
      // An object's default is {}; the keys inside it have their own defaults, checked in turn.
      if (typeof d.value === 'object' && !Array.isArray(d.value)) expect(value, d.path.join('.')).toEqual(expect.objectContaining(d.value))
      else expect(value, d.path.join('.')).toEqual(d.value)
    }
  })

  it('leave what the file says alone, and never share one list or map between inventories', () => {
    // GIVEN two inventories that rely on the default (empty) device list, one set explicitly
    const a = checkInventory('a.yml', minimal).inventory!
    const b = checkInventory('b.yml', `${minimal}backends: { virt_type: qemu }\n`).inventory!
    // THEN the written value wins, and each gets its own default objects
    expect(b.backends.virt_type).toBe('qemu')
    expect(a.backends.lvm.devices).toEqual([])
    expect(a.backends.lvm.devices).not.toBe(b.backends.lvm.devices)
  })

  it('do not count as written for the rules that ask what the file says', () => {
    // GIVEN Ceph block storage with no lvm: section (the schema still fills in backends.lvm)
    const ceph = checkInventory('ceph.yml', `${minimal}backends: { block_storage: ceph }\n`)
    // THEN no warning that backends.lvm is ignored
    expect(ceph.problems.map((p) => p.message)).not.toContainEqual(expect.stringContaining('backends.lvm is ignored'))
    // GIVEN a sandbox target that leaves block_storage to its default (lvm)
    const sandbox = checkInventory('sandbox.yml', `target: sandbox\n${minimal.replace(/^vsphere:.*\n/m, '')}`)
    // THEN the error points at target:, the line the file has, not at a key it lacks
    expect(sandbox.problems.filter((p) => p.severity === 'error').map((p) => [p.path, p.line])).toEqual([['/target', 1]])
  })

  it('are read by schemaDefault for the text written for people', () => {
    expect(schemaDefault('backends', 'virt_type')).toBe('auto')
    expect(schemaDefault('hosts', 'ssh', 'port')).toBe(22)
    expect(() => schemaDefault('hosts', 'name')).toThrow('no default for hosts.name')
  })

  it('are restated nowhere: no `<key> ?? <literal>` for a key the schema defaults', () => {
    // GIVEN the keys with a one-word default, as the inventory and the model spell them
    const byKey = new Map<string, unknown[]>()
    for (const d of defaults.filter((x) => typeof x.value !== 'object')) {
      const key = d.path.at(-1)!
      for (const k of [key, key.replace(/_(\w)/g, (_, c: string) => c.toUpperCase())]) byKey.set(k, [...(byKey.get(k) ?? []), d.value])
    }
    // WHEN every source file of the installer and the roles is read
    const sources = ['installer', 'roles'].flatMap((dir) =>
      readdirSync(join(packageRoot, dir), { recursive: true, encoding: 'utf8' })
        .filter((f) => f.endsWith('.ts'))
        .map((f) => relative(packageRoot, join(packageRoot, dir, f))),
    )
    // THEN the modules that read the inventory fall back to no literal for such a key, and
    // no module anywhere falls back to the schema's own value (`virt_type ?? 'auto'`)
    const found = sources.flatMap((file) =>
      readFileSync(join(packageRoot, file), 'utf8')
        .split('\n')
        .flatMap((line, i) =>
          [...line.matchAll(/\.(\w+)\s*\?\?\s*('[^']*'|"[^"]*"|-?\d+(?:\.\d+)?\b|true\b|false\b)/g)]
            .filter(
              ([, key, literal]) => byKey.has(key!) && (inventoryReaders.test(file) || byKey.get(key!)!.includes(literalValue(literal!))),
            )
            .map(() => `${file}:${i + 1}: ${line.trim()}`),
        ),
    )
    expect(found).toEqual([])
  })
})

/** Modules that read an Inventory: they see every default applied, so any literal fallback there restates one. */
const inventoryReaders = /^installer\/(model\/build|inventory\/\w+|cli\/\w+|sandbox\/inventory)\.ts$/

function literalValue(text: string): unknown {
  return /^['"]/.test(text) ? text.slice(1, -1) : JSON.parse(text)
}
