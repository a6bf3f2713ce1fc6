// SPDX-License-Identifier: Apache-2.0
// Swift's rings as guarded steps. Debian's swift units refuse to start without
// /etc/swift/{account,container,object}.ring.gz (AssertFileNotEmpty), so the rings
// are in place before the units start.
// The rings are built on one host (the first proxy host), and the engine copies
// them from there to every other swift host.
import { raw, scriptPath, sh, type BootstrapStep } from '../../installer/role/index.ts'

export const ringFiles = ['account', 'container', 'object'].map((t) => `/etc/swift/${t}.ring.gz`)

const planFile = '/etc/swift/stackhouse-rings.txt'
/** A copy of the plan the rings were built from. */
const builtFrom = '/etc/swift/.stackhouse-rings.built'
const ringsPresent = ringFiles.map((f) => `[ -s ${f} ]`).join(' && ')
/** The script that moves devices to new addresses (roles/swift/files/), shipped to the builder host. */
export const addressScript = 'swift-ring-addresses.sh'

/**
 * Build the rings from the plan (ringCommands, the lines of stackhouse-rings.txt).
 * Done when the three rings exist and were built from the current plan. A ring that
 * exists is never rebuilt: that would move every partition of a running cluster. A
 * plan that changed only in hosts' addresses moves those devices in place (the
 * address script); any other change stops here with what to do instead.
 * NOTE: `rebalance` exits 1 for a warning (e.g. dispersion on few hosts) after saving the ring.
 */
export function buildRings(commands: string[]): BootstrapStep {
  const changed = `the Swift ring plan ${planFile} changed since the rings were built, and rebuilding would move every partition: change the rings with swift-ring-builder (add, set_weight, rebalance), then cp ${planFile} ${builtFrom}`
  return {
    id: 'swift.rings',
    title: 'build the account, container and object rings',
    unless: `${ringsPresent} && cmp -s ${planFile} ${builtFrom}`,
    run: [
      'set -e',
      sh`if ${raw(ringsPresent)}; then`,
      sh`  rc=0; ${scriptPath(addressScript)} ${builtFrom} ${planFile} || rc=$?`,
      sh`  if [ $rc -eq 0 ]; then cp ${planFile} ${builtFrom}; exit 0; fi`,
      sh`  if [ $rc -eq 3 ]; then echo ${changed} >&2; fi`,
      '  exit $rc',
      'fi',
      ...commands.map((c) => (c.endsWith(' rebalance') ? `${c} || [ $? -eq 1 ]` : c)),
      ringsPresent,
      `cp ${planFile} ${builtFrom}`,
    ].join('\n'),
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
