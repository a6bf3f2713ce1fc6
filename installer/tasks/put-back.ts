// SPDX-License-Identifier: Apache-2.0
// A role's folders put back from a backup (installer/backup/restore.ts): the data
// archive goes to a private folder on the host and replaces the folders there.
// Restore's first deploy runs it after the role's packages are in and before its
// files, steps and units, so a service first starts on its old data (Ceph's
// monitor on its store, never on a new cluster of the same name).
import { basename } from 'node:path'
import { shellQuote } from '../shell.ts'
import { must } from './exec.ts'
import { changed, type Task } from './types.ts'

/** What goes back where: `paths` (folders or files) of `role` on host `host`, from `archive` on this machine. */
export interface PutBack {
  role: string
  host: string
  archive: string
  paths: readonly string[]
  /** Units that must not run while the paths change, stopped first: a restore run again finds them running. */
  stop?: readonly string[]
}

export function putBackTask(p: PutBack): Task {
  const units = p.stop ?? []
  const id = `${p.role}.put-back`
  return {
    id,
    title: `${p.paths.join(', ')} from the backup`,
    async apply(ctx) {
      if (ctx.check) return changed(`would put back ${p.paths.join(', ')}`)
      const dir = (await must(ctx, id, 'umask 077 && mktemp -d /var/tmp/stackhouse-restore.XXXXXX')).stdout.trim()
      try {
        const file = `${dir}/${basename(p.archive)}`
        await ctx.transport.upload(p.archive, file, { mode: 0o600, owner: 'root', group: 'root' })
        // A unit not installed yet cannot be stopped, nor is it running: only one still active fails.
        const list = units.map(shellQuote).join(' ')
        if (units.length) await must(ctx, id, `systemctl stop -- ${list} || ! systemctl is-active --quiet -- ${list}`)
        await must(ctx, id, `set -euo pipefail\n${putBackScript(shellQuote(file), p.paths)}`)
      } finally {
        await ctx.transport.exec(`rm -rf -- ${shellQuote(dir)}`).catch(() => undefined)
      }
      return changed(`put back ${p.paths.join(', ')}`)
    },
  }
}

/**
 * The shell that puts a role's folders back from their archive: unpacked beside it
 * (never as the archive's owners or modes), refused if it holds a link, a device or a
 * setuid file, then each folder replaces the host's and gets that folder's owner.
 */
export function putBackScript(archive: string, dirs: readonly string[]): string {
  const members = dirs.map((d) => shellQuote(d.slice(1))).join(' ')
  return [
    `x=$(dirname -- ${archive})/unpacked`,
    'mkdir -m 700 -- "$x"',
    `tar -C "$x" -xzf ${archive} --no-same-owner --no-same-permissions -- ${members}`,
    // NOTE: a setgid folder is kept (a package may make one so new files get its group).
    'bad=$(find "$x" \\( -type l -o \\( ! -type f ! -type d \\) -o \\( -type f -perm /6000 \\) -o \\( -type d -perm /4000 \\) \\) -print -quit)',
    'if [ -n "$bad" ]; then echo "the archive holds ${bad#"$x"}: a link, a device or a setuid file" >&2; exit 1; fi',
    ...dirs.flatMap((d) => {
      const q = shellQuote(d)
      return [
        `owner=$(stat -c %U:%G -- ${q} 2>/dev/null || echo root:root)`,
        `rm -rf -- ${q}`,
        `mkdir -p -- "$(dirname -- ${q})"`,
        `mv -- "$x"${q} ${q}`,
        `chown -R -- "$owner" ${q}`,
      ]
    }),
  ].join('\n')
}
