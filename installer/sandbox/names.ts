// SPDX-License-Identifier: Apache-2.0
// Pure naming rules of sandbox hosts: which names are allowed, which address a
// name gets, and the machine-side interface names derived from it.
import { createHash } from 'node:crypto'
import { formatIp, parseCidr, parseIp } from '../inventory/net.ts'
import { builtinInventory, builtinInventoryName, sandboxNetworks } from '../inventory/defaults.ts'
import { checkInventory } from '../inventory/load.ts'
import { SandboxError } from './errors.ts'

/** RFC 1123 label, the same rule the inventory applies to host names. */
const namePattern = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/

export function checkHostName(name: string): void {
  if (!namePattern.test(name)) {
    throw new SandboxError(`"${name}" is not a valid sandbox host name`, {
      fix: 'use lower-case letters, digits and dashes, e.g. aio1 or cmp2 (at most 63, not starting or ending with a dash)',
    })
  }
}

/**
 * Addresses fixed by name: the built-in inventory's hosts (aio1 → 10.77.0.11), read
 * from it so the two cannot drift apart.
 */
export function fixedAddresses(): ReadonlyMap<string, string> {
  const { inventory } = checkInventory(builtinInventoryName, builtinInventory)
  return new Map((inventory?.hosts ?? []).map((h) => [h.name, h.address]))
}

/** The first address hosts get; below it are the gateway and room for services. */
export const firstHostAddress = '10.77.0.11'

/**
 * The management address for `name`, given the addresses in use (address → host).
 * Built-in names get their fixed address; other names the lowest free one from
 * 10.77.0.11 upward that no built-in name owns, so `aio1` can always be created.
 */
export function allocateAddress(name: string, used: ReadonlyMap<string, string>, fixed = fixedAddresses()): string {
  const own = fixed.get(name)
  if (own) {
    const holder = used.get(own)
    if (holder && holder !== name) {
      throw new SandboxError(`${name} needs ${own} (as in the built-in inventory), but sandbox host ${holder} has it`, {
        fix: `destroy ${holder} first: stackhouse sandbox destroy ${holder}`,
      })
    }
    return own
  }
  const { cidr } = parseCidr(sandboxNetworks.management.cidr)
  const reserved = new Set(fixed.values())
  for (let ip = parseIp(firstHostAddress)!; ip < cidr!.last; ip++) {
    const text = formatIp(ip)
    if (!used.has(text) && !reserved.has(text)) return text
  }
  throw new SandboxError(`no free address left in ${sandboxNetworks.management.cidr}`, { fix: 'destroy sandbox hosts you no longer need' })
}

export interface InterfaceNames {
  /** Machine side of host0, a port of the management bridge. */
  management: string
  /** Machine side of host1, a port of the provider bridge. */
  provider: string
  /** Machine side of host2, a port of the tunnel bridge. Missing in hosts made by earlier versions. */
  tunnel?: string
}

/** Linux limits interface names to 15 characters (IFNAMSIZ - 1). */
export const maxInterfaceName = 15

/**
 * Machine-side interface names: `sm-NAME`, `sp-NAME` and `st-NAME` when they fit; longer names
 * become `sm-` + 6 characters + `_` + 5 hex digits of a hash of the whole name. The
 * `_` cannot occur in a host name, so a shortened name never equals a full one.
 */
export function interfaceNames(name: string): InterfaceNames {
  const short = (prefix: string) => {
    const full = `${prefix}${name}`
    if (full.length <= maxInterfaceName) return full
    const hash = createHash('sha256').update(name).digest('hex').slice(0, 5)
    return `${prefix}${name.slice(0, maxInterfaceName - prefix.length - 6)}_${hash}`
  }
  return { management: short('sm-'), provider: short('sp-'), tunnel: short('st-') }
}
