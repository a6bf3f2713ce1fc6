// SPDX-License-Identifier: Apache-2.0
// A real sandbox host: created from the cached base, booted with systemd, reached
// over SSH with a verified host key, fed packages through the cache, destroyed
// without a trace. Needs root (bridges, mounts, namespaces).
import { spawnSync } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { checkInventory } from '../../installer/inventory/load.ts'
import {
  createSandbox,
  destroySandbox,
  listSandboxes,
  sandboxPaths,
  SandboxError,
  startSandbox,
  stopSandbox,
  type SandboxHost,
} from '../../installer/sandbox/index.ts'
import { hostDir } from '../../installer/sandbox/paths.ts'
import { isSameProcess, processesInNamespace } from '../../installer/sandbox/process.ts'
import { mountsUnder, unmountAll } from '../../installer/sandbox/rootfs.ts'
import { readRecord, readRecords, type HostRecord } from '../../installer/sandbox/state.ts'

const name = `t-sbx-${randomBytes(3).toString('hex')}`
let host: SandboxHost
let record: HostRecord

/** Run a command inside the host (through its PID 1's namespaces). */
function inside(...cmd: string[]) {
  const r = spawnSync('nsenter', ['-t', String(host.initPid), '-a', ...cmd], { encoding: 'utf8', timeout: 120_000 })
  return { code: r.status, out: `${r.stdout}${r.stderr}` }
}

function ssh(...cmd: string[]) {
  const opts = [
    '-i',
    sandboxPaths.key,
    '-o',
    'StrictHostKeyChecking=yes',
    '-o',
    `UserKnownHostsFile=${sandboxPaths.knownHosts}`,
    '-o',
    'BatchMode=yes',
    '-o',
    'ConnectTimeout=10',
  ]
  const r = spawnSync('ssh', [...opts, `root@${host.address}`, ...cmd], { encoding: 'utf8', timeout: 60_000 })
  return { code: r.status, out: `${r.stdout}${r.stderr}` }
}

const aptLog = join(sandboxPaths.aptLogDir, 'apt-cacher.log')
const logLinesFrom = (address: string) =>
  existsSync(aptLog)
    ? readFileSync(aptLog, 'utf8')
        .split('\n')
        .filter((l) => l.split('|')[3] === address).length
    : 0

describe.skipIf(process.getuid?.() !== 0)('a sandbox host', () => {
  beforeAll(async () => {
    // Seconds from the cached base; the first run on a machine also debootstraps (about a minute).
    host = await createSandbox(name, { layer: false })
    record = readRecord(name)!
  })
  afterAll(async () => {
    // Also on failure: never leave a test host behind.
    if (readRecord(name)) await destroySandbox(name)
  })

  it('is listed as running at its address', () => {
    expect(host).toMatchObject({ name, state: 'running' })
    expect(host.address).toMatch(/^10\.77\.0\.\d+$/)
    expect(listSandboxes().find((h) => h.name === name)).toMatchObject({ state: 'running', pid: host.pid })
  })

  it('boots with systemd as PID 1', () => {
    const r = inside('systemctl', 'is-system-running')
    expect(r.out.trim()).toMatch(/^(running|degraded)$/)
    expect(inside('cat', '/proc/1/comm').out.trim()).toBe('systemd')
  })

  it('accepts the sandbox key over SSH, its host key checked against known_hosts (no trust on first use)', () => {
    expect(readFileSync(sandboxPaths.knownHosts, 'utf8')).toContain(`${host.address} ssh-ed25519 AAAA`)
    const r = ssh('hostname')
    expect(r.code, r.out).toBe(0)
    expect(r.out.trim()).toBe(name)
  })

  it('has host0 with its address, host1 without one, and no route out of the sandbox', () => {
    expect(inside('ip', '-o', '-4', 'addr', 'show', 'dev', 'host0').out).toContain(`inet ${host.address}/24`)
    const host1 = inside('ip', '-o', 'addr', 'show', 'dev', 'host1')
    expect(host1.code, host1.out).toBe(0)
    expect(host1.out).not.toContain('inet ')
    expect(inside('ip', 'route', 'show', 'default').out.trim()).toBe('')
  })

  it('gets packages through the apt-cacher-ng on the bridge', () => {
    const before = logLinesFrom(host.address)
    const r = ssh('apt-get', 'update', '-qq')
    expect(r.code, r.out).toBe(0)
    expect(logLinesFrom(host.address)).toBeGreaterThan(before)
  })

  it('is in the sandbox inventory, which passes validate', () => {
    const text = readFileSync(sandboxPaths.inventory, 'utf8')
    const { inventory, problems } = checkInventory(sandboxPaths.inventory, text)
    expect(problems.filter((p) => p.severity === 'error')).toEqual([])
    // (validation applies the schema's defaults: ssh.port 22)
    expect(inventory?.hosts).toContainEqual({ name, address: host.address, ssh: { user: 'root', port: 22, key: sandboxPaths.key } })
  })

  it('refuses to destroy a name that does not exist, and leaves the others alone', async () => {
    await expect(destroySandbox(name, `${name}-nope`)).rejects.toThrow(SandboxError)
    expect(listSandboxes().find((h) => h.name === name)?.state).toBe('running')
  })

  it('stops keeping its disk, and starts again after a machine reboot took its overlay mount', async () => {
    // GIVEN a file written on the host
    expect(ssh('echo kept > /root/proof').code).toBe(0)
    // WHEN it is stopped THEN it is listed stopped and its SSH port is closed
    expect(await stopSandbox([name])).toEqual({ stopped: [name], notRunning: [] })
    expect(listSandboxes().find((h) => h.name === name)?.state).not.toBe('running')
    // AND with its overlay unmounted, as after a reboot of this machine
    await unmountAll(readRecord(name)!.rootfs.path)
    // WHEN started THEN it boots, answers over SSH with the same host key, and still holds the file
    expect(await startSandbox([name])).toEqual({ started: [name], running: [] })
    host = listSandboxes().find((h) => h.name === name)!
    record = readRecord(name)!
    expect(host.state).toBe('running')
    expect(ssh('cat', '/root/proof')).toEqual({ code: 0, out: 'kept\n' })
    // AND starting a running host does nothing
    expect(await startSandbox([name])).toEqual({ started: [], running: [name] })
  })

  it('is destroyed without a trace: no process, interface, mount, folder, key or inventory entry', async () => {
    const started = Date.now()
    await destroySandbox(name)
    expect(Date.now() - started).toBeLessThan(30_000)
    expect(isSameProcess(record.nspawn!.pid, record.nspawn!.start)).toBe(false)
    // The kernel may give a later host the same namespace inode: only then can the namespace hold processes.
    const ns = record.init!.pidNamespace
    if (!readRecords().some((r) => r.init?.pidNamespace === ns)) expect(processesInNamespace(ns)).toEqual([])
    for (const link of Object.values(record.interfaces)) expect(existsSync(`/sys/class/net/${link}`)).toBe(false)
    expect(mountsUnder(hostDir(name))).toEqual([])
    expect(existsSync(hostDir(name))).toBe(false)
    expect(readFileSync(sandboxPaths.knownHosts, 'utf8')).not.toMatch(new RegExp(`^${host.address.replaceAll('.', '\\.')} `, 'm'))
    if (existsSync(sandboxPaths.inventory)) expect(readFileSync(sandboxPaths.inventory, 'utf8')).not.toContain(name)
    expect(listSandboxes().map((h) => h.name)).not.toContain(name)
  })
})
