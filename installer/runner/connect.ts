// SPDX-License-Identifier: Apache-2.0
// Open a transport to every host of a run, in parallel. Every host that cannot
// be reached is reported, not just the first.
import { homedir } from 'node:os'
import { dirname, join } from 'node:path'
import { existsSync } from 'node:fs'
import { StackhouseError, UsageError } from '../errors.ts'
import { resolveLocalPath } from '../inventory/paths.ts'
import type { ModelHost } from '../model/types.ts'
import type { ProjectPaths } from '../project.ts'
import { LocalTransport } from '../transport/local.ts'
import { connectSsh } from '../transport/ssh.ts'
import { TransportError, type Transport } from '../transport/types.ts'

export interface ConnectOptions {
  /** Run on this machine instead of SSH (a one-host cloud on the machine itself, e.g. the appliance). */
  local?: boolean
  trustNewHosts?: boolean
}

/** Thrown when one or more hosts cannot be reached; nothing has been changed on any host. A host error (exit 4). */
export class ConnectError extends StackhouseError {
  constructor(readonly errors: TransportError[]) {
    super(errors.map((e) => e.message).join('\n'), { kind: 'hosts' })
    this.name = 'ConnectError'
  }
}

/** known_hosts and the default key: the ones the project's paths name (a sandbox's), or the project's own. */
export function sshSettings(paths: ProjectPaths): { knownHosts: string; keyFor(host: ModelHost): string } {
  const fallback =
    paths.ssh?.key ??
    ['id_ed25519', 'id_rsa'].map((k) => join(homedir(), '.ssh', k)).find(existsSync) ??
    join(homedir(), '.ssh', 'id_ed25519')
  return {
    knownHosts: paths.ssh?.knownHosts ?? join(paths.stateDir, 'known_hosts'),
    keyFor: (h) => resolveKey(h.ssh.key, paths) ?? fallback,
  }
}

function resolveKey(key: string | undefined, paths: ProjectPaths): string | undefined {
  if (!key) return undefined
  return resolveLocalPath(key, paths.inventory ? dirname(paths.inventory) : process.cwd())
}

/** How a command reaches its hosts: `connect` when given (tests, a caller's own transports), else SSH or this machine. */
export interface ReachOptions extends ConnectOptions {
  connect?: (hosts: ModelHost[]) => Promise<Map<string, Transport>>
}

/** The hosts' transports: through `opts.connect` when given, else connectAll. */
export function reachHosts(hosts: ModelHost[], paths: ProjectPaths, opts: ReachOptions): Promise<Map<string, Transport>> {
  return opts.connect ? opts.connect(hosts) : connectAll(hosts, paths, opts)
}

export async function connectAll(hosts: ModelHost[], paths: ProjectPaths, opts: ConnectOptions): Promise<Map<string, Transport>> {
  if (opts.local) {
    if (hosts.length !== 1)
      throw new UsageError(
        `--local deploys a one-host cloud on this machine; the run has ${hosts.length} hosts`,
        "drop --local to reach the hosts over SSH, or --limit the run to this machine's host",
      )
    return new Map([[hosts[0]!.name, new LocalTransport(hosts[0]!.name)]])
  }
  const ssh = sshSettings(paths)
  const results = await Promise.allSettled(
    hosts.map((h) =>
      connectSsh(
        { host: h.name, address: h.address, port: h.ssh.port, user: h.ssh.user, key: ssh.keyFor(h) },
        { knownHosts: ssh.knownHosts, trustNewHosts: opts.trustNewHosts ?? false },
      ),
    ),
  )
  // NOTE: the host index is taken before filtering: a failure is named after its own host.
  const failed = results.flatMap((r, i) => (r.status === 'rejected' ? [asTransportError(r.reason, hosts[i]!)] : []))
  if (failed.length) {
    await Promise.all(results.map((r) => (r.status === 'fulfilled' ? r.value.close() : undefined)))
    throw new ConnectError(failed)
  }
  return new Map(results.map((r, i) => [hosts[i]!.name, (r as PromiseFulfilledResult<Transport>).value]))
}

/**
 * A connection failure as a TransportError of its host. connectSsh names its own
 * failures; anything else (this machine's known_hosts unreadable, say) is kept as
 * the cause, and its one-line message is shown, since the CLI does not print causes.
 */
function asTransportError(reason: unknown, host: ModelHost): TransportError {
  if (reason instanceof TransportError) return reason
  const why = reason instanceof Error ? reason.message.split('\n')[0] : String(reason)
  return new TransportError(host.name, host.address, 'unreachable', `cannot connect: ${why}`, undefined, { cause: reason })
}
