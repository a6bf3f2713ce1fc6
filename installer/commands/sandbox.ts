// SPDX-License-Identifier: Apache-2.0
// `stackhouse sandbox create|list|destroy` as library calls: what each does to
// this machine's sandbox hosts, and where to find their inventory and SSH key.
import {
  createSandbox,
  destroyAllSandboxes,
  destroySandbox,
  listSandboxes,
  sandboxPaths,
  type RootfsMode,
  type SandboxHost,
} from '../sandbox/index.ts'
import type { SandboxEvent } from './events.ts'

/** The sandbox hosts, and how to reach them. */
export interface SandboxInfo {
  hosts: SandboxHost[]
  /** Inventory of every sandbox host (target: sandbox). */
  inventory: string
  /** Private key every sandbox host accepts for root. */
  key: string
  /** Their host keys, for `ssh -o UserKnownHostsFile=`. */
  knownHosts: string
}

/** How `createSandboxes` makes each host, and where it reports. */
export interface CreateSandboxesOptions {
  /** How each root file system is made from the cached base. @default 'overlay' */
  rootfs?: RootfsMode
  /** Progress lines, and each host once it runs. */
  onEvent?: (e: SandboxEvent) => void
}

const where = () => ({ inventory: sandboxPaths.inventory, key: sandboxPaths.key, knownHosts: sandboxPaths.knownHosts })

/** Create and boot sandbox hosts, one after the other, and write their inventory. Needs root. */
export async function createSandboxes(names: readonly string[], opts: CreateSandboxesOptions = {}): Promise<SandboxInfo> {
  const hosts: SandboxHost[] = []
  for (const name of names) {
    const started = Date.now()
    const host = await createSandbox(name, {
      ...(opts.rootfs ? { rootfs: opts.rootfs } : {}),
      log: (line) => opts.onEvent?.({ type: 'sandbox', line }),
    })
    opts.onEvent?.({ type: 'sandbox-created', host, seconds: (Date.now() - started) / 1000 })
    hosts.push(host)
  }
  return { hosts, ...where() }
}

/** Every sandbox host of this machine (name, address, state, pid, uptime), in address order. */
export function listSandboxHosts(): SandboxInfo {
  return { hosts: listSandboxes(), ...where() }
}

/** What `destroySandboxes` removed. */
export interface SandboxDestroyReport {
  destroyed: string[]
  /** With 'all': the bridges were removed and the package cache stopped (the cached base and packages stay). */
  machine: boolean
}

/**
 * Destroy the named sandbox hosts (none when a name has no host), or 'all' of them
 * with the bridges and the package cache. Needs root.
 */
export async function destroySandboxes(which: readonly string[] | 'all'): Promise<SandboxDestroyReport> {
  if (which === 'all') return { destroyed: await destroyAllSandboxes(), machine: true }
  await destroySandbox(...which)
  return { destroyed: [...which], machine: false }
}
