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

/** The stamp of this cloud: its identity secrets, each as the SHA-256 of its value. */
export function identityStamp(secrets: Secrets, catalog: SecretCatalog): string {
  return identityNames(catalog)
    .filter((n) => secrets[n])
    .map((n) => `${n} ${createHash('sha256').update(secrets[n]!).digest('hex')}\n`)
    .join('')
}

function parseStamp(text: string): Map<string, string> {
  return new Map(
    text
      .split('\n')
      .map((l) => l.trim().split(/\s+/))
      .filter((f): f is [string, string] => f.length === 2),
  )
}

/**
 * The identity secrets in which each host's stamp differs from this cloud's. A host
 * without a stamp was never given to a cloud: files its packages wrote (a default
 * swift.conf, the Erlang cookie RabbitMQ made at install, a pre-installed layer's)
 * are not another cloud's. A secret only one side knows (a role added since) is
 * not compared.
 */
export async function identityMismatches(
  hosts: readonly string[],
  secrets: Secrets,
  catalog: SecretCatalog,
  transports: ReadonlyMap<string, Transport>,
): Promise<IdentityMismatch[]> {
  const ours = parseStamp(identityStamp(secrets, catalog))
  const found = await Promise.all(
    hosts
      .filter((h) => transports.has(h))
      .map(async (host) => {
        const t = transports.get(host)!
        const r = await t.exec(sh`if [ -e ${identityStampPath} ]; then cat -- ${identityStampPath}; fi`)
        if (r.code !== 0)
          throw new TransportError(
            host,
            t.address,
            'closed',
            `could not read ${identityStampPath} (exit code ${r.code}): ${r.stderr.trim().slice(0, 200)}`,
          )
        const theirs = parseStamp(r.stdout)
        return [...ours]
          .filter(([name, hash]) => theirs.has(name) && theirs.get(name) !== hash)
          .map(([name]) => ({ host, secret: name as SecretName }))
      }),
  )
  return found.flat()
}

/**
 * Stop before anything changes when a host was given to another cloud; otherwise
 * record on each host that it is this cloud's (not in check mode, which changes nothing).
 */
export async function requireSameCloud(
  secretsFile: string,
  hosts: readonly string[],
  secrets: Secrets,
  catalog: SecretCatalog,
  transports: ReadonlyMap<string, Transport>,
  opts: { check?: boolean } = {},
): Promise<void> {
  const bad = await identityMismatches(hosts, secrets, catalog, transports)
  if (bad.length) {
    const lines = bad.map((m) => `${m.host} holds another ${m.secret}`)
    const shown = lines.length > 5 ? [...lines.slice(0, 4), `and ${lines.length - 4} more`] : lines
    throw new SecretsError(secretsFile, `does not belong to the cloud on these hosts (nothing was changed): ${shown.join('; ')}`, {
      fix: "deploy with that cloud's secrets file (--secrets FILE, or restore it from a backup); to replace the cloud on purpose, stackhouse destroy it first",
    })
  }
  if (opts.check) return
  const stamp = identityStamp(secrets, catalog)
  await Promise.all(
    hosts
      .filter((h) => transports.has(h))
      .map(async (host) => {
        const t = transports.get(host)!
        const r = await t.exec(
          sh`mkdir -p -- ${dirname(identityStampPath)} && umask 077 && cat > ${`${identityStampPath}.new`} && mv -- ${`${identityStampPath}.new`} ${identityStampPath}`,
          { stdin: stamp },
        )
        if (r.code !== 0)
          throw new TransportError(host, t.address, 'closed', `could not write ${identityStampPath}: ${r.stderr.trim().slice(0, 200)}`)
      }),
  )
}
