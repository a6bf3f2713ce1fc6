// SPDX-License-Identifier: Apache-2.0
// Run a program on this machine and collect its output. No shell: arguments are
// passed as given, so names and paths never need quoting. The sandbox and the
// guest image builder each bind it to their own error class.
import { spawn } from 'node:child_process'
import { FixableError } from './errors.ts'
import { shellQuote } from './shell.ts'

/** The error class a failure becomes, e.g. SandboxError. */
export type FixableErrorClass = new (message: string, opts?: { fix?: string; cause?: unknown }) => FixableError

export interface RunOptions {
  /** Working directory. @default process.cwd() */
  cwd?: string
  /** Text written to the program's standard input. */
  input?: string
  env?: NodeJS.ProcessEnv
  /** Kill the program (SIGKILL) after this long. @default 300000 */
  timeoutMs?: number
  /** What a failure is thrown as. @default FixableError */
  errorClass?: FixableErrorClass
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
  return [cmd, ...args].map(shellQuote).join(' ')
}

/** Run `cmd` with `args`; throws (opts.errorClass) with stderr and the exit code when it fails. */
export function run(cmd: string, args: readonly string[], opts: RunOptions = {}): Promise<RunResult> {
  const timeoutMs = opts.timeoutMs ?? 300_000
  const Failure = opts.errorClass ?? FixableError
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, {
      cwd: opts.cwd,
      env: opts.env ?? process.env,
      stdio: [opts.input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
    })
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
      reject(new Failure(`cannot run ${cmd}: ${cause.message}`, { cause, fix: `install the package that provides ${cmd}` }))
    })
    child.on('close', (code, signal) => {
      clearTimeout(timer)
      const result = { code: code ?? 128, stdout, stderr }
      if (result.code === 0 || (opts.allowFail && !timedOut)) return resolve(result)
      const why = timedOut ? `timed out after ${timeoutMs} ms` : signal ? `killed by ${signal}` : `exit code ${code}`
      reject(new Failure(`${commandLine(cmd, args)} failed (${why})${stderr.trim() ? `:\n${tail(stderr)}` : ''}`))
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
