// SPDX-License-Identifier: Apache-2.0
// Before a deploy changes anything: do the hosts hold this cloud, or another one?
// Some secrets are the cloud's identity (the Ceph cluster id and keys, Keystone's
// key repositories, Swift's hash salts, the Erlang cookie): a host whose files hold
// other values was deployed with another secrets file, and writing ours would cut
// it off from its own data. Found, the deploy stops and names the files.
import type { RenderedFile } from '../render/render.ts'
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
  path: string
  secret: SecretName
}

/**
 * Each rendered file that carries an identity secret, compared with the host's copy:
 * a copy that exists and lacks the value is a mismatch. One command per host: the
 * paths are its arguments, the values come on standard input, a line each, and reach
 * grep through a pipe from the shell's own printf, never a command line.
 */
export async function identityMismatches(
  files: readonly RenderedFile[],
  secrets: Secrets,
  catalog: SecretCatalog,
  transports: ReadonlyMap<string, Transport>,
): Promise<IdentityMismatch[]> {
  const names = identityNames(catalog)
  const checks = files.flatMap((f) =>
    transports.has(f.host)
      ? names.filter((n) => secrets[n] && f.content.includes(secrets[n]!)).map((secret) => ({ host: f.host, path: f.path, secret }))
      : [],
  )
  const hosts = [...new Set(checks.map((c) => c.host))]
  const found = await Promise.all(
    hosts.map(async (host) => {
      const mine = checks.filter((c) => c.host === host)
      const script =
        sh`set -- ${mine.map((c) => c.path)}; ` +
        `while IFS= read -r v; do f=$1; shift; if [ ! -e "$f" ] || printf '%s\n' "$v" | grep -qF -f - -- "$f"; then echo same; else echo other; fi; done`
      const r = await transports.get(host)!.exec(script, { stdin: mine.map((c) => `${secrets[c.secret]}\n`).join('') })
      const answers = r.stdout.split('\n').filter(Boolean)
      if (r.code !== 0 || answers.length !== mine.length)
        throw new TransportError(
          host,
          transports.get(host)!.address,
          'closed',
          `could not compare the cloud's identity files (exit code ${r.code}): ${r.stderr.trim().slice(0, 200)}`,
        )
      return mine.filter((_, i) => answers[i] !== 'same')
    }),
  )
  return found.flat()
}

/** Stop before anything changes when a host holds another cloud's identity. */
export async function requireSameCloud(
  secretsFile: string,
  files: readonly RenderedFile[],
  secrets: Secrets,
  catalog: SecretCatalog,
  transports: ReadonlyMap<string, Transport>,
): Promise<void> {
  const bad = await identityMismatches(files, secrets, catalog, transports)
  if (!bad.length) return
  const lines = bad.map((m) => `${m.host}:${m.path} does not hold ${m.secret}`)
  const shown = lines.length > 5 ? [...lines.slice(0, 4), `and ${lines.length - 4} more`] : lines
  throw new SecretsError(secretsFile, `does not belong to the cloud on these hosts (nothing was changed): ${shown.join('; ')}`, {
    fix: "deploy with that cloud's secrets file (--secrets FILE, or restore it from a backup); to replace the cloud on purpose, stackhouse destroy it first",
  })
}
