// SPDX-License-Identifier: Apache-2.0
// The settings applied to this machine: host name, root's SSH key, networkd's
// files for the NIC first boot picks, the address the interface then holds, and
// /etc/hosts.
import { spawnSync } from 'node:child_process'
import { mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { formatIp, parseIp } from '../../installer/inventory/net.ts'
import { FirstBootError } from './errors.ts'
import type { Lease } from './inventory.ts'
import { addressInterface, networkFiles, pickNic, type Link } from './network.ts'
import type { ApplianceSettings } from './settings.ts'

function sh(cmd: string, args: string[]): string {
  const r = spawnSync(cmd, args, { encoding: 'utf8', timeout: 120_000 })
  if (r.status !== 0) throw new FirstBootError('network', `${cmd} ${args.join(' ')}: ${(r.stderr || r.error?.message || '').trim()}`)
  return r.stdout
}

/** Apply the settings to the machine: host name, root's SSH key, the network. Returns the interface that holds the address. */
export function applyHost(s: ApplianceSettings): { nic: string; iface: string } {
  const nic = findNic()
  setHostname(s.hostname)
  if (s.sshKey) {
    mkdirSync('/root/.ssh', { recursive: true, mode: 0o700 })
    writeFileSync('/root/.ssh/authorized_keys', `${s.sshKey}\n`, { mode: 0o600 })
  }
  const iface = writeNetwork(s, nic)
  sh('systemctl', ['restart', 'systemd-networkd.service'])
  return { nic, iface }
}

/** The NIC Ethernet traffic uses, as first boot picks it. */
export function findNic(): string {
  const nic = pickNic(JSON.parse(sh('ip', ['-j', '-d', 'link', 'show'])) as Link[])
  if (!nic) throw new FirstBootError('network', 'no Ethernet interface found: give the VM a network adapter')
  return nic
}

/** networkd's files for the settings (applied when networkd restarts). Returns the interface that holds the address. */
export function writeNetwork(s: ApplianceSettings, nic: string): string {
  const dir = '/etc/systemd/network'
  mkdirSync(dir, { recursive: true })
  for (const f of readdirSync(dir).filter((f) => f.startsWith('05-stackhouse-'))) rmSync(join(dir, f))
  for (const [name, text] of Object.entries(networkFiles(s, nic))) writeFileSync(join(dir, name), text)
  return addressInterface(s, nic)
}

/**
 * The address the interface has (static at once, DHCP within a minute), with its
 * network and gateway. Only the one the settings ask for counts: a static address is
 * the settings' own, a DHCP one is a lease, so an address networkd has not yet taken
 * away after a change is never mistaken for the new one.
 */
export async function waitForLease(iface: string, s: ApplianceSettings): Promise<Lease> {
  const deadline = Date.now() + 120_000
  const n = s.network
  for (;;) {
    const addrs = JSON.parse(sh('ip', ['-j', '-4', 'addr', 'show', 'dev', iface]).trim() || '[]') as {
      addr_info?: { local: string; prefixlen: number; scope: string; dynamic?: boolean; valid_life_time?: number }[]
    }[]
    // A lease lasts a while; an address set by hand lasts forever (2^32 - 1).
    const leased = (x: { dynamic?: boolean; valid_life_time?: number }) =>
      x.dynamic === true || (x.valid_life_time ?? 2 ** 32 - 1) < 2 ** 32 - 1
    const a = addrs[0]?.addr_info?.find(
      (x) => x.scope === 'global' && (n.mode === 'static' ? x.local === n.address && x.prefixlen === n.prefix : leased(x)),
    )
    // A lease's default route comes a moment after its address: wait for it (a lease without one gives up at the deadline).
    // (A static address has its gateway in the settings: no route is read, and no device asked for before it exists.)
    const routes =
      n.mode === 'static' || !a
        ? []
        : (JSON.parse(sh('ip', ['-j', '-4', 'route', 'show', 'default', 'dev', iface]).trim() || '[]') as { gateway?: string }[])
    const gateway = n.mode === 'static' ? n.gateway : routes[0]?.gateway
    if (a && (gateway || Date.now() > deadline - 60_000)) {
      const size = 2 ** (32 - a.prefixlen)
      const network = parseIp(a.local)! - (parseIp(a.local)! % size)
      return { interface: iface, address: a.local, cidr: `${formatIp(network)}/${a.prefixlen}`, ...(gateway ? { gateway } : {}) }
    }
    if (Date.now() > deadline) throw new FirstBootError('network', `${iface} got no IPv4 address in 2 minutes (${s.network.mode})`)
    await new Promise((r) => setTimeout(r, 1000))
  }
}

/**
 * /etc/hosts: the name resolves to the address, as OpenStack's services expect; a
 * renamed machine's own name after it (the first name is the canonical one, which
 * libvirt gives Nova as the hypervisor's).
 */
export function writeHosts(name: string, address: string, alias?: string): void {
  const names = alias && alias !== name ? `${name}\t${alias}` : name
  writeFileSync('/etc/hosts', `127.0.0.1\tlocalhost\n${address}\t${names}\n::1\tlocalhost ip6-localhost ip6-loopback\n`)
}

/** The machine's own host name, now and at the next boot. */
export function setHostname(name: string): void {
  writeFileSync('/etc/hostname', `${name}\n`)
  spawnSync('hostname', [name])
}
