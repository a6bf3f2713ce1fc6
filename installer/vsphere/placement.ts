// SPDX-License-Identifier: Apache-2.0
// Where a VM goes, from names an operator gives (flags or the inventory's vsphere:
// section) to the objects vSphere wants: datacenter (and its VM folder), resource
// pool (a cluster's, a host's, or a named one), host, datastore and network. Each
// name that matches nothing is an input error listing what there is.
import { textOf, type XmlNode } from '../xml.ts'
import { VsphereError } from './errors.ts'
import { moRef, type MoRef } from './soap.ts'
import type { ObjectProps, VsphereSession } from './session.ts'

export interface PlacementNames {
  /** @default the only datacenter */
  datacenter?: string
  cluster?: string
  /** An ESXi host (in the cluster, when one is named). */
  host?: string
  /** @default the cluster's (or host's) root pool */
  resourcePool?: string
  datastore: string
  network: string
}

export interface Placement {
  datacenter: MoRef
  vmFolder: MoRef
  pool: MoRef
  host?: MoRef
  datastore: MoRef
  network: MoRef
  /** The network's name, as an OVF's NetworkSection is mapped to it. */
  networkName: string
}

/** Where each name came from, as the errors name it: deploy-appliance's flags, or an inventory's keys. */
export type PlacementSources = Record<keyof PlacementNames, string>

const flags: PlacementSources = {
  datacenter: '--datacenter',
  cluster: '--cluster',
  host: '--host',
  resourcePool: '--resource-pool',
  datastore: '--datastore',
  network: '--network',
}

/** The object called `name` among `found`, or the only one when no name is given. */
function pick(found: ObjectProps[], kind: string, name: string | undefined, source: string): ObjectProps {
  const names = found.map((o) => textOf(o.props['name']))
  const list = names.length ? names.join(', ') : 'none'
  const give = source.startsWith('--') ? `give one of them with ${source}` : `set ${source} to one of them`
  if (name === undefined) {
    if (found.length === 1) return found[0]!
    throw new VsphereError(
      `name the ${kind}: vSphere has ${found.length ? `several (${list})` : 'none'}`,
      'input',
      source.startsWith('--') ? `add ${source} NAME` : `set ${source}`,
    )
  }
  const match = found.filter((o) => textOf(o.props['name']) === name)
  if (match.length === 1) return match[0]!
  if (match.length > 1)
    throw new VsphereError(`${match.length} ${kind}s are called ${name}`, 'input', `name one that is unique, or rename the others`)
  throw new VsphereError(`no ${kind} is called ${name} (there are: ${list})`, 'input', give)
}

export async function resolvePlacement(s: VsphereSession, names: PlacementNames, from: PlacementSources = flags): Promise<Placement> {
  const dc = pick(await s.list('Datacenter', ['name', 'vmFolder']), 'datacenter', names.datacenter, from.datacenter)
  const inDc = (type: string, paths: string[]) => s.list(type, paths, dc.ref)
  let pool: MoRef | undefined
  let host: MoRef | undefined
  let scope = dc.ref
  if (names.cluster) {
    const cluster = pick(await inDc('ClusterComputeResource', ['name', 'resourcePool']), 'cluster', names.cluster, from.cluster)
    pool = moRef(cluster.props['resourcePool'])
    scope = cluster.ref
  }
  if (names.host) {
    const h = pick(await s.list('HostSystem', ['name', 'parent'], scope), 'host', names.host, from.host)
    host = h.ref
    if (!names.cluster) {
      // A standalone host's pool is its ComputeResource's.
      const parent = moRef(h.props['parent'])
      pool = moRef((await s.get(parent, ['resourcePool']))['resourcePool'])
      scope = parent
    }
  }
  if (names.resourcePool)
    pool = pick(await s.list('ResourcePool', ['name'], scope), 'resource pool', names.resourcePool, from.resourcePool).ref
  if (!pool) {
    const clusters = await inDc('ComputeResource', ['name', 'resourcePool'])
    pool = moRef(pick(clusters, 'cluster or host', undefined, from.cluster).props['resourcePool'])
  }
  const datastore = pick(await inDc('Datastore', ['name']), 'datastore', names.datastore, from.datastore)
  const network = pick(await inDc('Network', ['name']), 'network', names.network, from.network)
  return {
    datacenter: dc.ref,
    vmFolder: moRef(dc.props['vmFolder'] as XmlNode),
    pool,
    ...(host ? { host } : {}),
    datastore: datastore.ref,
    network: network.ref,
    networkName: textOf(network.props['name']),
  }
}
