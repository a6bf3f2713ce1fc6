// SPDX-License-Identifier: Apache-2.0
// The inventory of the sandbox hosts that exist, rewritten on every create and
// destroy, so `stackhouse deploy -i` it deploys onto exactly those hosts.
import { mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs'
import { dirname } from 'node:path'
import { sandboxNetworks } from '../inventory/defaults.ts'
import { schemaDefault } from '../inventory/schema.ts'
import { checkInventory } from '../inventory/load.ts'
import { formatProblem } from '../inventory/problems.ts'
import { aptProxy } from './apt-cacher.ts'
import { SandboxError } from './errors.ts'
import { sandboxPaths } from './paths.ts'

export interface InventoryHost {
  name: string
  address: string
}

/**
 * Inventory text for the hosts, in the order given. The first host is the
 * controller, network and storage node (Ceph on one host); every host computes.
 */
export function sandboxInventory(hosts: readonly InventoryHost[], key = sandboxPaths.key): string {
  const [first] = hosts
  if (!first) throw new SandboxError('an inventory needs at least one host')
  const { management: m, provider: p } = sandboxNetworks
  const list = (hs: readonly InventoryHost[]) => `[${hs.map((h) => h.name).join(', ')}]`
  return `# Written by "stackhouse sandbox create" for the sandbox hosts that exist; rewritten on every create and destroy.
# SSH host keys are in ${sandboxPaths.knownHosts}.
name: stackhouse
target: sandbox
hosts:
${hosts.map((h) => `  - name: ${h.name}\n    address: ${h.address}\n    ssh: { user: root, key: ${key} }`).join('\n')}
groups:
  control: ${list([first])}
  network: ${list([first])}
  compute: ${list(hosts)}
  storage: ${list([first])}
networks:
  management: { cidr: ${m.cidr}, gateway: ${m.gateway}, interface: host0 }
  provider:
    cidr: ${p.cidr}
    gateway: ${p.gateway}
    interface: host1
    allocation: { start: ${p.start}, end: ${p.end} }
backends:
  network: linuxbridge
  block_storage: ceph
  virt_type: ${schemaDefault('backends', 'virt_type')}
packages:
  proxy: ${aptProxy}
`
}

/** Write the inventory for `hosts` (or remove it when there are none); returns its path. */
export function writeSandboxInventory(hosts: readonly InventoryHost[]): string {
  const file = sandboxPaths.inventory
  if (!hosts.length) {
    rmSync(file, { force: true })
    return file
  }
  const text = sandboxInventory(hosts)
  // What the sandbox writes must pass validate as it stands; anything else is a bug here.
  const errors = checkInventory(file, text).problems.filter((p) => p.severity === 'error')
  if (errors.length) throw new Error(`the sandbox inventory is invalid:\n${errors.map(formatProblem).join('\n')}`)
  mkdirSync(dirname(file), { recursive: true })
  writeFileSync(`${file}.tmp`, text)
  renameSync(`${file}.tmp`, file)
  return file
}
