// SPDX-License-Identifier: Apache-2.0
// A transport that runs the engine's real command lines in a real bash, where no
// program exists: bash hands every external command to command_not_found_handle,
// which records its argv and succeeds. Shell syntax (quotes, $(…), pipes, loops,
// redirections) is interpreted for real, so a value that escapes its quoting
// shows up as a command of its own. Nested shells (`su -c`, `sh -c`, `timeout`)
// run their command the same way; Stackhouse's own scripts are recorded by name.
// As root, the shell runs as nobody: nothing it
// could redirect into is writable outside its scratch folder.
import { spawn } from 'node:child_process'
import { chmodSync, mkdirSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { noFileCopy } from '../runner/fake-host.ts'
import { libexecDir } from '../../installer/render/scripts.ts'
import {
  atomicWriteScript,
  withEnv,
  type ExecOptions,
  type ExecResult,
  type Transport,
  type WriteOptions,
} from '../../installer/transport/types.ts'

const handler = String.raw`
command_not_found_handle() {
  # One file per command: the two sides of a pipe record at the same time.
  printf '%s\0' "$@" > "$RECORD/$BASHPID-$RANDOM$RANDOM$RANDOM"
  case "$1" in
    su) shift; local c=''; while [ $# -gt 0 ]; do case "$1" in -c) c=$2; shift 2 ;; -s) shift 2 ;; --) shift; break ;; *) shift ;; esac; done
        /bin/bash -c "$c"; return $? ;;
    sh|bash) [ "$2" = -c ] && { /bin/bash -c "$3"; return $?; }; return 0 ;;
    timeout) shift; while [ $# -gt 0 ] && { [[ $1 == -* ]] || [[ $1 =~ ^[0-9] ]]; }; do shift; done; "$@"; return $? ;;
    mktemp) local f="$SCRATCH/tmp.$RANDOM$RANDOM"; : > "$f"; printf '%s\n' "$f"; return 0 ;;
    seq) local i n; for n; do :; done; for ((i = 1; i <= n; i++)); do echo "$i"; done; return 0 ;;
  esac
  case " $FAILING " in *" $1 "*) return 1 ;; esac
  return 0
}
export -f command_not_found_handle
`

export class RecordingShell implements Transport {
  readonly address = 'recording'
  private readonly dir = mkdtempSync(join(tmpdir(), 'stackhouse-recording-'))
  private readonly record = join(this.dir, 'argv')
  /** Every script run, as given (before the environment preamble). */
  readonly scripts: string[] = []
  /** What bash said on stderr about each script, when it said anything. */
  readonly stderr: { script: string; stderr: string }[] = []

  /** @param failing programs that exit 1 instead of 0 */
  constructor(
    readonly host: string,
    private readonly failing: string[] = [],
  ) {
    mkdirSync(this.record)
    // nobody must be able to write its record and scratch files, and nothing else.
    chmodSync(this.dir, 0o777)
    chmodSync(this.record, 0o777)
  }

  exec(given: string, opts: ExecOptions = {}): Promise<ExecResult> {
    this.scripts.push(given)
    // Stackhouse's own scripts are not here either: called by name, they are recorded like any program.
    const command = given.replaceAll(`${libexecDir}/`, '')
    const { script, stdin } = withEnv(command, opts)
    const asNobody = process.getuid?.() === 0 ? { uid: 65534, gid: 65534 } : {}
    return new Promise((resolve, reject) => {
      const child = spawn('/bin/bash', ['-c', `${handler}\n${script}`], {
        ...asNobody,
        cwd: this.dir,
        env: {
          PATH: '/nonexistent-stackhouse-path',
          RECORD: this.record,
          SCRATCH: this.dir,
          HOME: this.dir,
          LANG: 'C.UTF-8',
          FAILING: this.failing.join(' '),
        },
        stdio: ['pipe', 'pipe', 'pipe'],
        timeout: 20_000,
      })
      let stdout = ''
      let stderr = ''
      child.stdout.on('data', (d: Buffer) => (stdout += d.toString()))
      child.stderr.on('data', (d: Buffer) => (stderr += d.toString()))
      child.on('error', reject)
      child.on('close', (code, signal) => {
        if (stderr) this.stderr.push({ script: command, stderr })
        resolve({ code: code ?? (signal ? 128 : 1), stdout, stderr })
      })
      child.stdin.on('error', () => {})
      child.stdin.end(stdin)
    })
  }

  async writeFile(path: string, content: string, opts: WriteOptions): Promise<void> {
    await this.exec(atomicWriteScript(path, opts), { stdin: content })
  }

  readonly download = noFileCopy.download
  readonly upload = noFileCopy.upload

  async close(): Promise<void> {}

  /** The argv of every external command the scripts ran. */
  commands(): string[][] {
    return readdirSync(this.record).map((f) => readFileSync(join(this.record, f), 'utf8').split('\0').slice(0, -1))
  }
}
