// SPDX-License-Identifier: Apache-2.0
// Local execution: the installer runs on the host it configures (the appliance's first boot).
import { spawn } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { copyFile } from 'node:fs/promises'
import {
  atomicWriteScript,
  placeUploadScript,
  withEnv,
  type ExecOptions,
  type ExecResult,
  type Transport,
  type WriteOptions,
} from './types.ts'

export class LocalTransport implements Transport {
  readonly address = 'local'
  constructor(readonly host: string) {}

  exec(command: string, opts: ExecOptions = {}): Promise<ExecResult> {
    return new Promise((resolve, reject) => {
      const { script, stdin } = withEnv(command, opts)
      const child = spawn('bash', ['-c', script], { stdio: ['pipe', 'pipe', 'pipe'] })
      const out: Buffer[] = []
      const err: Buffer[] = []
      child.stdout.on('data', (b: Buffer) => out.push(b))
      child.stderr.on('data', (b: Buffer) => err.push(b))
      child.on('error', reject)
      // A command that exits without reading its input closes the pipe: not an error of the command.
      child.stdin.on('error', (e: NodeJS.ErrnoException) => {
        if (e.code !== 'EPIPE') reject(e)
      })
      child.on('close', (code, signal) =>
        resolve({ code: code ?? (signal ? 128 : 1), stdout: Buffer.concat(out).toString(), stderr: Buffer.concat(err).toString() }),
      )
      child.stdin.end(stdin)
    })
  }

  async writeFile(path: string, content: string, opts: WriteOptions): Promise<void> {
    const r = await this.exec(atomicWriteScript(path, opts), { stdin: content })
    if (r.code !== 0) throw new Error(`writing ${path} failed: ${r.stderr.trim()}`)
  }

  async download(remote: string, local: string): Promise<void> {
    await copyFile(remote, local)
  }

  async upload(local: string, remote: string, opts: WriteOptions): Promise<void> {
    const tmp = `${remote}.stackhouse-${randomBytes(4).toString('hex')}`
    await copyFile(local, tmp)
    const r = await this.exec(placeUploadScript(tmp, remote, opts))
    if (r.code !== 0) throw new Error(`placing ${remote} failed: ${r.stderr.trim()}`)
  }

  async close(): Promise<void> {}
}
