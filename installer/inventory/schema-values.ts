// SPDX-License-Identifier: Apache-2.0
// The inventory schema's value shapes: names, addresses, paths and one-line texts,
// each with the pattern that keeps it out of trouble where it lands (a command, a
// URL, a configuration file) and a description editors show.

/** A host's short name. */
export const hostName = {
  type: 'string',
  pattern: '^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$',
  description: 'Short host name: lower-case letters, digits and dashes (RFC 1123 label).',
} as const

/** An IPv4 address. */
export const ipv4 = { type: 'string', format: 'ipv4' } as const
/** An IPv4 network in CIDR notation. */
export const cidr = {
  type: 'string',
  pattern: '^\\d{1,3}\\.\\d{1,3}\\.\\d{1,3}\\.\\d{1,3}/\\d{1,2}$',
  description: 'IPv4 network in CIDR notation, e.g. 10.0.0.0/24.',
} as const
/** What the kernel accepts (dev_valid_name), less ':' (aliases) and '@' (ip's vlan@parent), never a leading '-'. */
export const iface = {
  type: 'string',
  pattern: '^[A-Za-z0-9_][A-Za-z0-9_.-]{0,14}$',
  description: 'Linux interface name: up to 15 letters, digits, "_", "." and "-", starting with a letter, digit or "_".',
} as const
/** http(s)://host[:port][/path]: what apt sources and proxies look like; parsed and re-serialised in the model. */
export const url = {
  type: 'string',
  format: 'http-url',
  maxLength: 2048,
  description: 'http:// or https:// URL: host (name or IPv4), optional port and path; no credentials, spaces or quotes.',
} as const
/** A DNS name (RFC 1123) or an IPv4 address: what goes into URLs and /etc/hosts. */
export const addressOrName = {
  type: 'string',
  format: 'address-or-name',
  description: 'A DNS name (e.g. cloud.example.com) or an IPv4 address, without http:// or a port.',
} as const
/** A name that reaches commands and files: never starts with "-" (an option) or ".", no spaces or shell characters. */
export const safeName = (extra: string, max: number, description: string) =>
  ({ type: 'string', pattern: `^[A-Za-z0-9_][A-Za-z0-9_${extra}-]{0,${max - 1}}$`, description }) as const
/** Free text that lands in configuration files: one line, no control characters. */
export const line = (max: number, description: string) =>
  ({ type: 'string', minLength: 1, maxLength: max, pattern: '^[^\\x00-\\x1f\\x7f]+$', description }) as const
/** A block device: /dev/ then path segments that start with a letter, digit or "_" (no "..", no option). */
export const device = {
  type: 'string',
  pattern: '^/dev/[A-Za-z0-9_][A-Za-z0-9_.:+-]*(/[A-Za-z0-9_][A-Za-z0-9_.:+-]*)*$',
  maxLength: 255,
  description: 'A block device, e.g. /dev/sdb or /dev/disk/by-id/wwn-0x5000c500a1b2c3d4.',
} as const
/** A path on this machine, relative to the inventory file or starting with ~/. */
export const localPath = line(4096, 'A file on this machine: absolute, ~/…, or relative to the inventory file.')
