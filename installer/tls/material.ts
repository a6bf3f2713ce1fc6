// SPDX-License-Identifier: Apache-2.0
// The certificate, key and CA that the cloud's hosts get when TLS is on: the
// operator's files (tls.certificate, tls.key, tls.ca), or the deployment's own CA
// and one API certificate it signs for every address a client may use.
import { X509Certificate } from 'node:crypto'
import { existsSync, readFileSync } from 'node:fs'
import { isIP } from 'node:net'
import { join } from 'node:path'
import { FixableError } from '../errors.ts'
import { resolveLocalPath } from '../inventory/paths.ts'
import type { Model, TlsPem } from '../model/types.ts'
import { certificateFiles, ensureCa, ensureCertificate, type IssuedCertificate } from './ca.ts'
import { isKeyOf, type CertificateNames } from './certificate.ts'

/** The deployment CA's folder: beside the inventory, with the secrets; never on a host. */
export const tlsDir = (stateDir: string): string => join(stateDir, 'tls')

/** The name of the one server certificate every API of the cloud serves. */
export const apiCertificate = 'api'

/** Every name a client may reach an API by: the public and internal addresses, and each control host's name and address. */
export function apiNames(model: Model): CertificateNames {
  const dns = new Set<string>()
  const ips = new Set<string>()
  const add = (a: string) => (isIP(a) ? ips : dns).add(a.toLowerCase())
  add(model.publicAddress)
  add(model.internalAddress)
  for (const h of model.hosts.filter((h) => h.groups.includes('control'))) {
    add(h.name)
    add(h.address)
  }
  return { dns: [...dns].sort(), ips: [...ips].sort() }
}

/** The model with the PEM texts its hosts get (the model as it is without them: TLS off). */
export function withPem(model: Model, pem: TlsPem | undefined): Model {
  return pem ? { ...model, tls: { ...model.tls, pem } } : model
}

export interface TlsMaterial {
  pem: TlsPem
  /** What was made this time (the CA, the API certificate), with the reason. */
  issued: IssuedCertificate[]
}

/**
 * The PEM texts for the hosts, or undefined when TLS is off. The operator's files
 * when the inventory names them; else the deployment CA's, made or renewed when
 * `make` (a deploy) and only read otherwise (render, plan).
 */
export function tlsMaterial(
  model: Model,
  dirs: { stateDir: string; inventoryDir: string },
  make: boolean | 'renew',
): TlsMaterial | undefined {
  const t = model.tls
  if (!t.enabled) return undefined
  if (t.certificate && t.key) return { pem: operatorPem(t.certificate, t.key, t.ca, dirs.inventoryDir), issued: [] }
  const dir = tlsDir(dirs.stateDir)
  const issued: IssuedCertificate[] = []
  if (make) {
    issued.push(ensureCa(dir, model.name), ensureCertificate(dir, apiCertificate, apiNames(model), new Date(), { renew: make === 'renew' }))
  } else if (!existsSync(certificateFiles(dir, apiCertificate).cert)) {
    throw new FixableError(`TLS is on and ${dir} holds no certificate yet`, {
      fix: 'stackhouse deploy makes the CA and the certificate (or give tls.certificate and tls.key)',
    })
  }
  const files = { ca: certificateFiles(dir, 'ca'), api: certificateFiles(dir, apiCertificate) }
  return {
    pem: { cert: readFileSync(files.api.cert, 'utf8'), key: readFileSync(files.api.key, 'utf8'), ca: readFileSync(files.ca.cert, 'utf8') },
    issued: issued.filter((i) => i.created),
  }
}

/**
 * The operator's files, checked: PEM and nothing else (their text goes into files on
 * every host), a certificate with the key that is its own, and a CA. Errors name the
 * file and the fix.
 */
function operatorPem(certificate: string, key: string, ca: string | undefined, inventoryDir: string): TlsPem {
  const read = (name: string, value: string) => {
    const file = resolveLocalPath(value, inventoryDir)
    let text: string
    try {
      text = readFileSync(file, 'utf8')
    } catch (e) {
      throw new FixableError(`${file} (tls.${name}) cannot be read: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`, {
        fix: `point tls.${name} at a readable file; relative paths start from the inventory's folder`,
        file,
      })
    }
    if (!pemOnly.test(text))
      throw new FixableError(`${file} (tls.${name}) is not a PEM file: it must hold only -----BEGIN …----- blocks`, {
        fix: `convert it (openssl x509 -in it -out it.pem, or openssl pkey for a key) and point tls.${name} at the result`,
        file,
      })
    return { file, text }
  }
  const c = read('certificate', certificate)
  const k = read('key', key)
  let cert: X509Certificate
  try {
    cert = new X509Certificate(c.text)
  } catch (e) {
    throw new FixableError(`${c.file} (tls.certificate) holds no certificate: ${(e as Error).message}`, {
      fix: 'give the server certificate first, then its chain',
      file: c.file,
    })
  }
  if (!isKeyOf(cert, k.text))
    throw new FixableError(`${k.file} (tls.key) is not the key of ${c.file}`, {
      fix: 'give the private key the certificate was made for',
      file: k.file,
    })
  if (ca === undefined) return { cert: c.text, key: k.text }
  const a = read('ca', ca)
  let isCa = false
  try {
    isCa = new X509Certificate(a.text).ca
  } catch {
    isCa = false
  }
  if (!isCa)
    throw new FixableError(`${a.file} (tls.ca) is not a CA certificate`, {
      fix: 'give the certificate of the CA that signed tls.certificate',
      file: a.file,
    })
  return { cert: c.text, key: k.text, ca: a.text }
}

/** One or more PEM blocks, and nothing else but blank lines between them. */
const pemOnly = /^\s*(-----BEGIN ([A-Z0-9 ]{1,40})-----\r?\n[A-Za-z0-9+/=\r\n]{1,100000}?-----END \2-----\s*)+$/
