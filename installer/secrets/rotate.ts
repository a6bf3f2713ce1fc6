// SPDX-License-Identifier: Apache-2.0
// `stackhouse secrets rotate NAME…`: new values on purpose, with the plan of what
// the next deploy changes. Only secrets a deploy can carry to a running cloud are
// rotated; for the others it says why a new value would break the cloud.
import { copyFileSync, chmodSync } from 'node:fs'
import type { Project } from '../project.ts'
import { render } from '../render/render.ts'
import type { Role } from '../role/contract.ts'
import { UsageError } from '../errors.ts'
import { generateSecret } from './generate.ts'
import { secretCatalog, type SecretCatalog, type SecretName, type Secrets } from './names.ts'
import { readSecrets, writeSecrets } from './store.ts'

/** Secrets a deploy carries to the running cloud, and what it does besides writing files. */
const carried = new Map<SecretName, string>([
  ['admin_password', 'keystone-manage bootstrap sets the admin password again; the credentials files get it'],
  ['demo_password', 'Keystone user demo gets the new password; demo-openrc.sh and clouds.yaml get it'],
  ['rabbitmq_password', 'RabbitMQ user openstack gets the new password'],
  ['horizon_secret_key', 'dashboard sessions end: everyone logs in again'],
  ['metadata_proxy_secret', 'Nova and Neutron sign and check metadata requests with the new secret'],
])

const fernetKey =
  "a new key signs every user out at once; Keystone's own rotation (keystone-manage fernet_rotate) is the way (not supported yet)"
const credentialKey = 'stored credentials (EC2, application credentials) would no longer decrypt'
const swiftSalt = 'every stored object would be looked for in the wrong place: it must never change'
const cephKey = 'Ceph keys are changed inside Ceph (ceph auth), not by a new file (not supported yet)'

/** Secrets a new value would break, and why. */
const refusedBecause = new Map<SecretName, string>([
  ['mariadb_root_password', 'not used: root logs in to MariaDB over its unix socket'],
  ['rabbitmq_erlang_cookie', 'every RabbitMQ node and its CLI must change it at the same moment (not supported yet)'],
  ['keystone_fernet_key_0', fernetKey],
  ['keystone_fernet_key_1', fernetKey],
  ['keystone_credential_key_0', credentialKey],
  ['keystone_credential_key_1', credentialKey],
  ['swift_hash_path_prefix', swiftSalt],
  ['swift_hash_path_suffix', swiftSalt],
  ['ceph_fsid', 'the Ceph cluster is this id: a new one means a new, empty cluster'],
  ['ceph_mon_key', cephKey],
  ['ceph_admin_key', cephKey],
  ['ceph_cinder_key', cephKey],
  ['libvirt_rbd_secret_uuid', 'an identifier, not a secret: attached volumes refer to it'],
  ['vsphere_password', "the operator's own: change it in vCenter, then stackhouse secrets set vsphere_password < file"],
])

/** What the deploy does with a new value besides writing files, or why there is no safe new value. */
export function rotation(name: SecretName): { applies: string } | { refused: string } {
  const db = /^(\w+)_database_password$/.exec(name)
  if (db) return { applies: `MariaDB user ${db[1]} gets the new password` }
  const user = /^(\w+)_keystone_password$/.exec(name)
  if (user) return { applies: `Keystone user ${user[1]} gets the new password` }
  const applies = carried.get(name)
  return applies ? { applies } : { refused: refusedBecause.get(name) ?? 'not rotatable' }
}

export interface RotationPlan {
  rotated: { name: SecretName; applies: string }[]
  /** Files whose content the next deploy changes, and the units each restarts. */
  files: { host: string; path: string; restarts: string[] }[]
  /** Units restarted, per host. */
  restarts: { host: string; units: string[] }[]
  /** The secrets file before the rotation, kept beside it (mode 0600); absent for a dry run. */
  backup?: string
}

/** Refuses names that are not secrets or not rotatable, naming each and why. */
function checkNames(names: readonly string[], catalog: SecretCatalog): SecretName[] {
  if (!names.length)
    throw new UsageError('name the secrets to rotate', 'e.g. stackhouse secrets rotate nova_database_password admin_password')
  const problems = names.flatMap((n) => {
    if (!catalog.has(n)) return [`"${n}" is no secret (see stackhouse secrets list)`]
    const r = rotation(n)
    return 'refused' in r ? [`${n}: ${r.refused}`] : []
  })
  if (problems.length)
    throw new UsageError(
      `cannot rotate: ${problems.join('; ')}`,
      'rotate only passwords and keys a deploy can carry to the cloud; nothing was changed',
    )
  return [...new Set(names)] as SecretName[]
}

/** The files and restarts that differ between the project's secrets and `next`. */
function diffPlan(project: Project, roles: readonly Role[], next: Secrets): Pick<RotationPlan, 'files' | 'restarts'> {
  const before = new Map(render(project.model, roles, project.overrides).map((f) => [`${f.host}\0${f.path}`, f.content]))
  const after = render({ ...project.model, secrets: next }, roles, project.overrides)
  const files = after
    .filter((f) => before.get(`${f.host}\0${f.path}`) !== f.content)
    .map((f) => ({ host: f.host, path: f.path, restarts: f.notify }))
  const hosts = [...new Set(files.map((f) => f.host))]
  return {
    files,
    restarts: hosts.map((host) => ({ host, units: [...new Set(files.filter((f) => f.host === host).flatMap((f) => f.restarts))] })),
  }
}

/**
 * New values for `names` in the project's secrets file (kept first as
 * `<file>.before-rotate-<time>`, mode 0600), and the plan of what the next deploy
 * changes. With `dryRun`, the plan for stand-in values and nothing written.
 */
export function rotateSecrets(
  project: Project,
  roles: readonly Role[],
  names: readonly string[],
  opts: { dryRun?: boolean; now?: Date } = {},
): RotationPlan {
  const catalog = secretCatalog(roles)
  const chosen = checkNames(names, catalog)
  const next = { ...project.model.secrets } as Record<string, string>
  for (const n of chosen) next[n] = generateSecret(catalog.kindOf(n))
  const plan: RotationPlan = {
    rotated: chosen.map((name) => ({ name, applies: (rotation(name) as { applies: string }).applies })),
    ...diffPlan(project, roles, next as unknown as Secrets),
  }
  if (opts.dryRun) return plan
  const file = project.paths.secrets
  const backup = `${file}.before-rotate-${(opts.now ?? new Date()).toISOString().replace(/[:.]/g, '-')}`
  copyFileSync(file, backup)
  chmodSync(backup, 0o600)
  // Unknown names in the file are kept; only the rotated values change.
  writeSecrets(file, { ...readSecrets(file), ...Object.fromEntries(chosen.map((n) => [n, next[n]!])) })
  return { ...plan, backup }
}
