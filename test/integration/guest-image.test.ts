// SPDX-License-Identifier: Apache-2.0
// The test guest image, end to end: build it from Debian packages, boot it under QEMU
// (TCG, user-mode network restricted to this host), log in over SSH with the key the
// metadata service handed it, hot-plug a disk, and power it off with ACPI.
// NOTE: every connection goes to 127.0.0.1: SSH through the hostfwd, metadata through the guestfwd.
// STACKHOUSE_GUEST_CONSOLE=1 prints the guests' serial consoles.
import { spawnSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { performance } from 'node:perf_hooks'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  bootLocal,
  bootPackages,
  buildGuestImage,
  defaultCacheDir,
  ensurePackages,
  serveMetadata,
  type GuestImage,
  type LocalGuest,
  type MetadataOptions,
  type MetadataServer,
} from '../../installer/guest-image/index.ts'

const MiB = 2 ** 20
const work = mkdtempSync(join(tmpdir(), 'stackhouse-guest-test-'))
const cacheDir = process.env.STACKHOUSE_GUEST_CACHE ?? defaultCacheDir()
const key = join(work, 'id_ed25519')
let image: GuestImage
const servers: MetadataServer[] = []
/** QEMU processes this test started and that may still run. */
const qemuPids = new Set<number>()

function sh(cmd: string, args: string[]): string {
  const r = spawnSync(cmd, args, { encoding: 'utf8', timeout: 60_000 })
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed (${r.status ?? r.signal}): ${r.stderr}`)
  return r.stdout
}

/** Run a command in the guest as root, with the key the metadata service gave it. */
function ssh(guest: LocalGuest, command: string): string {
  return sh('ssh', [
    '-o',
    'StrictHostKeyChecking=no',
    '-o',
    'UserKnownHostsFile=/dev/null',
    '-o',
    'BatchMode=yes',
    '-o',
    'IdentitiesOnly=yes',
    '-o',
    'ConnectTimeout=20',
    '-o',
    'LogLevel=ERROR',
    '-i',
    key,
    '-p',
    String(guest.sshPort),
    'root@127.0.0.1',
    command,
  ])
}

/** Serve metadata with the test's key and boot the image; prints the boot time. */
async function boot(md: Omit<MetadataOptions, 'publicKey'>): Promise<{ guest: LocalGuest; metadata: MetadataServer }> {
  const metadata = await serveMetadata({ ...md, publicKey: readFileSync(`${key}.pub`, 'utf8') })
  servers.push(metadata)
  const onConsole = process.env.STACKHOUSE_GUEST_CONSOLE ? (l: string) => console.log(`  console: ${l}`) : undefined
  const guest = await bootLocal({
    qcow2: image.qcow2,
    metadataPort: metadata.port,
    onSpawn: (pid) => qemuPids.add(pid),
    ...(onConsole ? { onConsole } : {}),
  })
  console.log(`QEMU start → READY: ${guest.readySeconds.toFixed(1)} s — ${guest.readyLine}`)
  return { guest, metadata }
}

async function powerOff(guest: LocalGuest): Promise<void> {
  const t0 = performance.now()
  expect(await guest.powerdown(60_000)).toBe(0)
  qemuPids.delete(guest.pid)
  console.log(`ACPI power button → QEMU exit: ${((performance.now() - t0) / 1000).toFixed(1)} s`)
}

beforeAll(async () => {
  // Installed with apt-get when missing and running as root; otherwise an error names them.
  await ensurePackages([...bootPackages, 'openssh-client'], 'the guest image test')
  sh('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'stackhouse-test', '-f', key])
  image = await buildGuestImage({ outDir: join(work, 'out'), cacheDir, log: (l) => console.log(`  build: ${l}`) })
  console.log(
    `guest image: ${image.qcow2} ${(image.bytes / MiB).toFixed(1)} MiB sha256 ${image.sha256} in ${image.seconds.toFixed(1)} s${image.cached ? ' (cached)' : ''}`,
  )
}, 900_000)

afterAll(async () => {
  // Only the QEMU processes this test started, by their pids.
  for (const pid of qemuPids) {
    try {
      process.kill(pid, 'SIGKILL')
    } catch {
      /* already gone */
    }
  }
  await Promise.all(servers.map((s) => s.close()))
  rmSync(work, { recursive: true, force: true })
})

describe('guest image build', () => {
  it('is a valid qcow2 under 20 MiB with the sha256 it reports', () => {
    const info = JSON.parse(sh('qemu-img', ['info', '--output=json', image.qcow2])) as { format: string; 'virtual-size': number }
    expect(info.format).toBe('qcow2')
    expect(image.bytes).toBeLessThan(20 * MiB)
    expect(info['virtual-size']).toBeLessThan(64 * MiB)
    sh('qemu-img', ['check', image.qcow2])
    expect(sh('sha256sum', [image.qcow2]).split(' ')[0]).toBe(image.sha256)
  })

  it('reuses the cached image when nothing it is made from changed', async () => {
    const again = await buildGuestImage({ outDir: join(work, 'again'), cacheDir })
    expect(again).toMatchObject({ cached: true, key: image.key, sha256: image.sha256 })
    console.log(`warm build: ${again.seconds.toFixed(2)} s`)
  }, 120_000)
})

describe('guest image boot', () => {
  it('takes DHCP, reads its key (EC2 path), serves SSH, sees a hot-plugged disk, powers off on ACPI', async () => {
    const { guest, metadata } = await boot({ hostname: 'probe.example' })
    expect(guest.readyLine).toMatch(/ip=169\.254\.169\.\d+\/24 key=ec2 disks=vda ===/)
    expect(metadata.requests).toContain('/latest/meta-data/public-keys/0/openssh-key')
    expect(ssh(guest, 'uname -r').trim()).toBe(image.kernel.release)
    expect(ssh(guest, 'hostname').trim()).toBe('probe')

    sh('qemu-img', ['create', '-q', '-f', 'qcow2', join(work, 'extra.qcow2'), '8M'])
    await guest.monitor(`drive_add 0 if=none,id=extra,format=qcow2,file=${join(work, 'extra.qcow2')}`)
    await guest.monitor('device_add virtio-blk-pci,drive=extra,id=extra-disk')
    await guest.waitForConsole(/disks changed: vda vdb/, 30_000)
    await powerOff(guest)
  }, 240_000)

  it('falls back to meta_data.json for the key and runs #! user-data', async () => {
    const { guest, metadata } = await boot({
      hostname: 'fallback',
      jsonOnly: true,
      userData: '#!/bin/sh\necho "user-data ran as $(id -u)"\n',
    })
    expect(guest.readyLine).toMatch(/ key=json /)
    expect(metadata.requests).toContain('/openstack/latest/meta_data.json')
    await guest.waitForConsole(/user-data ran as 0/, 30_000)
    expect(ssh(guest, 'cat /root/.ssh/authorized_keys').trim()).toBe(readFileSync(`${key}.pub`, 'utf8').trim())
    await powerOff(guest)
  }, 240_000)
})
