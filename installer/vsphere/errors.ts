// SPDX-License-Identifier: Apache-2.0
// What goes wrong talking to vSphere, as the operator reads it: a wrong password or
// an unknown datacenter is their input (exit 1) with the fix; a certificate this
// machine does not trust says how to trust it; anything vSphere itself refuses keeps
// its fault's name and message.
import { StackhouseError, type ErrorKind } from '../errors.ts'
import { textOf, type XmlNode } from '../xml.ts'

export class VsphereError extends StackhouseError {
  constructor(
    message: string,
    kind: ErrorKind = 'input',
    fix?: string,
    /** The vSphere fault's type (InvalidLogin, DuplicateName…), when vSphere sent one. */
    readonly fault?: string,
  ) {
    super(message, { kind, ...(fix ? { fix } : {}) })
    this.name = 'VsphereError'
  }
}

const fixes: Record<string, { kind: ErrorKind; fix: string }> = {
  InvalidLogin: { kind: 'input', fix: 'check the user and password (the password is read from standard input or the secrets file)' },
  NotAuthenticated: { kind: 'hosts', fix: 'the session ended: run the command again' },
  NoPermission: { kind: 'input', fix: 'give the user the privileges the command needs, or use another user' },
  DuplicateName: { kind: 'input', fix: 'choose another VM name, or remove the VM that has it' },
  InvalidName: { kind: 'input', fix: 'choose a name vSphere accepts (no / \\ or %, at most 80 characters)' },
}

/** The fault in a SOAP answer's Body, as an error naming the method. */
export function faultError(method: string, fault: XmlNode): VsphereError {
  const detail = fault['detail'] as XmlNode | undefined
  const first = detail && Object.keys(detail).find((k) => !k.startsWith('@_') && k !== '#text')
  const type = first ? first.replace(/Fault$/, '') : ''
  const message = textOf(fault['faultstring']) || type || 'a SOAP fault'
  const known = fixes[type]
  return new VsphereError(
    `vSphere refused ${method}: ${message}${type && !message.includes(type) ? ` (${type})` : ''}`,
    known?.kind ?? 'hosts',
    known?.fix,
    type || undefined,
  )
}

const certificateCodes = new Set([
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'CERT_HAS_EXPIRED',
  'ERR_TLS_CERT_ALTNAME_INVALID',
])

/** A request that never got an answer: a certificate not trusted, a refused connection, a bad name. */
export function transportError(endpoint: string, e: unknown): VsphereError {
  const cause = (e as { cause?: { code?: string; message?: string } }).cause
  const code = cause?.code ?? ''
  if (certificateCodes.has(code))
    return new VsphereError(
      `the certificate of ${endpoint} is not trusted (${code})`,
      'input',
      "give vCenter's CA with --ca-file (vCenter serves it at https://<vcenter>/certs/download.zip); --insecure skips the check for this connection only",
    )
  return new VsphereError(
    `cannot reach ${endpoint}: ${cause?.message ?? (e as Error).message}`,
    'hosts',
    'check the URL, that vCenter is up, and that this machine reaches it on port 443',
  )
}
