// SPDX-License-Identifier: Apache-2.0
// A file with this content, owner and mode. Compared by SHA-256 on the host;
// written atomically only when something differs.
import { createHash } from 'node:crypto'
import { createTwoFilesPatch } from 'diff'
import type { RenderedFile } from '../render/render.ts'
import { shellQuote } from '../shell.ts'
import { must, probe } from './exec.ts'
import { maskSecrets } from './_mask.ts'
import { changed, ok, type FileState, type Task, type TaskContext } from './types.ts'

export function fileTask(file: RenderedFile, opts: { secretFile?: boolean } = {}): Task {
  const id = `${file.role}.file`
  return {
    id,
    title: `${file.path}`,
    filePath: file.path,
    async apply(ctx) {
      const want = { hash: sha256(file.content), mode: file.mode.toString(8), owner: file.owner, group: file.group }
      const known = ctx.fileStates?.get(file.path)
      const have = known === undefined ? await stat(ctx, file.path) : (known ?? undefined)
      const differences = describe(have, want)
      if (!differences.length) return ok
      // Files others cannot read may hold secrets: their diff shows secrets by name, and masks what it cannot name.
      const sensitive = opts.secretFile ?? (file.mode & 0o004) === 0
      const diff = ctx.check && have?.hash !== want.hash ? await diffAgainst(ctx, file, sensitive) : undefined
      if (diff !== undefined && sensitive) differences[differences.indexOf('content')] = 'content (secrets shown by name or masked)'
      if (!ctx.check) await ctx.transport.writeFile(file.path, file.content, { mode: file.mode, owner: file.owner, group: file.group })
      // In check mode too: the services that read the file then say they would restart.
      ctx.changedFiles.add(file.path)
      return changed(differences.join(', '), diff)
    },
  }
}

/** One file's state, read with the runner's command for many. */
async function stat(ctx: TaskContext, path: string): Promise<FileState | undefined> {
  const r = await probe(ctx, fileStatesCommand([path]))
  return parseFileStates([path], r.stdout)?.get(path) ?? undefined
}

function describe(have: FileState | undefined, want: FileState): string[] {
  if (!have) return ['new file']
  const out: string[] = []
  if (have.hash !== want.hash) out.push('content')
  if (have.mode !== want.mode) out.push(`mode ${have.mode} → ${want.mode}`)
  if (have.owner !== want.owner || have.group !== want.group) out.push(`owner ${have.owner}:${have.group} → ${want.owner}:${want.group}`)
  return out
}

async function diffAgainst(ctx: TaskContext, file: RenderedFile, sensitive: boolean): Promise<string> {
  const cat = `cat ${shellQuote(file.path)} 2>/dev/null || true`
  // NOTE: a sensitive file's old copy is read without logging it: it may hold secrets the redactor no longer knows.
  const onHost = sensitive ? (await ctx.transport.exec(cat)).stdout : (await must(ctx, `${file.role}.file`, cat)).stdout
  const show = (text: string) => (sensitive ? maskSecrets(ctx.redact(text)) : text)
  return createTwoFilesPatch(`${file.path} (on ${ctx.host.name})`, `${file.path} (rendered)`, show(onHost), show(file.content), '', '', {
    context: 2,
  })
}

export function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex')
}

/**
 * One command that prints, for each path in order, `mode owner group sha256` or `-`
 * when there is no such file; `parseFileStates` reads its output.
 */
export function fileStatesCommand(paths: readonly string[]): string {
  return `for p in ${paths.map(shellQuote).join(' ')}; do if [ -f "$p" ]; then printf '%s %s\\n' "$(stat -c '%a %U %G' -- "$p")" "$(sha256sum < "$p" | cut -d' ' -f1)"; else echo -; fi; done`
}

/** The states `fileStatesCommand` printed, or undefined when its output does not fit the paths. */
export function parseFileStates(paths: readonly string[], stdout: string): Map<string, FileState | null> | undefined {
  const lines = stdout.split('\n').filter(Boolean)
  if (lines.length !== paths.length) return undefined
  const states = new Map<string, FileState | null>()
  for (const [i, line] of lines.entries()) {
    if (line === '-') states.set(paths[i]!, null)
    else {
      const [mode = '', owner = '', group = '', hash = ''] = line.split(' ')
      if (!/^[0-7]+$/.test(mode) || !/^[0-9a-f]{64}$/.test(hash)) return undefined
      states.set(paths[i]!, { mode, owner, group, hash })
    }
  }
  return states
}
