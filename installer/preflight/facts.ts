// SPDX-License-Identifier: Apache-2.0
// What preflight reads from each host before a deploy changes anything: its links
// and addresses, memory, free disk, clock, and whether it reaches the other hosts'
// SSH ports on the management network. One command per host; nothing is written.
import { sh } from '../shell.ts'

/** Where the deploy keeps what grows: images, volumes' OSD file, databases. */
export const dataDir = '/var/lib'

export interface HostLink {
  name: string
  up: boolean
  mtu: number
  /** Global addresses, without the prefix. */
  addresses: string[]
}

export interface PreflightFacts {
  links: HostLink[]
  memoryBytes: number
  /** Free bytes under dataDir. */
  diskBytes: number
  /** The host's clock, seconds since the epoch. */
  time: number
  /** Management addresses of the other hosts, and whether their SSH port answered. */
  reaches: Record<string, boolean>
}

/** The command that prints the facts; `peers` are the other hosts' management addresses and SSH ports. */
export function preflightCommand(peers: readonly { address: string; port: number }[]): string {
  const reach = peers.map(
    ({ address: a, port }) =>
      sh`if timeout 3 bash -c ${`exec 3<>/dev/tcp/${a}/${port}`} 2>/dev/null; then echo ${`@reach ${a} yes`}; else echo ${`@reach ${a} no`}; fi`,
  )
  return [
    'echo "@time $(date +%s.%N)"',
    `echo "@mem $(awk '/^MemTotal:/ {print $2 * 1024}' /proc/meminfo)"`,
    sh`echo "@disk $(df -B1 --output=avail -- ${dataDir} | tail -n 1)"`,
    'echo "@ip $(ip -j addr show)"',
    ...reach,
  ].join('\n')
}

interface IpAddr {
  ifname?: string
  flags?: string[]
  operstate?: string
  mtu?: number
  addr_info?: { local?: string; scope?: string }[]
}

/** The facts in preflightCommand's output; undefined when it is not that output. */
export function parsePreflightFacts(stdout: string): PreflightFacts | undefined {
  const line = (key: string) => new RegExp(`^@${key} (.*)$`, 'm').exec(stdout)?.[1]?.trim()
  // Number('') is 0: a value a failed command left empty is no value.
  const number = (key: string) => (line(key) ? Number(line(key)) : NaN)
  const [time, mem, disk, ip] = [number('time'), number('mem'), number('disk'), line('ip')]
  if (!Number.isFinite(time) || !Number.isFinite(mem) || !Number.isFinite(disk) || !ip) return undefined
  let parsed: IpAddr[]
  try {
    parsed = JSON.parse(ip) as IpAddr[]
  } catch {
    return undefined
  }
  if (!Array.isArray(parsed)) return undefined
  const links = parsed.map((l) => ({
    name: String(l.ifname ?? ''),
    // A link without carrier says LOWERLAYERDOWN or DOWN; one that is up may say UNKNOWN (veth, tun).
    up: (l.flags ?? []).includes('UP') && l.operstate !== 'DOWN' && l.operstate !== 'LOWERLAYERDOWN',
    mtu: Number(l.mtu ?? 0),
    addresses: (l.addr_info ?? []).filter((a) => a.scope === 'global' && a.local).map((a) => a.local!),
  }))
  const reaches = Object.fromEntries([...stdout.matchAll(/^@reach (\S+) (yes|no)$/gm)].map((m) => [m[1]!, m[2] === 'yes']))
  return { links, memoryBytes: mem, diskBytes: disk, time, reaches }
}
