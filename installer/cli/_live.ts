// SPDX-License-Identifier: Apache-2.0
// A live view for commands whose work reports events rather than running as a
// task list (the vSphere commands): one listr2 task for the command, under it one
// line per thing (a step, a host) with its latest news, redrawn in place on a
// terminal; elsewhere each news is a plain line. The deploy's own view is
// installer/runner/listr.ts.
import { Listr, type ListrTaskWrapper } from 'listr2'
import { out } from './_style.ts'

export interface LiveView {
  /** Show `text` on the line `key` (made on first use, below the others). */
  show(key: string, text: string): void
  /** Finish: ticked when `ok`, else crossed with `reason`. */
  end(ok: boolean, reason?: string): Promise<void>
}

/** A view titled `title` on stdout; `quiet` (for --json) shows nothing. */
export function liveView(title: string, quiet = false): LiveView {
  if (quiet) return { show: () => undefined, end: async () => undefined }
  // Not a terminal (CI, a log): each news as a line of its own.
  if (!process.stdout.isTTY)
    return {
      show: (key, text) => out(key ? `  ${key}: ${text}` : `→ ${text}`),
      end: async (ok, reason) => out(ok ? `✔ ${title}` : `✖ ${title}: ${reason ?? 'failed'}`),
    }
  const lines = new Map<string, string>()
  let task: ListrTaskWrapper<unknown, never, never> | undefined
  let finish: (r: { ok: boolean; reason?: string }) => void = () => undefined
  const done = new Promise<{ ok: boolean; reason?: string }>((resolve) => (finish = resolve))
  const list = new Listr(
    [
      {
        title,
        task: async (_ctx: unknown, t: ListrTaskWrapper<unknown, never, never>) => {
          task = t
          draw()
          const r = await done
          if (!r.ok) throw new Error(r.reason ?? 'failed')
        },
        rendererOptions: { outputBar: Infinity, persistentOutput: true },
      } as never,
    ],
    // The command's own SIGINT handler aborts an import and removes its half-made VM: listr2's would exit first.
    { renderer: 'default', exitOnError: true, registerSignalListeners: false } as never,
  )
  const running = list.run().catch(() => undefined)
  const draw = () => {
    if (task && lines.size) task.output = [...lines].map(([k, v]) => (k ? `${k}: ${v}` : v)).join('\n')
  }
  return {
    show(key, text) {
      lines.set(key, text)
      draw()
    },
    async end(ok, reason) {
      finish({ ok, ...(reason ? { reason } : {}) })
      await running
    },
  }
}
