// SPDX-License-Identifier: Apache-2.0
// IPv4 arithmetic for the inventory rules. Addresses are unsigned 32-bit numbers.

export interface Cidr {
  network: number
  prefix: number
  /** First and last address of the block. */
  first: number
  last: number
}

/** Parse a dotted quad; undefined when it is not a valid IPv4 address. Leading zeros are refused (some tools read them as octal). */
export function parseIp(text: string): number | undefined {
  const parts = text.split('.')
  if (parts.length !== 4 || parts.some((p) => !/^(0|[1-9]\d{0,2})$/.test(p) || Number(p) > 255)) return undefined
  return parts.reduce((n, p) => n * 256 + Number(p), 0)
}

export function formatIp(n: number): string {
  return [24, 16, 8, 0].map((s) => Math.floor(n / 2 ** s) % 256).join('.')
}

/** Parse `a.b.c.d/p`; `error` says what is wrong (bad address, prefix, host bits set). */
export function parseCidr(text: string): { cidr?: Cidr; error?: string; fix?: string } {
  const [addr = '', prefixText = ''] = text.split('/')
  const ip = parseIp(addr)
  const prefix = Number(prefixText)
  if (ip === undefined)
    return { error: `"${addr}" is not an IPv4 address`, fix: 'each of the four numbers must be 0-255, written without leading zeros' }
  if (!/^\d{1,2}$/.test(prefixText) || prefix > 32) return { error: `prefix "/${prefixText}" is not 0-32` }
  const size = 2 ** (32 - prefix)
  const network = ip - (ip % size)
  if (network !== ip) {
    return { error: `${text} has host bits set`, fix: `write the network address: ${formatIp(network)}/${prefix}` }
  }
  return { cidr: { network, prefix, first: network, last: network + size - 1 } }
}

export function contains(c: Cidr, ip: number): boolean {
  return ip >= c.first && ip <= c.last
}

export function overlaps(a: Cidr, b: Cidr): boolean {
  return a.first <= b.last && b.first <= a.last
}
