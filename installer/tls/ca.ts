// SPDX-License-Identifier: Apache-2.0
// The deployment's own certificate authority and the server certificates it signs,
// kept in the project's state folder (beside the inventory; never on a host and
// never in an image). Made with Debian's `openssl` from configuration files in a
// private folder (no value on a command line), read back with node:crypto, and
// made again only when missing, signed by another CA, naming other addresses, or
// close to expiry: a second run changes nothing.
import { execFileSync } from 'node:child_process'
import { X509Certificate, createPrivateKey, randomBytes } from 'node:crypto'
import { chmodSync, existsSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs'
import { isIP } from 'node:net'
import { join } from 'node:path'
import { FixableError, UsageError } from '../errors.ts'
import { mkdirPrivate } from '../private-dir.ts'

/** Days a CA and a server certificate are valid, and how early a certificate is made again. */
export const caDays = 3650
export const serverDays = 825
export const renewWithinDays = 30

export interface CertificateNames {
  /** DNS names (host names, a VIP's name). */
  dns: string[]
  /** IPv4 or IPv6 addresses. */
  ips: string[]
}

export interface CertificateInfo {
  file: string
  subject: string
  names: CertificateNames
  notAfter: Date
  daysLeft: number
  isCa: boolean
}

/** What ensureCertificate did: `created` with the reason, or kept. */
export interface IssuedCertificate {
  name: string
  cert: string
  key: string
  created: boolean
  reason?: string
}

/** The files of one certificate (`ca`, or a server certificate's name) in the TLS folder. */
export function certificateFiles(dir: string, name: string): { cert: string; key: string } {
  if (!/^[a-z][a-z0-9-]{0,62}$/.test(name)) throw new Error(`certificate name ${JSON.stringify(name)}: a bug in the caller`)
  return { cert: join(dir, `${name}.crt`), key: join(dir, `${name}.key`) }
}

/** The CA of the deployment: kept when its files are whole, made when missing. */
export function ensureCa(dir: string, cloudName: string): IssuedCertificate {
  const files = certificateFiles(dir, 'ca')
  const [hasCert, hasKey] = [existsSync(files.cert), existsSync(files.key)]
  if (hasCert && hasKey) {
    readPair(files, 'the CA')
    return { name: 'ca', ...files, created: false }
  }
  // One without the other: a server certificate signed by a lost key cannot be renewed; say so, do not replace.
  if (hasCert || hasKey)
    throw new FixableError(`${hasCert ? files.cert : files.key} is there without ${hasCert ? files.key : files.cert}`, {
      fix: `put the missing file back (from your backup of ${dir}), or move both away to make a new CA (every host then needs new certificates)`,
    })
  const config = [
    '[req]',
    'distinguished_name = dn',
    'prompt = no',
    '[dn]',
    `CN = ${distinguished(`Stackhouse CA ${cloudName}`)}`,
    '[ext]',
    'basicConstraints = critical, CA:TRUE, pathlen:0',
    'keyUsage = critical, keyCertSign, cRLSign',
    'subjectKeyIdentifier = hash',
  ]
  inPrivateFolder(dir, (tmp) => {
    writeFileSync(join(tmp, 'ca.cnf'), `${config.join('\n')}\n`, { mode: 0o600 })
    openssl(tmp, [
      'req',
      '-x509',
      '-new',
      ...newKey,
      '-keyout',
      'ca.key',
      '-out',
      'ca.crt',
      '-days',
      String(caDays),
      '-config',
      'ca.cnf',
      '-extensions',
      'ext',
    ])
    install(tmp, files, 'ca')
  })
  return { name: 'ca', ...files, created: true, reason: 'there was no CA' }
}

/**
 * A server certificate `name` signed by the CA in `dir`, for exactly `names`: kept
 * when it is whole, signed by this CA, names the same and has more than
 * `renewWithinDays` left; made again otherwise (the reason says which), or always with `renew`.
 */
export function ensureCertificate(
  dir: string,
  name: string,
  names: CertificateNames,
  now = new Date(),
  opts: { renew?: boolean } = {},
): IssuedCertificate {
  if (name === 'ca') throw new Error('ensureCertificate: "ca" is the CA, a bug in the caller')
  const want = checkNames(names)
  const ca = certificateFiles(dir, 'ca')
  const files = certificateFiles(dir, name)
  // Renewed on request: a new key and a new certificate, whatever the old one's state.
  const reason = opts.renew ? 'renewal was asked for' : reasonToIssue(files, readPair(ca, 'the CA').cert, want, now)
  if (!reason) return { name, ...files, created: false }
  const config = [
    '[req]',
    'distinguished_name = dn',
    'prompt = no',
    '[dn]',
    `CN = ${distinguished(want.dns[0] ?? want.ips[0]!)}`,
    '[ext]',
    'basicConstraints = critical, CA:FALSE',
    'keyUsage = critical, digitalSignature, keyEncipherment',
    'extendedKeyUsage = serverAuth',
    'subjectKeyIdentifier = hash',
    'authorityKeyIdentifier = keyid',
    'subjectAltName = @names',
    '[names]',
    ...want.dns.map((d, i) => `DNS.${i + 1} = ${d}`),
    ...want.ips.map((a, i) => `IP.${i + 1} = ${a}`),
  ]
  inPrivateFolder(dir, (tmp) => {
    writeFileSync(join(tmp, 'server.cnf'), `${config.join('\n')}\n`, { mode: 0o600 })
    openssl(tmp, ['req', '-new', ...newKey, '-keyout', `${name}.key`, '-out', 'server.csr', '-config', 'server.cnf'])
    openssl(tmp, [
      'x509',
      '-req',
      '-in',
      'server.csr',
      '-CA',
      ca.cert,
      '-CAkey',
      ca.key,
      '-set_serial',
      `0x${randomBytes(16).toString('hex')}`,
      '-days',
      String(serverDays),
      '-extfile',
      'server.cnf',
      '-extensions',
      'ext',
      '-out',
      `${name}.crt`,
    ])
    install(tmp, files, name)
  })
  return { name, ...files, created: true, reason }
}

/** Why the certificate in `files` must be made again, or undefined when it is good. */
function reasonToIssue(files: { cert: string; key: string }, ca: X509Certificate, want: CertificateNames, now: Date): string | undefined {
  if (!existsSync(files.cert) || !existsSync(files.key)) return 'there was none'
  let pair: { cert: X509Certificate }
  try {
    pair = readPair(files, files.cert)
  } catch (e) {
    return (e as Error).message
  }
  if (!pair.cert.checkIssued(ca) || !pair.cert.verify(ca.publicKey)) return 'it was signed by another CA'
  const have = namesOf(pair.cert)
  if (!sameNames(have, want)) return `it named ${describeNames(have)}, not ${describeNames(want)}`
  const left = daysLeft(pair.cert, now)
  if (left <= renewWithinDays) return `it had ${Math.max(0, Math.floor(left))} days left`
  return undefined
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

function daysLeft(cert: X509Certificate, now: Date): number {
  return (Date.parse(cert.validTo) - now.getTime()) / 86_400_000
}

/** A certificate and its key that belong together; an error naming the file otherwise. */
function readPair(files: { cert: string; key: string }, what: string): { cert: X509Certificate } {
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
function namesOf(cert: X509Certificate): CertificateNames {
  const dns: string[] = []
  const ips: string[] = []
  for (const part of (cert.subjectAltName ?? '').split(', ')) {
    if (part.startsWith('DNS:')) dns.push(part.slice(4))
    else if (part.startsWith('IP Address:')) ips.push(normaliseIp(part.slice(11)))
  }
  return { dns: dns.sort(), ips: ips.sort() }
}

/** Names checked (a DNS name or an address, nothing a configuration file could read otherwise), deduplicated and sorted. */
function checkNames(names: CertificateNames): CertificateNames {
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

function sameNames(a: CertificateNames, b: CertificateNames): boolean {
  return JSON.stringify(a) === JSON.stringify(b)
}

function describeNames(n: CertificateNames): string {
  return [...n.dns, ...n.ips].join(', ') || 'nothing'
}

/** A value for an OpenSSL distinguished name: printable, no characters its config syntax reads. */
function distinguished(text: string): string {
  return text.replace(/[^A-Za-z0-9 ._-]/g, '-').slice(0, 64)
}

const newKey = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-noenc']

/** Run openssl in `cwd`; its own words when it fails. Synchronous: a key and a certificate take some 20 ms. */
function openssl(cwd: string, args: string[]): void {
  try {
    execFileSync('openssl', args, { cwd, timeout: 60_000, stdio: ['ignore', 'pipe', 'pipe'] })
  } catch (e) {
    const err = e as NodeJS.ErrnoException & { stderr?: Buffer }
    if (err.code === 'ENOENT')
      throw new FixableError('making TLS certificates needs openssl, which is not installed', { fix: 'apt-get install openssl' })
    throw new FixableError(`openssl ${args[0]} failed: ${(err.stderr?.toString() ?? err.message).trim().split('\n').slice(-2).join(' ')}`, {
      fix: 'this is unexpected: report it with the message',
      kind: 'internal',
    })
  }
}

/** Work in a private folder inside `dir` (same file system: the results are renamed into place), removed after. */
function inPrivateFolder(dir: string, work: (tmp: string) => void): void {
  mkdirPrivate(dir)
  const tmp = mkdtempSync(join(dir, '.new-'))
  try {
    work(tmp)
  } finally {
    rmSync(tmp, { recursive: true, force: true })
  }
}

/** Move a new pair into place: the key first (0600), then the certificate (0644), so a cert never names a missing key. */
function install(tmp: string, files: { cert: string; key: string }, name: string): void {
  chmodSync(join(tmp, `${name}.key`), 0o600)
  chmodSync(join(tmp, `${name}.crt`), 0o644)
  renameSync(join(tmp, `${name}.key`), files.key)
  renameSync(join(tmp, `${name}.crt`), files.cert)
}
