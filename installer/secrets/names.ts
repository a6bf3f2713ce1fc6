// SPDX-License-Identifier: Apache-2.0
// How secrets are made, and the catalog of them: each role declares the secrets
// it owns; the catalog is their union.
import { StackhouseError } from '../errors.ts'

/** How a secret's value is generated. */
export type SecretKind =
  | 'password' // 32 characters of [A-Za-z0-9]: safe in URLs, INI files and shells
  | 'fernet' // 32 random bytes, url-safe base64 (cryptography's Fernet key format)
  | 'hex' // 64 hex characters
  | 'uuid' // RFC 4122 version 4
  | 'ceph-key' // CephX secret: base64 of a 12-byte header + 16 random bytes
  | 'operator' // never generated: the operator sets it (`stackhouse secrets set`)

/** Secret name → how its value is made: what a role declares as `secrets`. */
export type SecretKinds = Readonly<Record<string, SecretKind>>

/**
 * Secret name → value type. Empty here: each role adds the names it declares
 * (`declare module '…/installer/role/index.ts' { interface SecretRegistry { … } }`
 * beside its `secrets`), so the engine and templates read them typed.
 */
export interface SecretRegistry {}

/** Name of a secret in secrets.yaml. */
export type SecretName = keyof SecretRegistry & string

/** Resolved secrets. Operator secrets that were not set are absent (optional in the registry). */
export type Secrets = Readonly<SecretRegistry>

/** Every secret the roles declare, with how each is made. */
export interface SecretCatalog {
  /** Sorted. */
  readonly names: readonly SecretName[]
  has(name: string): name is SecretName
  kindOf(name: SecretName): SecretKind
  /**
   * Generated once and kept in secrets.yaml, so they never change, but not secret:
   * identifiers (kind `uuid`) that Ceph and libvirt print, pass on command lines and
   * keep in world-readable files (the fsid is in every ceph.conf, mode 0644, as Ceph
   * has it). They are not redacted, and tests that hunt for secrets leave them out.
   */
  readonly identifiers: readonly SecretName[]
}

/** Two roles that declare one secret: a bug in the roles, found when the catalog is made. Exit 70. */
export class SecretOwnerError extends StackhouseError {
  constructor(name: string, first: string, second: string) {
    super(`secret ${name} is declared by both role ${first} and role ${second}; one role owns each secret`, {
      kind: 'internal',
      role: second,
    })
    this.name = 'SecretOwnerError'
  }
}

const catalogs = new WeakMap<readonly object[], SecretCatalog>()

/**
 * The secrets of every role, on or off: the list is fixed (like kolla-genpwd's
 * passwords.yml), so turning a service on later never changes the secrets of the
 * services already deployed.
 */
export function secretCatalog(roles: readonly { name: string; secrets?: SecretKinds }[]): SecretCatalog {
  const cached = catalogs.get(roles)
  if (cached) return cached
  const kinds = new Map<string, { kind: SecretKind; owner: string }>()
  for (const role of roles) {
    for (const [name, kind] of Object.entries(role.secrets ?? {})) {
      const seen = kinds.get(name)
      if (seen) throw new SecretOwnerError(name, seen.owner, role.name)
      kinds.set(name, { kind, owner: role.name })
    }
  }
  const names = [...kinds.keys()].sort() as SecretName[]
  const catalog: SecretCatalog = {
    names,
    has: (name): name is SecretName => kinds.has(name),
    kindOf: (name) => kinds.get(name)!.kind,
    identifiers: names.filter((n) => kinds.get(n)!.kind === 'uuid'),
  }
  catalogs.set(roles, catalog)
  return catalog
}

/** The secrets that must stay confidential: every value but the identifiers. */
export function confidentialValues(secrets: Readonly<Partial<Record<string, string>>>, catalog: SecretCatalog): Record<string, string> {
  return Object.fromEntries(
    Object.entries(secrets).filter(
      (e): e is [string, string] => typeof e[1] === 'string' && !catalog.identifiers.includes(e[0] as SecretName),
    ),
  )
}

/**
 * A stand-in for every secret (`placeholder-<name>`), for commands that render to
 * check an inventory without creating, or reading, the real ones.
 */
export function placeholderSecrets(catalog: SecretCatalog): Secrets {
  return Object.fromEntries(catalog.names.map((n) => [n, `placeholder-${n}`])) as unknown as Secrets
}
