// SPDX-License-Identifier: Apache-2.0
// The string formats of the inventory schema that ajv-formats does not have
// exactly as we need them: a DNS name or IPv4 address, and an apt-style URL.
import { parseIp } from './net.ts'

const label = /^[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?$/

/** A DNS name per RFC 1123: dot-separated labels of letters, digits and inner dashes, 253 characters at most. */
export function isDnsName(s: string): boolean {
  const name = s.endsWith('.') ? s.slice(0, -1) : s
  return name.length > 0 && name.length <= 253 && name.split('.').every((l) => label.test(l))
}

/** An IPv4 address, or a DNS name that cannot be mistaken for one (all-numeric names must be addresses). */
export function isAddressOrName(s: string): boolean {
  if (/^[0-9.]+$/.test(s)) return parseIp(s) !== undefined
  return isDnsName(s)
}

/** Characters a URL may hold here: RFC 3986 unreserved, '/', ':' and '%' escapes. No quotes, spaces, ';', '$' or '\'. */
const urlCharacters = /^https?:\/\/[A-Za-z0-9._~:/%+-]+$/

/**
 * An http(s) URL with a host (DNS name or IPv4), an optional port and path, and
 * nothing else: no credentials, query or fragment. Returned re-serialised, so what
 * reaches a file is what the URL parser understood.
 */
export function parseHttpUrl(s: string): string | undefined {
  if (!urlCharacters.test(s)) return undefined
  let u: URL
  try {
    u = new URL(s)
  } catch {
    return undefined
  }
  if ((u.protocol !== 'http:' && u.protocol !== 'https:') || u.username || u.password || u.search || u.hash) return undefined
  if (!isAddressOrName(u.hostname)) return undefined
  return u.href
}
