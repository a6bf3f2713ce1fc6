// SPDX-License-Identifier: Apache-2.0
// The deployment's own certificate authority and the server certificates it signs,
// kept in the project's state folder (beside the inventory; never on a host and
// never in an image). Made with Debian's `openssl` from configuration files in a
// private folder (no value on a command line; openssl.ts), read back with
// node:crypto (certificate.ts), and made again only when missing, signed by
// another CA, naming other addresses, or close to expiry: a second run changes nothing.
import { randomBytes, type X509Certificate } from 'node:crypto'
import { existsSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { FixableError } from '../errors.ts'
import { checkNames, daysLeft, describeNames, namesOf, readPair, sameNames, type CertificateNames } from './certificate.ts'
import { distinguished, inPrivateFolder, install, newKey, openssl } from './openssl.ts'

/** Days a CA and a server certificate are valid, and how early a certificate is made again. */
export const caDays = 3650
export const serverDays = 825
export const renewWithinDays = 30

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
