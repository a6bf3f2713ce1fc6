// SPDX-License-Identifier: Apache-2.0
// Boot the guest image under QEMU on this machine, as guest-probe.md's run_vm.py did:
// TCG, user-mode network restricted to the host (restrict=on), SSH forwarded from a free
// loopback port, and 169.254.169.254:80 forwarded to a metadata server on 127.0.0.1.
import { spawn } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { createConnection, createServer, type AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { performance } from 'node:perf_hooks'
import { GuestImageError } from './errors.ts'
import { ensurePackages } from './prereqs.ts'
import { ConsoleLog } from './_console.ts'

/** Host packages a local boot needs: QEMU, and busybox's nc behind the metadata guestfwd. */
export const bootPackages = ['qemu-system-x86', 'busybox-static'] as const

/** The line the guest prints on its serial console once SSH is up. */
export const readyPattern = /=== GUEST READY [^\n]*?===/

export interface LocalBootOptions {
  qcow2: string
  /** Port on 127.0.0.1 where the metadata server (serveMetadata) listens. */
  metadataPort: number
  /** Guest RAM; 64 MiB does not boot, 96 MiB does (guest-probe.md). @default 256 */
  memoryMiB?: number
  /** @default 120000 */
  readyTimeoutMs?: number
  /** Called with QEMU's pid as soon as it runs, so a caller can always kill it. */
  onSpawn?: (pid: number) => void
  /** Every serial console line as it arrives. */
  onConsole?: (line: string) => void
}

/** A guest running under QEMU that has printed its ready line. */
export interface LocalGuest {
  pid: number
  /** SSH is forwarded from 127.0.0.1:sshPort to the guest's port 22 (user root). */
  sshPort: number
  readyLine: string
  /** Seconds from QEMU start to the ready line. */
  readySeconds: number
  /** The serial console so far. */
  console(): string
  /** Wait until the console, after what was seen when called, matches `re`; returns the match. */
  waitForConsole(re: RegExp, timeoutMs: number): Promise<string>
  /** Send one command to the QEMU monitor (HMP); returns its output. */
  monitor(command: string): Promise<string>
  /** Press the ACPI power button; resolves with QEMU's exit code once it exits. */
  powerdown(timeoutMs?: number): Promise<number | null>
  /** SIGKILL QEMU, by its pid, if it still runs. */
  kill(): void
}

/** Start QEMU on the image and wait for the ready line; kills QEMU if it does not come. */
export async function bootLocal(opts: LocalBootOptions): Promise<LocalGuest> {
  await ensurePackages(bootPackages, 'booting the guest image')
  const dir = mkdtempSync(join(tmpdir(), 'stackhouse-qemu-'))
  const sock = join(dir, 'monitor.sock')
  const sshPort = await freePort()
  const start = performance.now()
  const { pid, log, exited, kill } = await startQemu(qemuArgs(opts, sshPort, sock), dir, opts.onConsole)
  opts.onSpawn?.(pid)
  let readyLine: string
  try {
    readyLine = await log.waitFor(readyPattern, opts.readyTimeoutMs ?? 120_000, 0)
  } catch (cause) {
    kill()
    throw new GuestImageError(`the guest printed no ready line: ${(cause as Error).message}\n${log.tail()}`, { cause })
  }
  const readySeconds = (performance.now() - start) / 1000
  return {
    pid,
    sshPort,
    readyLine,
    readySeconds,
    kill,
    console: () => log.text,
    waitForConsole: (re, timeoutMs) => log.waitFor(re, timeoutMs, log.text.length),
    monitor: (command) => hmp(sock, command),
    powerdown: async (timeoutMs = 60_000) => {
      await hmp(sock, 'system_powerdown')
      return withTimeout(exited, timeoutMs, 'QEMU did not exit after the ACPI power button')
    },
  }
}

/** Spawn QEMU with its console collected; `dir` is removed when it exits. */
async function startQemu(args: string[], dir: string, onConsole?: (line: string) => void) {
  const child = spawn('qemu-system-x86_64', args, { stdio: ['pipe', 'pipe', 'pipe'] })
  const log = new ConsoleLog(onConsole)
  child.stdout.on('data', (d: Buffer) => log.add(d.toString('latin1')))
  child.stderr.on('data', (d: Buffer) => log.add(d.toString('latin1')))
  const exited = new Promise<number | null>((resolve) =>
    child.on('close', (code) => {
      rmSync(dir, { recursive: true, force: true })
      log.end()
      resolve(code)
    }),
  )
  await new Promise<void>((resolve, reject) => child.once('spawn', resolve).once('error', reject)).catch((cause: unknown) => {
    rmSync(dir, { recursive: true, force: true })
    throw new GuestImageError('cannot start qemu-system-x86_64', { cause, fix: 'apt-get install qemu-system-x86' })
  })
  child.on('error', () => {}) // after spawn, only a failed kill can emit this: kill() copes
  const pid = child.pid!
  const kill = () => {
    if (child.exitCode === null && child.signalCode === null) process.kill(pid, 'SIGKILL')
  }
  return { pid, log, exited, kill }
}

function qemuArgs(opts: LocalBootOptions, sshPort: number, sock: string): string[] {
  // NOTE: guestfwd only takes addresses inside the user network, hence net=169.254.169.0/24;
  // restrict=on keeps every guest packet on this host (no route to the real 169.254.169.254).
  const netdev = [
    'user,id=n0,net=169.254.169.0/24,restrict=on',
    `hostfwd=tcp:127.0.0.1:${sshPort}-:22`,
    `guestfwd=tcp:169.254.169.254:80-cmd:busybox nc 127.0.0.1 ${opts.metadataPort}`,
  ].join(',')
  return [
    '-machine',
    'pc,accel=tcg',
    '-m',
    String(opts.memoryMiB ?? 256),
    '-nographic',
    '-drive',
    `file=${opts.qcow2.replaceAll(',', ',,')},if=virtio,snapshot=on`,
    '-netdev',
    netdev,
    '-device',
    'virtio-net-pci,netdev=n0',
    '-monitor',
    `unix:${sock},server=on,wait=off`,
  ]
}

/** A TCP port on 127.0.0.1 that nothing listens on right now. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer()
    s.once('error', reject).listen(0, '127.0.0.1', () => {
      const { port } = s.address() as AddressInfo
      s.close(() => resolve(port))
    })
  })
}

/** One HMP command over the monitor socket: wait for the prompt, send, read up to the next prompt. */
function hmp(sock: string, command: string, timeoutMs = 10_000): Promise<string> {
  return withTimeout(
    new Promise<string>((resolve, reject) => {
      let buf = ''
      let sent = false
      const c = createConnection(sock)
      c.on('error', reject)
      c.on('data', (d) => {
        buf += d.toString()
        if (!buf.endsWith('(qemu) ')) return
        if (!sent) {
          sent = true
          buf = ''
          c.write(`${command}\n`)
          return
        }
        c.end()
        resolve(
          buf
            .slice(0, -'(qemu) '.length)
            .replace(/^.*\r?\n/, '')
            .trim(),
        )
      })
    }),
    timeoutMs,
    `the QEMU monitor did not answer "${command}"`,
  )
}

function withTimeout<T>(p: Promise<T>, ms: number, message: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new GuestImageError(`${message} (${ms / 1000} s)`)), ms)
  })
  return Promise.race([p, timeout]).finally(() => clearTimeout(timer))
}
