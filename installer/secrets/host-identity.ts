// SPDX-License-Identifier: Apache-2.0
// Before a deploy changes anything: do the hosts hold this cloud, or another one?
// Some secrets are the cloud's identity (the Ceph cluster id and keys, Keystone's
// key repositories, Swift's hash salts, the Erlang cookie): a host given to a cloud
// with other values was deployed with another secrets file, and writing ours would
// cut it off from its own data. Found, the deploy stops and names the secrets.
import { createHash } from 'node:crypto'
import { dirname } from 'node:path'
import { sh } from '../shell.ts'
import { TransportError, type Transport } from '../transport/types.ts'
import type { SecretCatalog, SecretName, Secrets } from './names.ts'
import { rotation } from './rotate.ts'
import { SecretsError } from './store.ts'

/** The secrets no deploy may change (rotate refuses them) that files carry. */
function identityNames(catalog: SecretCatalog): SecretName[] {
  return catalog.names.filter((n) => 'refused' in rotation(n) && catalog.kindOf(n) !== 'operator')
}

export interface IdentityMismatch {
  host: string
  secret: SecretName
}

/**
 * Where a host records which cloud it was given to: a line per identity secret,
 * `<name> <sha256 of its value>` (the value itself never leaves the secrets file).
 * It is written before the first change of a deploy, so a run killed half-way has it.
 */
export const identityStampPath = '/var/lib/stackhouse/cloud-identity'

/** This cloud's identity secrets, each as the SHA-256 of its value. */
function identityHashes(secrets: Secrets, catalog: SecretCatalog): Map<string, string> {
  return new Map(
    identityNames(catalog)
      .filter((n) => secrets[n])
      .map((n) => [n, createHash('sha256').update(secrets[n]!).digest('hex')]),
  )
}

const formatStamp = (hashes: ReadonlyMap<string, string>) => [...hashes].map(([n, h]) => `${n} ${h}\n`).join('')

/** The stamp of this cloud, as hosts hold it. */
export function identityStamp(secrets: Secrets, catalog: SecretCatalog): string {
  return formatStamp(identityHashes(secrets, catalog))
}

function parseStamp(text: string): Map<string, string> {
  return new Map(
    text
      .split('\n')
      .map((l) => l.trim().split(/\s+/))
      .filter((f): f is [string, string] => f.length === 2),
  )
}

/** Run one command on a host; a failure is the host's, with what was being done. */
async function onHost(t: Transport, command: string, doing: string, stdin?: string): Promise<string> {
  const r = await t.exec(command, stdin === undefined ? {} : { stdin })
  if (r.code !== 0)
    throw new TransportError(t.host, t.address, 'closed', `could not ${doing} (exit code ${r.code}): ${r.stderr.trim().slice(0, 200)}`)
  return r.stdout
}

/**
 * Stop before anything changes when a host was given to another cloud; otherwise
 * record on each host that it is this cloud's (not in check mode, which changes
 * nothing). A host without a stamp was never given to a cloud: files its packages
 * wrote (a default swift.conf, the Erlang cookie RabbitMQ made at install, a
 * pre-installed layer's) are not another cloud's. A secret only one side knows (a
 * role added since) is not compared. One round trip per host when nothing changed.
 */
export async function requireSameCloud(
  secretsFile: string,
  hosts: readonly string[],
  secrets: Secrets,
  catalog: SecretCatalog,
  transports: ReadonlyMap<string, Transport>,
  opts: { check?: boolean } = {},
): Promise<void> {
  const ours = identityHashes(secrets, catalog)
  const stamp = formatStamp(ours)
  const reached = hosts.flatMap((h) => (transports.has(h) ? [transports.get(h)!] : []))
  const held = await Promise.all(
    reached.map((t) => onHost(t, sh`if [ -e ${identityStampPath} ]; then cat -- ${identityStampPath}; fi`, `read ${identityStampPath}`)),
  )
  const bad: IdentityMismatch[] = reached.flatMap((t, i) => {
    const theirs = parseStamp(held[i]!)
    return [...ours]
      .filter(([name, hash]) => theirs.has(name) && theirs.get(name) !== hash)
      .map(([name]) => ({ host: t.host, secret: name as SecretName }))
  })
  if (bad.length) {
    const lines = bad.map((m) => `${m.host} holds another ${m.secret}`)
    const shown = lines.length > 5 ? [...lines.slice(0, 4), `and ${lines.length - 4} more`] : lines
    throw new SecretsError(secretsFile, `does not belong to the cloud on these hosts (nothing was changed): ${shown.join('; ')}`, {
      fix: "deploy with that cloud's secrets file (--secrets FILE, or restore it from a backup); to replace the cloud on purpose, stackhouse destroy it first",
    })
  }
  if (opts.check) return
  const write = sh`mkdir -p -- ${dirname(identityStampPath)} && umask 077 && cat > ${`${identityStampPath}.new`} && mv -- ${`${identityStampPath}.new`} ${identityStampPath}`
  await Promise.all(reached.filter((_, i) => held[i] !== stamp).map((t) => onHost(t, write, `write ${identityStampPath}`, stamp)))
}
