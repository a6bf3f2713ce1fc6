// SPDX-License-Identifier: Apache-2.0
// TLS on a host, for roles: the CA in Debian's trust store, a service's certificate
// and key where it serves https from, and the CA file clients name. Off (nothing,
// undefined) when the cloud has no TLS. The PEM texts come from the model
// (installer/tls/material.ts set them); nothing here makes a certificate.
import type { CommandSpec } from '../tasks/command.ts'
import type { RoleFile } from '../role/contract.ts'
import type { Model } from '../model/types.ts'
import { FixableError } from '../errors.ts'
import { sh } from '../shell.ts'
import { caBundle } from './tls-client.ts'

export { apiScheme, caBundle, clientCaFile } from './tls-client.ts'

/** Where the deployment's CA goes to be trusted (update-ca-certificates reads *.crt here). */
export const caTrustFile = '/usr/local/share/ca-certificates/stackhouse-ca.crt'

/** The PEM texts, when TLS is on; a render without them is a caller's mistake the operator can fix. */
function pemOf(model: Model): NonNullable<Model['tls']['pem']> | undefined {
  if (!model.tls.enabled) return undefined
  if (!model.tls.pem)
    throw new FixableError('TLS is on, and the model has no certificate', {
      fix: 'load the project with loadProject (it reads or makes the certificate), or set tls.enabled: false',
      kind: 'internal',
    })
  return model.tls.pem
}

/** The deployment CA for the host's trust store (none when TLS is off or the certificate is a public CA's). */
export function caTrustFiles(model: Model): RoleFile[] {
  const ca = pemOf(model)?.ca
  return ca ? [{ path: caTrustFile, content: ca, format: 'text', notify: [], sameOnEveryHost: true }] : []
}

/** update-ca-certificates, unless the bundle already holds the CA (its first line of base64 is in it). */
export function trustCaStep(model: Model): (CommandSpec & { id: string })[] {
  const ca = pemOf(model)?.ca
  const line = ca?.split('\n').find((l) => l && !l.startsWith('-----'))
  if (!line) return []
  return [
    {
      id: 'common.trust-ca',
      title: "update-ca-certificates (the deployment's CA)",
      unless: sh`grep -qxF ${line} ${caBundle}`,
      run: 'update-ca-certificates',
    },
  ]
}

/**
 * A service's certificate and key in `/etc/<project>/ssl/{public,private}/`: where
 * Debian's uwsgi init scripts look (they then serve --https-socket), and where
 * eventlet services' own options point. The key is readable by the service's group only.
 * `notify`: the units that serve them. @default the role's units on the host
 */
export function serverTlsFiles(model: Model, project: string, group: string, notify?: string[]): RoleFile[] {
  const pem = pemOf(model)
  if (!pem) return []
  const files = serverTlsPaths(project)
  const units = notify ? { notify } : {}
  return [
    { path: files.cert, content: pem.cert, format: 'text', ...units },
    { path: files.key, content: pem.key, format: 'text', group, mode: 0o640, ...units },
  ]
}

/** The paths serverTlsFiles writes for a project. */
export function serverTlsPaths(project: string): { cert: string; key: string } {
  return { cert: `/etc/${project}/ssl/public/${project}.crt`, key: `/etc/${project}/ssl/private/${project}.pem` }
}
