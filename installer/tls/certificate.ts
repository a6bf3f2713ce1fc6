// SPDX-License-Identifier: Apache-2.0
// A certificate read back with node:crypto: what it says (subject, names, expiry),
// whether a key is its own, and the names it carries in one spelling, checked and
// sorted, so that the names wanted and the names a certificate has compare equal.
import { X509Certificate, createPrivateKey } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { isIP } from 'node:net'
import { FixableError, UsageError } from '../errors.ts'

/** The names a certificate is for: its subjectAltName. */
export interface CertificateNames {
  /** DNS names (host names, a VIP's name). */
  dns: string[]
  /** IPv4 or IPv6 addresses. */
  ips: string[]
}

/** What `certs status` shows of a certificate. */
export interface CertificateInfo {
  file: string
  subject: string
  names: CertificateNames
  notAfter: Date
  daysLeft: number
  isCa: boolean
}

/** What a certificate file says (for `certs status`). */
export function certificateInfo(file: string, now = new Date()): CertificateInfo {
  const cert = new X509Certificate(readFileSync(file))
  return {
    file,
    subject: cert.subject.replace(/\n/g, ', '),
    names: namesOf(cert),
    notAfter: new Date(cert.validTo),
    daysLeft: Math.floor(daysLeft(cert, now)),
    isCa: cert.ca,
  }
}

/** Days until `cert` expires, counted from `now` (a fraction; negative once expired). */
export function daysLeft(cert: X509Certificate, now: Date): number {
  return (Date.parse(cert.validTo) - now.getTime()) / 86_400_000
}

/** A certificate and its key that belong together; an error naming the file otherwise. */
export function readPair(files: { cert: string; key: string }, what: string): { cert: X509Certificate } {
  let cert: X509Certificate
  try {
    cert = new X509Certificate(readFileSync(files.cert))
  } catch (e) {
    throw new FixableError(`${files.cert} is not a PEM certificate: ${(e as Error).message}`, {
      fix: `restore ${what} from your backup, or move its files away to make a new one`,
    })
  }
  if (!isKeyOf(cert, readFileSync(files.key)))
    throw new FixableError(`${files.key} is not the key of ${files.cert}`, {
      fix: `restore ${what} from your backup, or move its files away to make a new one`,
    })
  return { cert }
}

/** Whether `key` (PEM) is the private key of `cert`; false for text that is no key at all. */
export function isKeyOf(cert: X509Certificate, key: string | Buffer): boolean {
  try {
    return cert.checkPrivateKey(createPrivateKey(key))
  } catch {
    return false
  }
}

/** The DNS names and IP addresses of a certificate's subjectAltName, sorted. */
export function namesOf(cert: X509Certificate): CertificateNames {
  const dns: string[] = []
  const ips: string[] = []
  for (const part of (cert.subjectAltName ?? '').split(', ')) {
    if (part.startsWith('DNS:')) dns.push(part.slice(4))
    else if (part.startsWith('IP Address:')) ips.push(normaliseIp(part.slice(11)))
  }
  return { dns: dns.sort(), ips: ips.sort() }
}

/** Names checked (a DNS name or an address, nothing a configuration file could read otherwise), deduplicated and sorted. */
export function checkNames(names: CertificateNames): CertificateNames {
  const dns = [...new Set(names.dns.map((d) => d.toLowerCase()))].sort()
  const ips = [...new Set(names.ips.map(normaliseIp))].sort()
  for (const d of dns)
    if (d.length > 253 || !/^(?!-)[a-z0-9-]{1,63}(?<!-)(\.(?!-)[a-z0-9-]{1,63}(?<!-))*$/.test(d))
      throw new UsageError(`"${d.slice(0, 80)}" is not a DNS name a certificate can carry`, 'use letters, digits, hyphens and dots')
  for (const a of ips) if (!isIP(a)) throw new UsageError(`"${a.slice(0, 80)}" is not an IP address`, 'give an IPv4 or IPv6 address')
  if (!dns.length && !ips.length) throw new Error('a certificate without names: a bug in the caller')
  return { dns, ips }
}

/** One spelling per address: IPv6 as node prints it in a certificate (upper case, no zero compression). */
function normaliseIp(a: string): string {
  if (isIP(a) !== 6) return a
  const [head = '', tail = ''] = a.toLowerCase().split('::')
  const h = head ? head.split(':') : []
  const t = tail ? tail.split(':') : []
  const groups = a.includes('::') ? [...h, ...Array(8 - h.length - t.length).fill('0'), ...t] : h
  return groups.map((g) => parseInt(g, 16).toString(16).toUpperCase()).join(':')
}

/** Whether two sets of names, each checked or read from a certificate, are the same. */
export function sameNames(a: CertificateNames, b: CertificateNames): boolean {
  return JSON.stringify(a) === JSON.stringify(b)
}

/** Names for a message, e.g. `api.example.com, 10.0.0.10`. */
export function describeNames(n: CertificateNames): string {
  return [...n.dns, ...n.ips].join(', ') || 'nothing'
}
