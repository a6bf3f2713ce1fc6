// SPDX-License-Identifier: Apache-2.0
// The files that turn a copy of the base into one particular host, written
// before it boots: name, address, package sources and proxy, SSH keys.
import { randomBytes } from 'node:crypto'
import { mkdirSync, rmSync, writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { sandboxNetworks } from '../inventory/defaults.ts'
import { run } from './_exec.ts'
import { aptProxy } from './apt-cacher.ts'
import { hostSources, type DebianMirrors } from './mirror.ts'

export interface HostConfig {
  name: string
  address: string
  mirrors: DebianMirrors
  /** The sandbox public key root accepts. */
  authorizedKey: string
}

/** Write a file at `path` below a root file system, making its folders. */
export function writeUnder(root: string, path: string, text: string, mode = 0o644): void {
  const file = join(root, path)
  mkdirSync(dirname(file), { recursive: true })
  writeFileSync(file, text, { mode })
}

const prefix = sandboxNetworks.management.cidr.split('/')[1]

/**
 * systemd-networkd files. Named 10-… so they sort before systemd's own
 * 80-container-host0.network, which would otherwise ask DHCP for host0.
 * host0 has no gateway: hosts reach this machine and each other, nothing else.
 */
export function networkFiles(address: string): Record<string, string> {
  return {
    'etc/systemd/network/10-host0.network': `[Match]\nName=host0\n\n[Network]\nAddress=${address}/${prefix}\nLinkLocalAddressing=no\nIPv6AcceptRA=no\n`,
    // Up, without addresses: Neutron plugs it into its provider bridge, and a restart of
    // networkd must not take it out again (KeepMaster).
    'etc/systemd/network/10-host1.network':
      '[Match]\nName=host1\n\n[Link]\nRequiredForOnline=no\n\n[Network]\nKeepMaster=yes\nLinkLocalAddressing=no\nIPv6AcceptRA=no\n',
    // The tunnel network's NIC: up, without addresses; an inventory that uses it gives the
    // host its tunnel address (OVN's userspace datapath puts it on an OVS bridge instead).
    'etc/systemd/network/10-host2.network':
      '[Match]\nName=host2\n\n[Link]\nRequiredForOnline=no\n\n[Network]\nKeepMaster=yes\nLinkLocalAddressing=no\nIPv6AcceptRA=no\n',
  }
}

/** Every file a host gets, path (relative to its root) → content. */
export function hostFiles(c: HostConfig): Record<string, string> {
  return {
    'etc/hostname': `${c.name}\n`,
    // The name resolves to the management address, as OpenStack services expect of a host.
    'etc/hosts': `127.0.0.1\tlocalhost\n${c.address}\t${c.name}\n::1\tlocalhost ip6-localhost ip6-loopback\n`,
    'etc/machine-id': `${randomBytes(16).toString('hex')}\n`,
    'etc/apt/apt.conf.d/01proxy': `Acquire::http::Proxy "${aptProxy}";\n`,
    'etc/apt/sources.list.d/debian.sources': hostSources(c.mirrors),
    ...networkFiles(c.address),
  }
}

/** Write the host's files and enable systemd-networkd in its root file system. */
export async function configureRootfs(root: string, c: HostConfig): Promise<void> {
  for (const [path, text] of Object.entries(hostFiles(c))) writeUnder(root, path, text)
  rmSync(join(root, 'etc', 'apt', 'sources.list'), { force: true })
  mkdirSync(join(root, 'root', '.ssh'), { recursive: true, mode: 0o700 })
  writeUnder(root, 'root/.ssh/authorized_keys', `${c.authorizedKey}\n`, 0o600)
  await run('systemctl', [`--root=${root}`, 'enable', '--quiet', 'systemd-networkd.service'])
}
