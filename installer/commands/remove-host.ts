// SPDX-License-Identifier: Apache-2.0
// `stackhouse remove-host`: a compute host leaves a deployed cloud. Checked first,
// before anything changes: the host is a compute host and nothing else, the cloud
// keeps a compute host, and no server runs on it (they are named, with how to move
// them). Then, in an order a re-run can take up at any step: its nova-compute is
// disabled (nothing new is scheduled there), its units stopped (a sandbox host is
// removed whole), its service and agent records deleted from Nova and Neutron (Nova
// deletes its compute node, resource provider and cell mapping with it), and last
// it leaves the inventory.
import { readFileSync } from 'node:fs'
import { dirname } from 'node:path'
import { UsageError } from '../errors.ts'
import { removeHostFromFile, withoutHost } from '../inventory/edit.ts'
import { adminCloud } from '../admin-cloud.ts'
import type { Cloud } from '../openstack/index.ts'
import { resolveCloud } from '../plan/resolve.ts'
import type { Project, ProjectOptions } from '../project.ts'
import type { Role } from '../role/contract.ts'
import { reachHosts, type ReachOptions } from '../runner/connect.ts'
import { destroySandbox, listSandboxes } from '../sandbox/index.ts'
import { shellQuote } from '../shell.ts'
import type { Transport } from '../transport/types.ts'
import type { ModelHost } from '../model/types.ts'
import { openProject } from './open.ts'

export interface RemoveHostReport {
  host: string
  /** What happened to the machine: a sandbox host removed, its units stopped, or why it could not be reached. */
  machine: string
  /** `binary on host`, deleted from Nova's services and Neutron's agents. */
  deleted: string[]
  /** The inventory file was changed; false when the host had left it already (a re-run). */
  inventoryChanged: boolean
}

export interface RemoveHostOptions extends ReachOptions {
  /** The cloud's APIs as admin. @default a Keystone login on the internal endpoints */
  admin?: () => Promise<Cloud>
}

/** The groups remove-host can take a host out of; a storage host's data must move first (not built yet). */
const removable = ['compute']

export async function removeHost(
  opts: ProjectOptions,
  name: string,
  roles: readonly Role[],
  how: RemoveHostOptions = {},
): Promise<RemoveHostReport> {
  const file = opts.inventory
  if (!file) throw new UsageError('remove-host changes an inventory: name it with -i', 'stackhouse remove-host NAME -i inventory.yml')
  const project = openProject(opts)
  const { model } = project
  const host = model.hosts.find((h) => h.name === name)
  if (!host) {
    // A re-run after the inventory was written, or a typo: say which.
    return { host: name, machine: 'not in the inventory: nothing to do', deleted: [], inventoryChanged: false }
  }
  const other = host.groups.filter((g) => g !== 'all' && !removable.includes(g))
  if (other.length)
    throw new UsageError(
      `${name} is in group ${other.join(', ')}: remove-host takes out compute hosts only`,
      other.includes('storage')
        ? "a storage host holds Ceph's and Swift's data, which must move to other hosts first (not built yet)"
        : 'a control or network host carries the cloud: move its role to another host in the inventory and deploy anew',
    )
  // The inventory without it must still be a cloud (a compute host left): checked before anything changes.
  withoutHost(file, readFileSync(file, 'utf8'), name, dirname(file))
  const admin = await (how.admin ?? (() => adminCloud(project.model)))()
  const servers = await admin.compute.serversOnHost(name)
  if (servers.length)
    throw new UsageError(
      `${servers.length} server(s) run on ${name}: ${servers.map((s) => `${s.name} (${s.id})`).join(', ')}; nothing was changed`,
      `move them to another host (openstack server migrate --live-migration ID) or delete them, then run remove-host again`,
    )
  const services = (await admin.compute.services()).filter((s) => s.host === name)
  for (const s of services.filter((x) => x.status === 'enabled'))
    await admin.compute.setServiceStatus(s.id, 'disabled', 'stackhouse remove-host')
  const machine = await stopMachine(project.model.target, host, roles, project, how)
  const agents = (await admin.network.agents()).filter((a) => a.host === name)
  for (const s of services) await admin.compute.deleteService(s.id)
  for (const a of agents) await admin.network.deleteAgent(a.id)
  const { removed } = removeHostFromFile(file, name)
  return {
    host: name,
    machine,
    deleted: [...services.map((s) => `${s.binary} on ${name}`), ...agents.map((a) => `${a.binary} on ${name}`)],
    inventoryChanged: removed,
  }
}

/** Stop what the host runs so nothing registers again: a sandbox host goes whole; a server's units are stopped and disabled. */
async function stopMachine(
  target: string,
  host: ModelHost,
  roles: readonly Role[],
  project: Project,
  how: RemoveHostOptions,
): Promise<string> {
  if (target === 'sandbox' && !how.local) {
    if (!listSandboxes().some((s) => s.name === host.name)) return 'no sandbox host'
    await destroySandbox(host.name)
    return 'sandbox host removed'
  }
  const units =
    resolveCloud(project.model, roles)
      .hosts.find((h) => h.host.name === host.name)
      ?.roles.flatMap((r) => r.units) ?? []
  if (!units.length) return 'no units to stop'
  let transports: Map<string, Transport>
  try {
    transports = await reachHosts([host], project.paths, how)
  } catch (e) {
    // A dead machine is a common reason to remove a host: its records still go.
    return `not reached (${(e as Error).message.split('\n')[0]}): its units were not stopped`
  }
  const t = transports.get(host.name)!
  try {
    const r = await t.exec(`systemctl disable --now ${units.map(shellQuote).join(' ')}`)
    if (r.code !== 0) return `units not all stopped: ${r.stderr.trim().split('\n').at(-1) ?? `exit ${r.code}`}`
    return `${units.length} units stopped and disabled`
  } finally {
    await t.close()
  }
}
