// SPDX-License-Identifier: Apache-2.0
// The built appliance on this machine, without a hypervisor: its disk's root
// partition mounted read-only and booted as a sandbox host (systemd-nspawn on the
// sandbox bridges), with its settings in the seed folder as a CD would carry them.
// The tests and the bench boot it this way; its first boot is the real one.
import { existsSync, mkdirSync } from 'node:fs'
import { createSandbox, sandboxExec, type SandboxHost } from '../installer/sandbox/index.ts'
import { run } from '../installer/sandbox/_exec.ts'
import { readRecord } from '../installer/sandbox/state.ts'
import { rootPartitionOffset } from './build/disk.ts'
import { ovfEnvironment } from './first-boot/environment.ts'
import type { ApplianceStatus } from './first-boot/banner.ts'

/** Mount the raw disk's root file system read-only at `dir`. */
export async function mountImageRoot(raw: string, dir: string): Promise<void> {
  mkdirSync(dir, { recursive: true })
  await run('mount', ['-o', `ro,loop,offset=${rootPartitionOffset}`, raw, dir])
}

export async function unmountImageRoot(dir: string): Promise<void> {
  if (existsSync(dir)) await run('umount', [dir], { allowFail: true })
}

export interface ApplianceBoot {
  /** The mounted image root (mountImageRoot). */
  root: string
  /** The address its settings give it, on the sandbox management network. */
  address: string
  /** Settings as the OVF carries them (keys with or without "stackhouse."). */
  settings: Record<string, string>
  /** Wait for SSH on the address too (not when the settings are bad on purpose). @default true */
  waitForSsh?: boolean
}

/** Boot the appliance as sandbox host `name`; its first boot starts by itself. */
export function bootApplianceSandbox(name: string, b: ApplianceBoot): Promise<SandboxHost> {
  return createSandbox(name, {
    address: b.address,
    bootTimeoutMs: 180_000,
    waitForSsh: b.waitForSsh ?? true,
    image: { root: b.root, files: { 'etc/stackhouse/seed/ovf-env.xml': ovfEnvironment(b.settings) } },
  })
}

/** What the appliance's console says now (this boot's /run/stackhouse/status.json), over SSH. */
export async function readApplianceStatus(h: SandboxHost): Promise<ApplianceStatus | undefined> {
  const r = await sandboxExec(h, 'cat /run/stackhouse/status.json')
  return r.code === 0 ? (JSON.parse(r.stdout) as ApplianceStatus) : undefined
}

/** Wait until the appliance says ready or failed; undefined when it still configures at the deadline. */
export async function waitForApplianceSettled(h: SandboxHost, timeoutMs: number): Promise<ApplianceStatus | undefined> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const s = await readApplianceStatus(h).catch(() => undefined)
    if (s && s.state !== 'configuring') return s
    if (Date.now() > deadline) return undefined
    await new Promise((r) => setTimeout(r, 3000))
  }
}

/** A power cut: SIGKILL to nspawn and the container's PID 1, no clean halt. Resolves once PID 1 is gone. */
export async function cutPower(name: string): Promise<void> {
  const rec = readRecord(name)
  if (!rec?.nspawn || !rec.init) throw new Error(`${name} is not running`)
  for (const pid of [rec.nspawn.pid, rec.init.pid]) {
    try {
      process.kill(pid, 'SIGKILL')
    } catch {
      // already gone
    }
  }
  const deadline = Date.now() + 30_000
  while (existsSync(`/proc/${rec.init.pid}`) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200))
}
