// SPDX-License-Identifier: Apache-2.0
// The appliance's network, as systemd-networkd files. One NIC, and a veth pair
// that Neutron's provider bridge takes one end of (prov0). The other end
// (prov0-gw) is either bridged onto the LAN with the NIC, so floating IPs sit on
// the evaluator's own network, or holds the gateway of an internal external
// network that is masqueraded out of the NIC (DevStack's 172.24.4.0/24), so
// floating IPs work anywhere but are reached from the appliance only.
import type { ApplianceSettings } from './settings.ts'

/** The interface Neutron's provider network uses. */
export const providerInterface = 'prov0'
const providerPeer = 'prov0-gw'
/** The bridge the NIC and the provider peer share in LAN mode; it holds the appliance's address. */
export const lanBridge = 'br-lan'

/** The internal external network, when no floating range on the LAN is given. */
export const internalExternal = { cidr: '172.24.4.0/24', gateway: '172.24.4.1', start: '172.24.4.100', end: '172.24.4.199' } as const

/** Where floating IPs live: on the LAN (a range was given) or on the internal network. */
export type FloatingMode = 'lan' | 'internal'

export function floatingMode(s: ApplianceSettings): FloatingMode {
  return s.floatingRange ? 'lan' : 'internal'
}

/** The interface that holds the appliance's own address. */
export function addressInterface(s: ApplianceSettings, nic: string): string {
  return floatingMode(s) === 'lan' ? lanBridge : nic
}

const noLinkLocal = 'LinkLocalAddressing=no\nIPv6AcceptRA=no\n'

/** networkd files, name → content, for /etc/systemd/network. Named 05-… to sort before any other. */
export function networkFiles(s: ApplianceSettings, nic: string): Record<string, string> {
  const lan = floatingMode(s) === 'lan'
  const n = s.network
  const addressing =
    n.mode === 'dhcp' ? 'DHCP=ipv4\n' : `Address=${n.address}/${n.prefix}\nGateway=${n.gateway}\n${n.dns.map((d) => `DNS=${d}\n`).join('')}`
  const ntp = n.ntp.map((t) => `NTP=${t}\n`).join('')
  const own = `[Network]\n${addressing}${ntp}${noLinkLocal}`
  const files: Record<string, string> = {
    '05-stackhouse-prov0.netdev': `[NetDev]\nName=${providerInterface}\nKind=veth\n\n[Peer]\nName=${providerPeer}\n`,
    // Up without an address: the linuxbridge agent plugs it into the provider bridge, and a
    // restart of networkd must not take it out again (KeepMaster).
    '05-stackhouse-prov0.network': `[Match]\nName=${providerInterface}\n\n[Link]\nRequiredForOnline=no\n\n[Network]\nKeepMaster=yes\n${noLinkLocal}`,
  }
  if (lan) {
    files['05-stackhouse-br-lan.netdev'] = `[NetDev]\nName=${lanBridge}\nKind=bridge\n`
    files['05-stackhouse-br-lan.network'] = `[Match]\nName=${lanBridge}\n\n${own}`
    files['05-stackhouse-nic.network'] = `[Match]\nName=${nic}\n\n[Network]\nBridge=${lanBridge}\n`
    files['05-stackhouse-prov0-gw.network'] =
      `[Match]\nName=${providerPeer}\n\n[Link]\nRequiredForOnline=no\n\n[Network]\nBridge=${lanBridge}\n`
  } else {
    files['05-stackhouse-nic.network'] = `[Match]\nName=${nic}\n\n${own}`
    // networkd adds the masquerade rule itself, and again after every restart.
    files['05-stackhouse-prov0-gw.network'] =
      `[Match]\nName=${providerPeer}\n\n[Link]\nRequiredForOnline=no\n\n[Network]\n` +
      `Address=${internalExternal.gateway}/${internalExternal.cidr.split('/')[1]}\nIPMasquerade=ipv4\n${noLinkLocal}`
  }
  return files
}

/** A link as `ip -j link` shows it. */
export interface Link {
  ifindex: number
  ifname: string
  link_type: string
  linkinfo?: { info_kind?: string }
}

/**
 * The NIC: the first Ethernet link by index that is not a bridge or one of ours.
 * On vSphere ens192, under QEMU ens3, in a container host0.
 */
export function pickNic(links: readonly Link[]): string | undefined {
  const ours = new Set([providerInterface, providerPeer, lanBridge])
  return [...links]
    .sort((a, b) => a.ifindex - b.ifindex)
    .find(
      (l) =>
        l.link_type === 'ether' &&
        !ours.has(l.ifname) &&
        !['bridge', 'vxlan', 'tun', 'dummy'].includes(l.linkinfo?.info_kind ?? '') &&
        !/^(brq|tap|vxlan-)/.test(l.ifname),
    )?.ifname
}
