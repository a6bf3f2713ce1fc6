// SPDX-License-Identifier: Apache-2.0
// The last touches to the appliance's root, made in the mounted disk: nothing of
// the build host's identity stays (each VM makes its own machine id, SSH host keys
// and secrets), apt points at this machine's mirrors without its proxy, and
// Stackhouse, its first-boot units and the test guest image go in.
import { cpSync, existsSync, mkdirSync, readdirSync, rmSync, symlinkSync } from 'node:fs'
import { join } from 'node:path'
import { packageRoot } from '../../installer/paths.ts'
import { run } from '../../installer/sandbox/_exec.ts'
import { writeUnder } from '../../installer/sandbox/configure.ts'
import { buildHostOnly } from '../../installer/sandbox/layer.ts'
import { hostSources, machineMirrors } from '../../installer/sandbox/mirror.ts'
import { applianceMarker } from '../marker.ts'
import { grubConfig, grubDefaults } from './disk.ts'

export interface FinishOptions {
  /** Stackhouse as staged by stage.ts. */
  stage: string
  /** The test guest's qcow2, uploaded to Glance by first boot. */
  guestImage: string
  /** Stackhouse's version, in the appliance marker. */
  version: string
}

/** Units the image starts with; the cloud's own are enabled by first boot's deploy. */
export const applianceUnits = [
  'stackhouse-first-boot.service',
  'stackhouse-host-keys.service',
  'stackhouse-banner.service',
  'stackhouse-labs.service',
  'systemd-networkd.service',
  'systemd-resolved.service',
  'systemd-timesyncd.service',
]

/** The kernel release the image boots, from /boot. */
export function kernelRelease(root: string): string {
  const k = readdirSync(join(root, 'boot'))
    .filter((f) => f.startsWith('vmlinuz-'))
    .sort()
    .at(-1)
  if (!k) throw new Error('no kernel in /boot: linux-image-amd64 did not install')
  return k.slice('vmlinuz-'.length)
}

export async function finishRoot(root: string, rootUuid: string, o: FinishOptions): Promise<void> {
  for (const p of [...buildHostOnly, 'etc/systemd/network', 'etc/apt/apt.conf.d/01proxy', 'etc/apt/sources.list'])
    rmSync(join(root, p), { recursive: true, force: true })
  for (const k of readdirSync(join(root, 'etc/ssh')).filter((f) => f.startsWith('ssh_host_'))) rmSync(join(root, 'etc/ssh', k))
  for (const d of ['tmp', 'var/tmp']) mkdirSync(join(root, d), { recursive: true, mode: 0o1777 })
  // Empty: systemd makes the VM's own at its first boot.
  writeUnder(root, 'etc/machine-id', '')
  writeUnder(root, 'etc/hostname', 'stackhouse\n')
  writeUnder(root, 'etc/hosts', '127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n')
  writeUnder(root, 'etc/fstab', `UUID=${rootUuid}\t/\text4\terrors=remount-ro\t0\t1\n`)
  writeUnder(root, 'etc/apt/sources.list.d/debian.sources', hostSources(machineMirrors()))
  writeUnder(root, 'etc/default/grub.d/50-stackhouse.cfg', grubDefaults)
  writeUnder(root, 'boot/grub/grub.cfg', grubConfig(rootUuid, kernelRelease(root)))
  rmSync(join(root, 'etc/resolv.conf'), { force: true })
  symlinkSync('../run/systemd/resolve/stub-resolv.conf', join(root, 'etc/resolv.conf'))

  const opt = join(root, 'opt/stackhouse')
  rmSync(opt, { recursive: true, force: true })
  cpSync(o.stage, opt, { recursive: true })
  mkdirSync(join(opt, 'guest-image'), { recursive: true })
  cpSync(o.guestImage, join(opt, 'guest-image', 'guest.qcow2'))
  mkdirSync(join(root, 'usr/local/bin'), { recursive: true })
  rmSync(join(root, 'usr/local/bin/stackhouse'), { force: true })
  symlinkSync('/opt/stackhouse/bin/stackhouse.js', join(root, 'usr/local/bin/stackhouse'))
  cpSync(join(packageRoot, 'appliance/files/rootfs'), root, { recursive: true })
  writeUnder(root, applianceMarker.slice(1), `${JSON.stringify({ version: o.version, builtAt: new Date().toISOString() }, null, 2)}\n`)
  await run('systemctl', [`--root=${root}`, 'enable', '--quiet', ...applianceUnits])
  // The console a VM shows is the login prompt: on the serial line too.
  await run('systemctl', [`--root=${root}`, 'enable', '--quiet', 'serial-getty@ttyS0.service'])
  if (!existsSync(join(root, 'usr/bin/node'))) throw new Error('no /usr/bin/node in the image: nodejs did not install')
}
