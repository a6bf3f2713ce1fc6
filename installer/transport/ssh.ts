// SPDX-License-Identifier: Apache-2.0
// The only module that imports node-ssh. Host keys are verified against the
// known_hosts file Stackhouse keeps; unknown keys are trusted only when asked.
import { NodeSSH } from 'node-ssh'
import { randomBytes } from 'node:crypto'
import { existsSync, readFileSync } from 'node:fs'
import { ChannelGate } from './channel-gate.ts'
import { addKnownKey, fingerprint, keyType, knownKeys } from './known-hosts.ts'
import { shellQuote } from '../shell.ts'
import {
  atomicWriteScript,
  placeUploadScript,
  withEnv,
  TransportError,
  type ExecOptions,
  type ExecResult,
  type Transport,
  type WriteOptions,
} from './types.ts'

export interface SshTarget {
  host: string
  address: string
  port: number
  user: string
  /** Private key file. */
  key: string
}

export interface SshOptions {
  knownHosts: string
  /** Record keys of hosts not yet in known_hosts instead of refusing them. @default false */
  trustNewHosts?: boolean
  /** @default 15000 */
  timeoutMs?: number
}

export async function connectSsh(target: SshTarget, opts: SshOptions): Promise<Transport> {
  const fail = (reason: TransportError['reason'], message: string, fix?: string, cause?: unknown) =>
    new TransportError(target.host, target.address, reason, message, fix, cause ? { cause } : undefined)
  if (!existsSync(target.key))
    throw fail(
      'auth',
      `SSH key ${target.key} does not exist`,
      'set hosts[].ssh.key in the inventory to a private key that the host accepts',
    )
  const known = knownKeys(opts.knownHosts, target.address, target.port)
  let rejected: TransportError | undefined
  const hostVerifier = (key: Buffer): boolean => {
    if (known.some((k) => k.key.equals(key))) return true
    if (known.length) {
      rejected = fail(
        'host-key-changed',
        `host key changed: it now offers ${fingerprint(key)}, known_hosts has another key (${opts.knownHosts}:${known[0]!.line})`,
        `if the host was reinstalled on purpose, delete line ${known[0]!.line} of ${opts.knownHosts} and re-run; otherwise, stop: someone may be intercepting the connection`,
      )
      return false
    }
    if (opts.trustNewHosts) {
      addKnownKey(opts.knownHosts, target.address, target.port, keyType(key), key)
      return true
    }
    rejected = fail(
      'host-key-unknown',
      `host key ${fingerprint(key)} is not in ${opts.knownHosts}`,
      'check the fingerprint on the host (ssh-keygen -lf /etc/ssh/ssh_host_ed25519_key.pub) and re-run with --trust-new-hosts, or add the key to known_hosts',
    )
    return false
  }
  const ssh = new NodeSSH()
  try {
    await ssh.connect({
      host: target.address,
      port: target.port,
      username: target.user,
      privateKey: readFileSync(target.key, 'utf8'),
      hostVerifier,
      // Offer only the key types known_hosts has, so the server presents one we can check.
      ...(known.length ? { algorithms: { serverHostKey: [...new Set(known.map((k) => k.type))] as never } } : {}),
      readyTimeout: opts.timeoutMs ?? 15_000,
      // A host restarting its services under a heavy load can leave sshd silent for half a
      // minute (seen on a restored controller, right after verify): lost only after 60 s.
      keepaliveInterval: 10_000,
      keepaliveCountMax: 6,
    })
  } catch (cause) {
    if (rejected) throw rejected
    throw classify(cause, fail, target)
  }
  // node-ssh listens for errors only while it connects: a connection reset later (a host
  // rebooted or cut off while the connection idles) would be an uncaught exception. The next
  // command on it fails instead, with its own error.
  ssh.connection?.on('error', () => undefined)
  return new SshTransport(target.host, target.address, ssh)
}

