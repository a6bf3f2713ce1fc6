// SPDX-License-Identifier: Apache-2.0
// Where the sandbox keeps its state, caches and run-time files. Fixed paths, not
// per project: the sandbox hosts, bridges and package cache belong to the machine.
import { join } from 'node:path'

const state = '/var/lib/stackhouse/sandbox'
const cache = '/var/cache/stackhouse'
const run = '/run/stackhouse'

/** Paths the deploy engine and tests read; everything else is derived from them. */
export const sandboxPaths = {
  /** State of every sandbox host, the SSH key, known_hosts and the inventory. */
  stateDir: state,
  /** Private key (ed25519, mode 0600) that every sandbox host accepts for root. */
  key: join(state, 'ssh', 'id_ed25519'),
  /** Host keys of the sandbox hosts, `ADDRESS ssh-ed25519 AAAA…`, written before each boot. */
  knownHosts: join(state, 'known_hosts'),
  /** Inventory of the sandbox hosts that exist (target: sandbox). */
  inventory: join(state, 'inventory.yml'),
  /** One folder per host: host.json, console.log and its root file system. */
  hostsDir: join(state, 'hosts'),
  /** The debootstrapped Debian 12 every host starts from, built once. */
  baseRootfs: join(cache, 'rootfs-base'),
  cacheDir: cache,
  /** apt-cacher-ng's package cache, kept by `destroy --all`. */
  aptCache: join(cache, 'apt-cacher-ng'),
  aptLogDir: join(state, 'apt-cacher-ng'),
  runDir: run,
  aptPidFile: join(run, 'apt-cacher-ng.pid'),
  lockDir: join(run, 'locks'),
} as const

/** Folder of one host. */
export function hostDir(name: string): string {
  return join(sandboxPaths.hostsDir, name)
}
