// SPDX-License-Identifier: Apache-2.0
// Run a program and collect its output. No shell: arguments are passed as given, so
// paths never need quoting.
import { spawn } from 'node:child_process'
import { GuestImageError } from './errors.ts'

export interface RunOptions {
  /** Working directory. @default process.cwd() */
  cwd?: string
  /** Text written to the program's standard input. */
  input?: string
  env?: NodeJS.ProcessEnv
  /** Kill the program (SIGKILL) after this long. @default 300000 */
  timeoutMs?: number
  /** Return a non-zero exit instead of throwing. @default false */
  allowFail?: boolean
}

export interface RunResult {
  code: number
  stdout: string
  stderr: string
}

/** `cmd args…` as one line, for messages. */
export function commandLine(cmd: string, args: readonly string[]): string {
  return [cmd, ...args].map((a) => (/^[\w@%+=:,./-]+$/.test(a) ? a : `'${a.replaceAll("'", "'\\''")}'`)).join(' ')
}

/** Run `cmd` with `args`; throws a GuestImageError with stderr and the exit code when it fails. */
export function run(cmd: string, args: readonly string[], opts: RunOptions = {}): Promise<RunResult> {
  const timeoutMs = opts.timeoutMs ?? 300_000
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd: opts.cwd, env: opts.env ?? process.env, stdio: [opts.input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'] })
    let stdout = ''
    let stderr = ''
    let timedOut = false
    const timer = setTimeout(() => {
      timedOut = true
      child.kill('SIGKILL')
    }, timeoutMs)
    child.stdout!.on('data', (d: Buffer) => (stdout += d.toString()))
    child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()))
    child.on('error', (cause) => {
      clearTimeout(timer)
      reject(new GuestImageError(`cannot run ${cmd}: ${cause.message}`, { cause, fix: `install the package that provides ${cmd}` }))
    })
    child.on('close', (code, signal) => {
      clearTimeout(timer)
      const result = { code: code ?? 128, stdout, stderr }
      if (result.code === 0 || (opts.allowFail && !timedOut)) return resolve(result)
      const why = timedOut ? `timed out after ${timeoutMs} ms` : signal ? `killed by ${signal}` : `exit code ${code}`
      reject(new GuestImageError(`${commandLine(cmd, args)} failed (${why})${stderr.trim() ? `:\n${tail(stderr)}` : ''}`))
    })
    // A program may exit without reading its input: that is its business, not an error.
    child.stdin?.on('error', () => {})
    child.stdin?.end(opts.input)
  })
}

/** The last lines of a long output: the error is almost always at the end. */
export function tail(text: string, lines = 15): string {
  return text.trimEnd().split('\n').slice(-lines).join('\n')
}
