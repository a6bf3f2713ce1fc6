// SPDX-License-Identifier: Apache-2.0
// Boot a host with systemd-nspawn and stop it again. On this kind of machine PID 1
// is not systemd and there is no system bus, so nspawn runs with --register=no
// --keep-unit (see the environment probe), detached, its console going to a file.
import { spawn } from 'node:child_process'
import { closeSync, existsSync, openSync, readFileSync } from 'node:fs'
import { sandboxNetworks } from '../inventory/defaults.ts'
import { run, tail } from './_exec.ts'
import { portOpen } from './apt-cacher.ts'
import { SandboxError } from './errors.ts'
import { attachToBridge, fillChecksums } from './network.ts'
import { childrenOf, isAlive, isSameProcess, pidNamespace, signal, startTime, waitFor } from './process.ts'
import { consoleLog, type HostRecord } from './state.ts'

/** Device nodes a host gets when this machine has them: TUN for Neutron, loop devices, KVM. */
function devices(): string[] {
  const loops = Array.from({ length: 8 }, (_, i) => `/dev/loop${i}`)
  return ['/dev/net/tun', '/dev/loop-control', ...loops, '/dev/kvm'].filter((d) => existsSync(d))
}

/** The systemd-nspawn arguments for a host. */
export function nspawnArgs(rec: HostRecord): string[] {
  return [
    '-D',
    rec.rootfs.path,
    '--boot',
    '--register=no',
    '--keep-unit',
    '-M',
    rec.name,
    '--capability=all',
    '--console=read-only',
    '--link-journal=no',
    '--resolv-conf=off',
    '--timezone=off',
    // The veths are named by us, not by nspawn, so destroy knows what to clean up.
    `--network-veth-extra=${rec.interfaces.management}:host0`,
    `--network-veth-extra=${rec.interfaces.provider}:host1`,
    ...(rec.interfaces.tunnel ? [`--network-veth-extra=${rec.interfaces.tunnel}:host2`] : []),
    ...devices().map((d) => `--bind=${d}`),
  ]
}

/** Start nspawn detached (its own session, stdin /dev/null, console to console.log). */
function startNspawn(rec: HostRecord): { pid: number; start: number } {
  const fd = openSync(consoleLog(rec.name), 'a')
  const child = spawn('systemd-nspawn', nspawnArgs(rec), { detached: true, stdio: ['ignore', fd, fd] })
  closeSync(fd)
  child.unref()
  const pid = child.pid
  if (!pid) throw new SandboxError('cannot start systemd-nspawn', { fix: 'install systemd-container' })
  return { pid, start: startTime(pid) ?? 0 }
}

/** The container's PID 1: the child of nspawn that lives in another pid namespace. */
async function findInit(nspawnPid: number): Promise<{ pid: number; pidNamespace: string } | undefined> {
  const own = pidNamespace(process.pid)
  let found: { pid: number; pidNamespace: string } | undefined
  await waitFor(
    () => {
      for (const pid of childrenOf(nspawnPid)) {
        const ns = pidNamespace(pid)
        if (ns && ns !== own) found = { pid, pidNamespace: ns }
      }
      return !!found || !isAlive(nspawnPid)
    },
    15_000,
    50,
  )
  return found
}

function bootFailure(rec: HostRecord, what: string): SandboxError {
  const file = consoleLog(rec.name)
  const log = existsSync(file) ? tail(readFileSync(file, 'utf8'), 20) : ''
  return new SandboxError(`sandbox host ${rec.name} ${what}${log ? `; the end of its console log:\n${log}` : ''}`, {
    fix: `read ${file}; remove the host with: stackhouse sandbox destroy ${rec.name}`,
  })
}

/**
 * Start the host and plug its veths into the bridges. `save` records each step
 * (nspawn's pid, then PID 1's) as soon as it is known, so a failure half-way can
 * still be cleaned up by pid.
 */
