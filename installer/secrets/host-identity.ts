// SPDX-License-Identifier: Apache-2.0
// Before a deploy changes anything: do the hosts hold this cloud, or another one?
// Some secrets are the cloud's identity (the Ceph cluster id and keys, Keystone's
// key repositories, Swift's hash salts, the Erlang cookie): a host whose files hold
// other values was deployed with another secrets file, and writing ours would cut
// it off from its own data. Found, the deploy stops and names the files.
import type { RenderedFile } from '../render/render.ts'
import { sh } from '../shell.ts'
import type { Transport } from '../transport/types.ts'
import { kindOf, secretNames, type SecretName, type Secrets } from './names.ts'
import { rotation } from './rotate.ts'
import { SecretsError } from './store.ts'

/** The secrets no deploy may change (rotate refuses them) that files carry. */
const identityNames: SecretName[] = secretNames.filter((n) => 'refused' in rotation(n) && kindOf(n) !== 'operator')

export interface IdentityMismatch {
  host: string
  path: string
  secret: SecretName
}

/**
 * Each rendered file that carries an identity secret, compared with the host's copy:
 * a copy that exists and lacks the value is a mismatch. The value goes to grep on
 * standard input (`-f -`), never on the command line.
 */
export async function identityMismatches(files: readonly RenderedFile[], secrets: Secrets, transports: ReadonlyMap<string, Transport>): Promise<IdentityMismatch[]> {
  const checks = files.flatMap((f) =>
    transports.has(f.host)
      ? identityNames.filter((n) => secrets[n] && f.content.includes(secrets[n]!)).map((secret) => ({ host: f.host, path: f.path, secret }))
      : [],
  )
  // One command at a time per host (an SSH server opens only so many channels at once), hosts in parallel.
  const hosts = [...new Set(checks.map((c) => c.host))]
  const found = (
    await Promise.all(
      hosts.map(async (host) => {
        const bad: IdentityMismatch[] = []
        for (const c of checks.filter((x) => x.host === host)) {
          const r = await transports.get(host)!.exec(sh`f=${c.path}; [ ! -e "$f" ] || grep -qF -f - -- "$f"`, { stdin: `${secrets[c.secret]}\n` })
          if (r.code !== 0) bad.push(c)
        }
        return bad
      }),
    )
  ).flat()
  return found
}

/** Stop before anything changes when a host holds another cloud's identity. */
export async function requireSameCloud(secretsFile: string, files: readonly RenderedFile[], secrets: Secrets, transports: ReadonlyMap<string, Transport>): Promise<void> {
  const bad = await identityMismatches(files, secrets, transports)
  if (!bad.length) return
  const lines = bad.map((m) => `${m.host}:${m.path} does not hold ${m.secret}`)
  const shown = lines.length > 5 ? [...lines.slice(0, 4), `and ${lines.length - 4} more`] : lines
  throw new SecretsError(secretsFile, `does not belong to the cloud on these hosts (nothing was changed): ${shown.join('; ')}`, {
    fix: "deploy with that cloud's secrets file (--secrets FILE, or restore it from a backup); to replace the cloud on purpose, stackhouse destroy it first",
  })
}
