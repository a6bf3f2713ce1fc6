// SPDX-License-Identifier: Apache-2.0
// Where OVN's northbound and southbound databases are. One standalone ovn-central
// (no RAFT cluster) on the first control host, as the model has one database host.
import { hostsIn, type Model, type ModelHost } from '../../installer/role/index.ts'

/** ovsdb-server ports of the OVN databases (ovn-ctl defaults). */
export const ovnPorts = { nb: 6641, sb: 6642 } as const

/** The host that runs ovn-central (northd and both databases): the first control host. */
export function ovnCentralHost(model: Model): ModelHost {
  return hostsIn(model, 'control')[0] ?? model.hosts[0]!
}

/** OVSDB connection string of the northbound database, e.g. `tcp:10.1.0.11:6641`. */
export function ovnNbConnection(model: Model): string {
  return `tcp:${ovnCentralHost(model).address}:${ovnPorts.nb}`
}

/** OVSDB connection string of the southbound database, e.g. `tcp:10.1.0.11:6642`. */
export function ovnSbConnection(model: Model): string {
  return `tcp:${ovnCentralHost(model).address}:${ovnPorts.sb}`
}