export async function startHost(rec: HostRecord, save: (r: HostRecord) => void): Promise<HostRecord> {
  const booted: HostRecord = { ...rec, nspawn: startNspawn(rec), startedAt: new Date().toISOString() }
  save(booted)
  const init = await findInit(booted.nspawn!.pid)
  if (!init) throw bootFailure(booted, 'did not start')
  const withInit = { ...booted, init }
  save(withInit)
  await attachToBridge(rec.interfaces.management, sandboxNetworks.management.bridge)
  await attachToBridge(rec.interfaces.provider, sandboxNetworks.provider.bridge)
  await fillChecksums(rec.interfaces.provider)
  if (rec.interfaces.tunnel) await attachToBridge(rec.interfaces.tunnel, sandboxNetworks.tunnel.bridge)
  return withInit
}

/** systemd's state inside the host; "offline" until its PID 1 takes requests. */
async function systemState(rec: HostRecord, timeoutMs: number): Promise<string> {
  const args = ['-t', String(rec.init!.pid), '-a', 'systemctl', 'is-system-running', '--wait']
  const r = await run('nsenter', args, { allowFail: true, timeoutMs: Math.max(timeoutMs, 1_000) })
  return r.stdout.trim() || 'unknown'
}

/** Wait until systemd inside reports running or degraded, and sshd answers on the address. */
export async function waitForBoot(rec: HostRecord, timeoutMs = 90_000, ssh = true): Promise<string> {
  const deadline = Date.now() + timeoutMs
  let state = 'unknown'
  // --wait waits for the boot to finish, but only once systemd answers: ask again until it does.
  await waitFor(
    async () => {
      if (!isRunning(rec)) return true
      state = await systemState(rec, deadline - Date.now()).catch(() => 'unknown')
      return state === 'running' || state === 'degraded' || state === 'maintenance' || state === 'stopping'
    },
    timeoutMs,
    200,
  )
  if (state !== 'running' && state !== 'degraded') throw bootFailure(rec, `did not boot (systemd state: "${state}")`)
  if (!ssh) return state
  const left = Math.max(deadline - Date.now(), 5_000)
  if (!(await waitFor(() => portOpen(rec.address, 22, 500), left, 200)))
    throw bootFailure(rec, `booted, but sshd does not answer on ${rec.address}:22`)
  return state
}

/**
 * Stop the host: SIGTERM to nspawn makes systemd inside halt cleanly; after
 * `timeoutMs` nspawn and the container's PID 1 get SIGKILL. Signals go only to
 * the pids recorded at start. When PID 1 of a pid namespace exits, the kernel
 * kills and reaps every other process in it first (zap_pid_ns_processes), so
 * nspawn and PID 1 gone means the whole host is gone.
 */
export async function stopHost(rec: HostRecord, timeoutMs = 30_000): Promise<void> {
  const nspawnAlive = () => !!rec.nspawn && isSameProcess(rec.nspawn.pid, rec.nspawn.start)
  const initAlive = () => !!rec.init && isAlive(rec.init.pid) && pidNamespace(rec.init.pid) === rec.init.pidNamespace
  const gone = () => !nspawnAlive() && !initAlive()
  if (nspawnAlive()) signal(rec.nspawn!.pid, 'SIGTERM')
  // Without nspawn nobody relays a clean halt to the container: end it at once.
  else if (initAlive()) signal(rec.init!.pid, 'SIGKILL')
  if (await waitFor(gone, timeoutMs, 100)) return
  if (nspawnAlive()) signal(rec.nspawn!.pid, 'SIGKILL')
  if (initAlive()) signal(rec.init!.pid, 'SIGKILL')
  if (!(await waitFor(gone, 10_000, 100))) {
    const left = [nspawnAlive() && `systemd-nspawn (${rec.nspawn!.pid})`, initAlive() && `its PID 1 (${rec.init!.pid})`].filter(Boolean)
    throw new SandboxError(`sandbox host ${rec.name} did not stop: ${left.join(' and ')} still run`, {
      fix: 'end them, then destroy the host again',
    })
  }
}

/** True while the host's nspawn process runs. */
export function isRunning(rec: HostRecord): boolean {
  return !!rec.nspawn && isSameProcess(rec.nspawn.pid, rec.nspawn.start)
}
