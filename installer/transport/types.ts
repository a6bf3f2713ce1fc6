// SPDX-License-Identifier: Apache-2.0
// How the engine reaches a host: run a command, write a file. SSH for hosts in a
// rack (and sandbox hosts), local execution when the installer runs on the target.
import { StackhouseError } from '../errors.ts'
import { shellQuote } from '../shell.ts'

export interface ExecResult {
  code: number
  stdout: string
  stderr: string
}

export interface ExecOptions {
  /** Sent to the command's standard input. */
  stdin?: string
  /**
   * Environment variables for the command. Values travel on stdin, ahead of `stdin`,
   * never in the command line, so passwords do not show in `ps` or in logs.
   */
  env?: Record<string, string>
}

export interface WriteOptions {
  mode: number
  owner: string
  group: string
}

export interface Transport {
  /** Host name, for messages. */
  readonly host: string
  /** Address connected to (or 'local'). */
  readonly address: string
  /** Run a command with bash; never throws for a non-zero exit code. */
  exec(command: string, opts?: ExecOptions): Promise<ExecResult>
  /**
   * Replace a file atomically: written to a temporary file beside it, given its owner
   * and mode, then renamed over the old one, so a reader (or an interrupted run) never
   * sees half a file.
   */
  writeFile(path: string, content: string, opts: WriteOptions): Promise<void>
  /** Copy a file of the host (any size, binary) to `local` on this machine (SFTP over SSH). */
  download(remote: string, local: string): Promise<void>
  /** Copy `local` to the host as `remote`, replaced atomically like writeFile (any size, binary). */
  upload(local: string, remote: string, opts: WriteOptions): Promise<void>
  close(): Promise<void>
}

/** Why a host could not be reached; the message names the host and says what to do. A host error (exit 4). */
export class TransportError extends StackhouseError {
  declare readonly host: string
  constructor(
    host: string,
    readonly address: string,
    readonly reason: 'unreachable' | 'auth' | 'host-key-unknown' | 'host-key-changed' | 'closed',
    message: string,
    fix?: string,
    options?: ErrorOptions,
  ) {
    super(`host ${host} (${address}): ${message}`, { kind: 'hosts', host, ...(fix ? { fix } : {}), cause: options?.cause })
    this.name = 'TransportError'
  }
}

/** Give an uploaded temporary file its owner and mode, then rename it over `path`. */
export function placeUploadScript(tmp: string, path: string, opts: WriteOptions): string {
  const t = shellQuote(tmp)
  return [
    'set -e',
    `trap ${shellQuote(`rm -f ${t}`)} ERR`,
    `chown ${shellQuote(`${opts.owner}:${opts.group}`)} ${t}`,
    `chmod ${opts.mode.toString(8).padStart(4, '0')} ${t}`,
    `mv -f ${t} ${shellQuote(path)}`,
  ].join('\n')
}

/** The shell script that writeFile runs: content arrives on stdin. */
export function atomicWriteScript(path: string, opts: WriteOptions): string {
  const p = shellQuote(path)
  const mode = opts.mode.toString(8).padStart(4, '0')
  return [
    'set -e',
    `mkdir -p "$(dirname ${p})"`,
    `tmp=$(mktemp ${shellQuote(`${path}.stackhouse-XXXXXX`)})`,
    'trap \'rm -f "$tmp"\' EXIT',
    'cat > "$tmp"',
    `chown ${shellQuote(`${opts.owner}:${opts.group}`)} "$tmp"`,
    `chmod ${mode} "$tmp"`,
    `mv -f "$tmp" ${p}`,
    'trap - EXIT',
  ].join('\n')
}

/**
 * The script and stdin for a command with environment variables: the script reads
 * one line per variable from stdin (bash's `read` takes no more than its line),
 * then the command gets the rest of stdin.
 */
export function withEnv(command: string, opts: ExecOptions): { script: string; stdin: string } {
  const entries = Object.entries(opts.env ?? {})
  for (const [k, v] of entries) {
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(k) || v.includes('\n'))
      throw new Error(`environment variable ${k} must be a name with a one-line value`)
  }
  const reads = entries.map(([k]) => `IFS= read -r ${k}; export ${k}; `).join('')
  // NOTE: commands start in /, not in root's home: tools run as a service user
  // (su keeps the directory) fail on a working directory they cannot read.
  return { script: `cd / || exit 1; ${reads}${command}`, stdin: entries.map(([, v]) => `${v}\n`).join('') + (opts.stdin ?? '') }
}
