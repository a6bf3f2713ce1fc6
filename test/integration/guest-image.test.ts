// SPDX-License-Identifier: Apache-2.0
// The test guest image, end to end: build it from Debian packages, boot it under QEMU
// (TCG, user-mode network restricted to this host), log in over SSH with the key the
// metadata service handed it, hot-plug a disk, and power it off with ACPI.
// NOTE: every connection goes to 127.0.0.1: SSH through the hostfwd, metadata through the guestfwd.
import { spawnSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { bootLocal, buildGuestImage, defaultCacheDir, serveMetadata, type GuestImage, type LocalGuest, type MetadataServer } from '../../installer/guest-image/index.ts'

const MiB = 2 ** 20
const work = mkdtempSync(join(tmpdir(), 'stackhouse-guest-test-'))
const cacheDir = process.env.STACKHOUSE_GUEST_CACHE ?? defaultCacheDir()
let image: GuestImage
let metadata: MetadataServer | undefined
let guest: LocalGuest | undefined
let qemuPid: number | undefined

function sh(cmd: string, args: string[]): string {
  const r = spawnSync(cmd, args, { encoding: 'utf8', timeout: 60_000 })
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed (${r.status ?? r.signal}): ${r.stderr}`)
  return r.stdout
}

/** Run a command in the guest as root, with the key the metadata service gave it. */
function ssh(command: string): string {
  return sh('ssh', [
    '-o', 'StrictHostKeyChecking=no', '-o', 'UserKnownHostsFile=/dev/null', '-o', 'BatchMode=yes', '-o', 'IdentitiesOnly=yes',
    '-o', 'ConnectTimeout=20', '-o', 'LogLevel=ERROR', '-i', join(work, 'id_ed25519'), '-p', String(guest!.sshPort), 'root@127.0.0.1', command,
  ])
}

beforeAll(async () => {
  image = await buildGuestImage({ outDir: join(work, 'out'), cacheDir, log: (l) => console.log(`  build: ${l}`) })
  console.log(`guest image: ${image.qcow2} ${(image.bytes / MiB).toFixed(1)} MiB sha256 ${image.sha256} in ${image.seconds.toFixed(1)} s${image.cached ? ' (cached)' : ''}`)
}, 900_000)

afterAll(async () => {
  // Only the QEMU this test started, by its pid.
  if (qemuPid !== undefined) {
    try { process.kill(qemuPid, 'SIGKILL') } catch { /* already gone */ }
  }
  await metadata?.close()
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
    expect(again.cached).toBe(true)
    expect(again.key).toBe(image.key)
    expect(again.sha256).toBe(image.sha256)
    console.log(`warm build: ${again.seconds.toFixed(2)} s`)
  }, 120_000)
})

describe('guest image boot', () => {
  it('takes DHCP, reads its key from metadata, serves SSH, sees a hot-plugged disk and powers off on ACPI', async () => {
    sh('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'stackhouse-test', '-f', join(work, 'id_ed25519')])
    metadata = await serveMetadata({ publicKey: readFileSync(join(work, 'id_ed25519.pub'), 'utf8'), hostname: 'probe.example' })
    // STACKHOUSE_GUEST_CONSOLE=1 prints the serial console as it comes.
    const onConsole = process.env.STACKHOUSE_GUEST_CONSOLE ? (l: string) => console.log(`  console: ${l}`) : undefined
    guest = await bootLocal({ qcow2: image.qcow2, metadataPort: metadata.port, onSpawn: (pid) => (qemuPid = pid), ...(onConsole ? { onConsole } : {}) })
    console.log(`boot to READY: ${guest.readySeconds.toFixed(1)} s — ${guest.readyLine}`)
    expect(guest.readyLine).toMatch(/ip=169\.254\.169\.\d+\/24 key=ec2 disks=vda ===/)
    expect(metadata.requests).toContain('/latest/meta-data/public-keys/0/openssh-key')

    expect(ssh('uname -r').trim()).toBe(image.kernel.release)
    expect(ssh('hostname').trim()).toBe('probe')

    sh('qemu-img', ['create', '-q', '-f', 'qcow2', join(work, 'extra.qcow2'), '8M'])
    await guest.monitor(`drive_add 0 if=none,id=extra,format=qcow2,file=${join(work, 'extra.qcow2')}`)
    await guest.monitor('device_add virtio-blk-pci,drive=extra,id=extra-disk')
    expect(await guest.waitForConsole(/disks changed: vda vdb/, 30_000)).toBeTruthy()

    const t0 = performance.now()
    expect(await guest.powerdown(60_000)).toBe(0)
    console.log(`ACPI power-off to QEMU exit: ${((performance.now() - t0) / 1000).toFixed(1)} s`)
    qemuPid = undefined
  }, 240_000)
})
