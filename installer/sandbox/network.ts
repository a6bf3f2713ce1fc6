// SPDX-License-Identifier: Apache-2.0
// The machine side of the sandbox network: three bridges in the root namespace and
// the veth ends of each host plugged into them. Nothing is routed or NATed out:
// hosts reach only this machine (the package cache) and each other.
import { createHash } from 'node:crypto'
import { existsSync, readFileSync } from 'node:fs'
import { sandboxNetworks } from '../inventory/defaults.ts'
import { run } from './_exec.ts'
import { waitFor } from './process.ts'
import { SandboxError } from './errors.ts'

export interface Bridge {
  name: string
  /** Address of the machine on the bridge, with prefix, e.g. 10.77.0.1/24. */
  address: string
}

const prefixOf = (cidr: string) => cidr.split('/')[1]

/** The management, provider and tunnel bridges, from the sandbox addressing in the built-in inventory. */
export const bridges: readonly Bridge[] = [
  {
    name: sandboxNetworks.management.bridge,
    address: `${sandboxNetworks.management.gateway}/${prefixOf(sandboxNetworks.management.cidr)}`,
  },
  { name: sandboxNetworks.provider.bridge, address: `${sandboxNetworks.provider.gateway}/${prefixOf(sandboxNetworks.provider.cidr)}` },
  { name: sandboxNetworks.tunnel.bridge, address: `${sandboxNetworks.tunnel.gateway}/${prefixOf(sandboxNetworks.tunnel.cidr)}` },
]

/** True when the interface exists in this machine's network namespace. */
export function linkExists(name: string): boolean {
  return existsSync(`/sys/class/net/${name}`)
}

/**
 * The bridge's own MAC address: locally administered, unicast, from its name.
 * NOTE: a bridge without one takes the lowest MAC among its ports and changes it as
 * hosts come and go. The other hosts still send to the old one, so their traffic to
 * this machine is lost until their ARP entry for it ages out: restoring the controller
 * once cut SSH to a compute for over a minute.
 */
export function bridgeMac(name: string): string {
  const h = createHash('sha256').update(`stackhouse bridge ${name}`).digest()
  const bytes = [0x02, h[0]!, h[1]!, h[2]!, h[3]!, h[4]!]
  return bytes.map((b) => b.toString(16).padStart(2, '0')).join(':')
}

/** True when the interface's MAC address was set explicitly (NET_ADDR_SET), not inherited. */
function macIsSet(name: string): boolean {
  return readFileSync(`/sys/class/net/${name}/addr_assign_type`, 'utf8').trim() === '3'
}

/** Create the bridge if missing, fix its MAC address, give it its address and bring it up. */
export async function ensureBridge(b: Bridge): Promise<void> {
  if (!linkExists(b.name)) await run('ip', ['link', 'add', b.name, 'address', bridgeMac(b.name), 'type', 'bridge'])
  // Bridges made by earlier versions follow their ports' addresses: fix them once.
  if (!macIsSet(b.name)) await run('ip', ['link', 'set', 'dev', b.name, 'address', bridgeMac(b.name)])
  const addrs = await run('ip', ['-o', '-4', 'addr', 'show', 'dev', b.name])
  if (!addrs.stdout.includes(` ${b.address} `)) await run('ip', ['addr', 'add', b.address, 'dev', b.name])
  await run('ip', ['link', 'set', 'dev', b.name, 'up'])
}

/** Create the bridges that are missing and give them their addresses. */
export async function ensureBridges(): Promise<void> {
  for (const b of bridges) {
    try {
      await ensureBridge(b)
    } catch (cause) {
      throw new SandboxError(`cannot set up bridge ${b.name} (${b.address})`, {
        cause,
        fix: 'the kernel needs bridge support; check "ip link add test0 type bridge"',
      })
    }
  }
}

/** Remove the bridges (after every host is gone). */
export async function removeBridges(): Promise<void> {
  for (const b of bridges) if (linkExists(b.name)) await run('ip', ['link', 'del', 'dev', b.name])
}

/**
 * Plug the machine side of a host's veth into a bridge. nspawn creates the veth
 * while it starts the container, so wait for it to appear.
 */
export async function attachToBridge(link: string, bridge: string, timeoutMs = 15_000): Promise<void> {
  if (!(await waitFor(() => linkExists(link), timeoutMs, 50))) {
    throw new SandboxError(`interface ${link} did not appear within ${timeoutMs / 1000} s`, {
      fix: 'systemd-nspawn failed to set up the network: see the console log',
    })
  }
  await run('ip', ['link', 'set', 'dev', link, 'master', bridge, 'up'])
}

/**
 * Make this machine's kernel fill in TCP/UDP checksums before a packet enters the
 * link. NOTE: it otherwise hands the veth packets whose checksum is left to the
 * receiver (CHECKSUM_PARTIAL); Open vSwitch's userspace datapath in a host reads
 * them raw and forwards them unfinished, or drops them at a Geneve tunnel, so TCP
 * from this machine to a floating IP fails on OVN. Costs nothing measurable here.
 */
export async function fillChecksums(link: string): Promise<void> {
  await run('ethtool', ['-K', link, 'tx', 'off'])
}

/** Delete interfaces that remain (they normally vanish with the container's namespace). */
export async function deleteLinks(names: readonly string[]): Promise<void> {
  for (const n of names) if (linkExists(n)) await run('ip', ['link', 'del', 'dev', n], { allowFail: true })
}
