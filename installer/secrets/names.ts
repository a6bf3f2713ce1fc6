// SPDX-License-Identifier: Apache-2.0
// Every secret a cloud needs, and how each is made. The list is fixed (like
// kolla-genpwd's passwords.yml) so that turning a service on later never
// changes the secrets of the services already deployed.

/** How a secret's value is generated. */
export type SecretKind =
  | 'password' // 32 characters of [A-Za-z0-9]: safe in URLs, INI files and shells
  | 'fernet' // 32 random bytes, url-safe base64 (cryptography's Fernet key format)
  | 'hex' // 64 hex characters
  | 'uuid' // RFC 4122 version 4
  | 'ceph-key' // CephX secret: base64 of a 12-byte header + 16 random bytes
  | 'operator' // never generated: the operator sets it (`stackhouse secrets set`)

const openstackServices = ['keystone', 'glance', 'placement', 'nova', 'neutron', 'cinder'] as const
const serviceUsers = ['glance', 'placement', 'nova', 'neutron', 'cinder', 'swift'] as const

export const secretKinds = {
  admin_password: 'password',
  demo_password: 'password',
  mariadb_root_password: 'password',
  ...Object.fromEntries(openstackServices.map((s) => [`${s}_database_password`, 'password'])),
  ...Object.fromEntries(serviceUsers.map((s) => [`${s}_keystone_password`, 'password'])),
  rabbitmq_password: 'password',
  rabbitmq_erlang_cookie: 'password',
  keystone_fernet_key_0: 'fernet',
  keystone_fernet_key_1: 'fernet',
  keystone_credential_key_0: 'fernet',
  keystone_credential_key_1: 'fernet',
  horizon_secret_key: 'password',
  metadata_proxy_secret: 'password',
  swift_hash_path_prefix: 'hex',
  swift_hash_path_suffix: 'hex',
  ceph_fsid: 'uuid',
  ceph_mon_key: 'ceph-key',
  ceph_admin_key: 'ceph-key',
  ceph_cinder_key: 'ceph-key',
  libvirt_rbd_secret_uuid: 'uuid',
  vsphere_password: 'operator',
} as const satisfies Record<string, SecretKind>

type Literal<T extends readonly string[], P extends string> = `${T[number]}${P}`

/** Name of a secret in secrets.yaml. */
export type SecretName =
  | Exclude<keyof typeof secretKinds, `${string}_database_password` | `${string}_keystone_password`>
  | Literal<typeof openstackServices, '_database_password'>
  | Literal<typeof serviceUsers, '_keystone_password'>

export const secretNames = Object.keys(secretKinds).sort() as SecretName[]

/** Resolved secrets. Operator secrets that were not set are absent. */
export type Secrets = Readonly<Partial<Record<Extract<SecretName, 'vsphere_password'>, string>>> &
  Readonly<Record<Exclude<SecretName, 'vsphere_password'>, string>>

/**
 * Generated once and kept in secrets.yaml, so they never change, but not secret:
 * identifiers that Ceph and libvirt print, pass on command lines and keep in
 * world-readable files (the fsid is in every ceph.conf, mode 0644, as Ceph has it).
 * They are not redacted, and tests that hunt for secrets leave them out.
 */
export const identifierNames: readonly SecretName[] = ['ceph_fsid', 'libvirt_rbd_secret_uuid']

/** The secrets that must stay confidential: every value but the identifiers. */
export function confidentialValues(secrets: Readonly<Partial<Record<string, string>>>): Record<string, string> {
  return Object.fromEntries(Object.entries(secrets).filter((e): e is [string, string] => typeof e[1] === 'string' && !identifierNames.includes(e[0] as SecretName)))
}

export function isSecretName(name: string): name is SecretName {
  return Object.hasOwn(secretKinds, name)
}

export function kindOf(name: SecretName): SecretKind {
  return (secretKinds as Record<string, SecretKind>)[name]!
}

/**
 * A stand-in for every secret (`placeholder-<name>`), for commands that render to
 * check an inventory without creating, or reading, the real ones.
 */
export function placeholderSecrets(): Secrets {
  return Object.fromEntries(secretNames.map((n) => [n, `placeholder-${n}`])) as unknown as Secrets
}
