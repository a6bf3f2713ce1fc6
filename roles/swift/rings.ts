// SPDX-License-Identifier: Apache-2.0
// Swift's rings as guarded steps. Debian's swift units refuse to start without
// /etc/swift/{account,container,object}.ring.gz (AssertFileNotEmpty), so the rings
// are in place before the units start.
// The rings are built on one host (the first proxy host), and the engine copies
// them from there to every other swift host.
import { scriptPath, sh, type BootstrapStep } from '../../installer/role/index.ts'

export const ringFiles = ['account', 'container', 'object'].map((t) => `/etc/swift/${t}.ring.gz`)

const planFile = '/etc/swift/stackhouse-rings.txt'
/** A copy of the plan the rings were built from. */
const builtFrom = '/etc/swift/.stackhouse-rings.built'

/** What a backup keeps of the rings (roles/swift/role.ts): the rings, their builder files, and the plan they were built from. */
export const ringState = [...ringFiles, ...ringFiles.map((f) => f.replace('.ring.gz', '.builder')), builtFrom]
const ringsPresent = ringFiles.map((f) => `[ -s ${f} ]`).join(' && ')
/** The scripts of the ring build (roles/swift/files/), shipped to the builder host: the build, and the address move it calls. */
export const ringScripts = { build: 'swift-rings.sh', addresses: 'swift-ring-addresses.sh' } as const

/**
 * Build the rings from the plan (ringCommands, the lines of stackhouse-rings.txt), by
 * roles/swift/files/swift-rings.sh. Done when the three rings exist and were built from
 * the current plan. A ring that exists is never rebuilt; a plan that changed only in
 * hosts' addresses moves those devices in place; any other change stops with what to do.
 */
export function buildRings(): BootstrapStep {
  return {
    id: 'swift.rings',
    title: 'build the account, container and object rings',
    unless: `${ringsPresent} && cmp -s ${planFile} ${builtFrom}`,
    run: sh`${scriptPath(ringScripts.build)} ${planFile} ${builtFrom}`,
  }
}

/**
 * The rings on every swift host: offered by the host that builds them, written on
 * each other proxy and storage host where they differ (a host with stale rings gets
 * the current ones). The daemons re-read changed rings by themselves.
 */
export function copyRings(builder: string): BootstrapStep {
  return { id: 'swift.rings-copy', title: "Swift's rings", copy: { files: ringFiles, from: builder } }
}