function classify(
  cause: unknown,
  fail: (r: TransportError['reason'], m: string, f?: string, c?: unknown) => TransportError,
  t: SshTarget,
): TransportError {
  const e = cause as { code?: string; level?: string; message?: string }
  if (/Cannot parse privateKey|Encrypted private OpenSSH key/i.test(e.message ?? '')) {
    return fail(
      'auth',
      `${t.key} is not a usable private key (${e.message})`,
      'point hosts[].ssh.key at an unencrypted OpenSSH or PEM private key',
      cause,
    )
  }
  if (e.level === 'client-authentication') {
    return fail(
      'auth',
      `${t.user}@${t.address} refused the key ${t.key}`,
      `add the public key to ~${t.user}/.ssh/authorized_keys on the host, or set hosts[].ssh.key / ssh.user`,
      cause,
    )
  }
  const what =
    e.code === 'ECONNREFUSED'
      ? `nothing listens on port ${t.port}`
      : e.code === 'EHOSTUNREACH'
        ? 'no route to the address'
        : /timed out/i.test(e.message ?? '')
          ? 'no answer (timed out)'
          : (e.message ?? String(cause))
  return fail(
    'unreachable',
    `cannot connect over SSH: ${what}`,
    `check that the host is up, sshd runs on port ${t.port}, and the address in the inventory is right`,
    cause,
  )
}

class SshTransport implements Transport {
  /** Every exec and SFTP copy opens a channel on the one connection. */
  private readonly channels = new ChannelGate()

  constructor(
    readonly host: string,
    readonly address: string,
    private readonly ssh: NodeSSH,
  ) {}

  async exec(command: string, opts: ExecOptions = {}): Promise<ExecResult> {
    if (!this.ssh.isConnected()) throw new TransportError(this.host, this.address, 'closed', 'the SSH connection was closed')
    // bash -c: the remote login shell may be anything; tasks are written for bash.
    // Without input, stdin is /dev/null: node-ssh leaves the channel open for an empty string.
    const { script, stdin } = withEnv(command, opts)
    const line = `exec bash -c ${shellQuote(script)}${stdin ? '' : ' </dev/null'}`
    const r = await this.channels
      .run(() => this.ssh.execCommand(line, { ...(stdin ? { stdin } : {}), noTrim: true }))
      .catch((cause: unknown) => {
        // The connection or a channel failed (not the command): the host's fault, not ours.
        throw new TransportError(
          this.host,
          this.address,
          'closed',
          `the SSH session failed: ${(cause as Error).message}`,
          're-run; if it persists, check the host (sshd running, MaxSessions, load)',
          { cause },
        )
      })
    return { code: r.code ?? 128, stdout: r.stdout, stderr: r.stderr }
  }

  async writeFile(path: string, content: string, opts: WriteOptions): Promise<void> {
    const r = await this.exec(atomicWriteScript(path, opts), { stdin: content })
    if (r.code !== 0) throw new Error(`writing ${path} on ${this.host} failed: ${r.stderr.trim()}`)
  }

  async download(remote: string, local: string): Promise<void> {
    await this.channels
      .run(() => this.ssh.getFile(local, remote))
      .catch((cause: unknown) => {
        throw this.copyFailed(`copying ${remote} from the host failed`, cause)
      })
  }

  async upload(local: string, remote: string, opts: WriteOptions): Promise<void> {
    const tmp = `${remote}.stackhouse-${randomBytes(4).toString('hex')}`
    await this.channels
      .run(() => this.ssh.putFile(local, tmp))
      .catch((cause: unknown) => {
        throw this.copyFailed(`copying ${local} to ${remote} on the host failed`, cause)
      })
    const r = await this.exec(placeUploadScript(tmp, remote, opts))
    if (r.code !== 0) throw new Error(`placing ${remote} on ${this.host} failed: ${r.stderr.trim()}`)
  }

  /** SFTP failed: the host's fault (no sftp subsystem, a full disk, a missing directory), not ours. */
  private copyFailed(what: string, cause: unknown): TransportError {
    return new TransportError(
      this.host,
      this.address,
      'closed',
      `${what}: ${(cause as Error).message}`,
      "check the host's free disk space and that sshd offers SFTP (Subsystem sftp in sshd_config)",
      { cause },
    )
  }

  async close(): Promise<void> {
    this.ssh.dispose()
  }
}
