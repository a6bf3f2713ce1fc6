// SPDX-License-Identifier: Apache-2.0
// The guest's serial console as text, with waits for a pattern. Matches are substrings,
// not whole lines: the "Please press Enter" prompt can run into the next line (guest-probe.md).

interface Waiter {
  re: RegExp
  from: number
  resolve: (match: string) => void
  reject: (e: Error) => void
}

/** The console text so far, and waits for patterns in it. */
export class ConsoleLog {
  text = ''
  private partial = ''
  private ended = false
  private waiters = new Set<Waiter>()

  constructor(private readonly onLine?: (line: string) => void) {}

  add(chunk: string): void {
    this.text += chunk
    const lines = (this.partial + chunk).split('\n')
    this.partial = lines.pop() ?? ''
    for (const l of lines) this.onLine?.(l.replace(/\r$/, ''))
    for (const w of this.waiters) this.check(w)
  }

  /** QEMU exited: no more output will come. */
  end(): void {
    this.ended = true
    for (const w of this.waiters) w.reject(new Error('QEMU exited'))
    this.waiters.clear()
  }

  /** Resolve with the first match of `re` in the text after offset `from`. */
  waitFor(re: RegExp, timeoutMs: number, from: number): Promise<string> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiters.delete(w)
        reject(new Error(`no ${re} on the console after ${timeoutMs / 1000} s`))
      }, timeoutMs)
      const w: Waiter = {
        re,
        from,
        resolve: (m) => {
          clearTimeout(timer)
          resolve(m)
        },
        reject: (e) => {
          clearTimeout(timer)
          reject(e)
        },
      }
      if (this.ended) return w.reject(new Error('QEMU exited'))
      this.waiters.add(w)
      this.check(w)
    })
  }

  /** The last lines, for error messages. */
  tail(lines = 25): string {
    return this.text.replace(/\r/g, '').trimEnd().split('\n').slice(-lines).join('\n')
  }

  private check(w: Waiter): void {
    const m = w.re.exec(this.text.slice(w.from))
    if (!m) return
    this.waiters.delete(w)
    w.resolve(m[0])
  }
}
