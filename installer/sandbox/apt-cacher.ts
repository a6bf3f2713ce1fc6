// SPDX-License-Identifier: Apache-2.0
// The package cache on the management bridge. This machine has no systemd, so
// Stackhouse runs apt-cacher-ng itself: detached, with its own configuration (the
// machine's /etc/apt-cacher-ng is left alone), as the package's unprivileged user.
import { spawn } from 'node:child_process'
import { chmodSync, chownSync, closeSync, existsSync, mkdirSync, openSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { connect } from 'node:net'
import { dirname, join } from 'node:path'
import { sandboxNetworks } from '../inventory/defaults.ts'
import { run, tail } from './_exec.ts'
import { SandboxError } from './errors.ts'
import { sandboxPaths } from './paths.ts'
import { isSameProcess, signal, startTime, waitFor } from './process.ts'

export const aptCacherPort = 3142
/** The proxy URL hosts (and debootstrap) use. */
export const aptProxy = `http://${sandboxNetworks.management.gateway}:${aptCacherPort}`

const confDir = join(sandboxPaths.aptLogDir, 'conf')
const socketDir = join(sandboxPaths.runDir, 'apt-cacher-ng')

function config(): string {
  return [
    '# Written by Stackhouse for the sandbox package cache.',
    `CacheDir: ${sandboxPaths.aptCache}`,
    `LogDir: ${sandboxPaths.aptLogDir}`,
    'SupportDir: /usr/lib/apt-cacher-ng',
    `Port: ${aptCacherPort}`,
    `BindAddress: ${sandboxNetworks.management.gateway}`,
    `SocketPath: ${join(socketDir, 'socket')}`,
    'ReportPage: acng-report.html',
    'ExThreshold: 4',
    'ForeGround: 1',
    '',
  ].join('\n')
}

interface PidRecord {
  pid: number
  start: number
}

function readPid(): PidRecord | undefined {
  try {
    const [pid, start] = readFileSync(sandboxPaths.aptPidFile, 'utf8').trim().split(' ').map(Number)
    return pid && start ? { pid, start } : undefined
  } catch {
    return undefined
  }
}

/** The pid of the apt-cacher-ng Stackhouse started, while it runs. */
export function aptCacherPid(): number | undefined {
  const rec = readPid()
  return rec && isSameProcess(rec.pid, rec.start) ? rec.pid : undefined
}

/** True when something accepts TCP connections on the address and port. */
export function portOpen(host: string, port: number, timeoutMs = 1000): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect({ host, port, timeout: timeoutMs })
    const done = (ok: boolean) => {
      s.destroy()
      resolve(ok)
    }
    s.once('connect', () => done(true))
      .once('error', () => done(false))
      .once('timeout', () => done(false))
  })
}

async function userIds(name: string): Promise<{ uid: number; gid: number }> {
  const [uid, gid] = await Promise.all([run('id', ['-u', name]), run('id', ['-g', name])])
  return { uid: Number(uid.stdout.trim()), gid: Number(gid.stdout.trim()) }
}

/** Stackhouse's own top folders: opened to apt-cacher-ng's user if an earlier version made them 0700. */
const ours = [dirname(sandboxPaths.stateDir), sandboxPaths.cacheDir, sandboxPaths.runDir]

/** apt-cacher-ng runs as its own user: every folder above `dir` must let it through (search permission for others). */
function letThrough(dir: string): void {
  for (let d = dirname(dir); d !== dirname(d); d = dirname(d)) {
    const mode = statSync(d).mode & 0o7777
    if (mode & 0o001) continue
    if (!ours.includes(d))
      throw new SandboxError(`apt-cacher-ng's user cannot reach ${dir}: ${d} is mode ${mode.toString(8)}`, {
        fix: `let others pass through it ("chmod o+x ${d}"), then retry`,
      })
    chmodSync(d, mode | 0o001)
  }
}

function prepareDirs(ids: { uid: number; gid: number }): void {
  for (const dir of [sandboxPaths.aptCache, sandboxPaths.aptLogDir, socketDir, confDir]) {
    mkdirSync(dir, { recursive: true })
    chownSync(dir, ids.uid, ids.gid)
    letThrough(dir)
  }
  writeFileSync(join(confDir, 'acng.conf'), config())
}

/** Start apt-cacher-ng on the management bridge unless it already runs. Needs the bridges. */
export async function ensureAptCacher(): Promise<number> {
  const running = aptCacherPid()
  if (running) return running
  const host = sandboxNetworks.management.gateway
  if (await portOpen(host, aptCacherPort)) {
    throw new SandboxError(`${host}:${aptCacherPort} is taken by a process Stackhouse did not start`, {
      fix: 'stop it (the apt-cacher-ng system service listens on every address: "/etc/init.d/apt-cacher-ng stop"), then retry',
    })
  }
  const ids = await userIds('apt-cacher-ng')
  prepareDirs(ids)
  const logFile = join(sandboxPaths.aptLogDir, 'daemon.log')
  const fd = openSync(logFile, 'a')
  const child = spawn('apt-cacher-ng', ['-c', confDir], { detached: true, stdio: ['ignore', fd, fd], ...ids })
  closeSync(fd)
  child.unref()
  const pid = child.pid
  if (!pid) throw new SandboxError('cannot start apt-cacher-ng', { fix: 'is the apt-cacher-ng package installed?' })
  mkdirSync(sandboxPaths.runDir, { recursive: true })
  writeFileSync(sandboxPaths.aptPidFile, `${pid} ${startTime(pid) ?? 0}\n`)
  if (!(await waitFor(() => portOpen(host, aptCacherPort, 300), 15_000, 200))) {
    const log = existsSync(logFile) ? tail(readFileSync(logFile, 'utf8')) : ''
    await stopAptCacher()
    throw new SandboxError(`apt-cacher-ng did not start listening on ${host}:${aptCacherPort}${log ? `:\n${log}` : ''}`, {
      fix: `read ${logFile} and ${join(sandboxPaths.aptLogDir, 'apt-cacher.err')}`,
    })
  }
  return pid
}

/** Stop the apt-cacher-ng Stackhouse started (by its recorded pid); the cache stays. */
export async function stopAptCacher(): Promise<boolean> {
  const rec = readPid()
  const alive = () => !!rec && isSameProcess(rec.pid, rec.start)
  const was = alive()
  if (rec && was) {
    signal(rec.pid, 'SIGTERM')
    if (!(await waitFor(() => !alive(), 10_000))) signal(rec.pid, 'SIGKILL')
    await waitFor(() => !alive(), 5_000)
  }
  rmSync(sandboxPaths.aptPidFile, { force: true })
  return was
}
