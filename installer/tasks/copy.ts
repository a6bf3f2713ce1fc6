// SPDX-License-Identifier: Apache-2.0
// Files made on one host and needed on the others of a role (Swift's rings): the
// maker offers them to the run as they are now, every other host takes them and
// writes those that differ (by SHA-256), with the maker's owner and mode, replaced
// atomically. A host with a stale copy is brought up to date; a current one is left
// alone. Contents go over the hosts' SSH sessions as base64 and never into a log.
import { createHash } from 'node:crypto'
import { dirname } from 'node:path'
import { shellQuote } from '../shell.ts'
import { commandFailed } from './exec.ts'
import { changed, ok, TaskError, type SharedFile, type Task, type TaskContext, type TaskResult } from './types.ts'

export interface CopySpec {
  /** The step's id: also the key the files are handed over by. */
  id: string
  title: string
  /** Absolute paths, the same on every host. */
  files: readonly string[]
  /** The host that makes them. */
  from: string
}

/** On `from`: offer the files; on every other host: take them. */
export function copyTask(spec: CopySpec, host: string): Task {
  return host === spec.from ? offerTask(spec) : takeTask(spec)
}

function exchangeOf(ctx: TaskContext, id: string) {
  if (!ctx.exchange) throw new TaskError(`${id}: the runner gives no way to hand files between hosts`, { host: ctx.host.name, task: id })
  return ctx.exchange
}

function offerTask(spec: CopySpec): Task {
  return {
    id: spec.id,
    title: `${spec.title}: hand them to the other hosts`,
    async apply(ctx) {
      const exchange = exchangeOf(ctx, spec.id)
      const files: SharedFile[] = []
      for (const path of spec.files) {
        const q = shellQuote(path)
        // NOTE: not through probe(): the content would fill the host's log.
        const r = await ctx.transport.exec(`stat -c '%a %U %G' -- ${q} && base64 -w0 -- ${q}`)
        if (r.code !== 0) {
          // --check before they were ever made: the takers report what they would copy.
          if (ctx.check) continue
          throw commandFailed(ctx, spec.id, `stat/base64 ${path}`, r, `${path} is missing here, where it is made`)
        }
        const [meta = '', base64 = ''] = r.stdout.split('\n')
        const [mode = '644', owner = 'root', group = 'root'] = meta.trim().split(' ')
        const hash = createHash('sha256').update(Buffer.from(base64, 'base64')).digest('hex')
        files.push({ path, base64, hash, mode, owner, group })
      }
      ctx.log(`offered ${files.map((f) => `${f.path} (sha256 ${f.hash.slice(0, 12)})`).join(', ')}`)
      exchange.offer(spec.id, files)
      return ok
    },
  }
}

function takeTask(spec: CopySpec): Task {
  return {
    id: spec.id,
    title: `${spec.title} from ${spec.from}`,
    async apply(ctx) {
      const files = await exchangeOf(ctx, spec.id).take(spec.id, spec.from)
      if (!files) return keepOwn(ctx, spec)
      const stale: string[] = []
      for (const path of spec.files) {
        const f = files.find((x) => x.path === path)
        const q = shellQuote(path)
        const have = await ctx.transport.exec(`sha256sum -- ${q} 2>/dev/null | cut -d' ' -f1`)
        if (f && have.stdout.trim() === f.hash) continue
        stale.push(path)
        if (ctx.check) continue
        if (!f) throw new TaskError(`${path} was not handed over by ${spec.from}`, { host: ctx.host.name, task: spec.id })
        const write = [
          'set -e',
          `install -d -- ${shellQuote(dirname(path))}`,
          `t=$(mktemp -- ${shellQuote(`${path}.XXXXXX`)})`,
          `trap 'rm -f -- "$t"' EXIT`,
          `base64 -d > "$t"`,
          `chown -- ${shellQuote(`${f.owner}:${f.group}`)} "$t"`,
          `chmod -- ${shellQuote(f.mode)} "$t"`,
          `[ "$(sha256sum < "$t" | cut -d' ' -f1)" = ${shellQuote(f.hash)} ]`,
          `mv -f -- "$t" ${q}`,
          'trap - EXIT',
        ].join('\n')
        ctx.log(`writing ${path} (sha256 ${f.hash.slice(0, 12)}) from ${spec.from}`)
        const r = await ctx.transport.exec(write, { stdin: f.base64 })
        if (r.code !== 0) throw commandFailed(ctx, spec.id, `write ${path}`, r)
        ctx.changedFiles.add(path)
      }
      return stale.length ? changed(`${stale.join(', ')} from ${spec.from}`) : ok
    },
  }
}

/** The maker is not in this run (--limit): the host's own copies do, when it has them all. */
async function keepOwn(ctx: TaskContext, spec: CopySpec): Promise<TaskResult> {
  const missing: string[] = []
  for (const path of spec.files) if ((await ctx.transport.exec(`test -s ${shellQuote(path)}`)).code !== 0) missing.push(path)
  if (missing.length)
    throw new TaskError(
      `${missing.join(', ')} come from ${spec.from}, which this run does not include: deploy without --limit, or include ${spec.from}`,
      { host: ctx.host.name, task: spec.id },
    )
  ctx.log(`${spec.from} is not in this run: the copies here stay as they are`)
  return ok
}
