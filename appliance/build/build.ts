// SPDX-License-Identifier: Apache-2.0
// `stackhouse appliance build`: the pre-installed layer (built when missing) and
// a throwaway sandbox host made from it get what a VM needs (install-extras.sh);
// that host's whole root becomes the disk (disk.ts, root.ts), and the disk
// becomes a compressed qcow2 and an OVA (streamOptimized VMDK, ova/pack.ts),
// which our own checker then reads back.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { buildSandboxLayer, sandboxLayer } from '../../installer/commands/layer.ts'
import { buildGuestImage } from '../../installer/guest-image/index.ts'
import { ensureMachinePackages } from '../../installer/machine-packages.ts'
import { packageRoot, stackhouseVersion } from '../../installer/paths.ts'
import type { Role } from '../../installer/role/contract.ts'
import { createSandbox, destroySandbox, listSandboxes, sandboxPaths, withSandboxHost } from '../../installer/sandbox/index.ts'
import { run } from '../../installer/sandbox/_exec.ts'
import { stopHost } from '../../installer/sandbox/boot.ts'
import { hostDir } from '../../installer/sandbox/paths.ts'
import { unmountAll } from '../../installer/sandbox/rootfs.ts'
import { readRecord } from '../../installer/sandbox/state.ts'
import { checkOva } from '../ova/check.ts'
import { packOva } from '../ova/pack.ts'
import { makeDisk } from './disk.ts'
import { finishRoot } from './root.ts'
import { stageStackhouse } from './stage.ts'

export const applianceBuildHost = 'appliance-build'

export interface BuildOptions {
  /** Folder the images go to. */
  outDir: string
  roles: readonly Role[]
  /** Also keep the raw disk (the nspawn test boots its root). @default false */
  keepRaw?: boolean
  /** vSphere hardware version in the OVF. @default 13 */
  vmx?: number
  /** The disk's virtual size. @default 40 */
  diskGiB?: number
  log?: (line: string) => void
}

export interface BuildReport {
  version: string
  qcow2: string
  ova: string
  raw?: string
  bytes: { qcow2: number; ova: number; root: number }
  seconds: { total: number; layer: number; host: number; disk: number; images: number }
  /** The built OVA passed our checker. */
  ovaChecked: boolean
}

/** Build the appliance's images. Needs root, loop devices and the sandbox's package cache. */
export async function buildAppliance(o: BuildOptions): Promise<BuildReport> {
  const log = o.log ?? (() => {})
  const t0 = Date.now()
  const secs = (from: number) => Math.round((Date.now() - from) / 100) / 10
  const v = stackhouseVersion()
  const name = `stackhouse-${v}`
  mkdirSync(o.outDir, { recursive: true })
  const work = mkdtempSync(join(o.outDir, '.build-'))
  const merged = join(work, 'root')
  let mountedRoot = false
  try {
    // sfdisk and partx (the disk), qemu-img (the images), e2fsprogs's mke2fs -d (the root).
    await ensureMachinePackages(['fdisk', 'util-linux', 'qemu-utils', 'e2fsprogs'], { what: 'appliance build', log })
    if (!sandboxLayer()) {
      log('no pre-installed layer yet: building it (about 6 min)')
      await buildSandboxLayer(o.roles, { onEvent: (e) => e.type === 'sandbox' && log(e.line) })
    }
    const tLayer = secs(t0)
    const guest = await buildGuestImage({ outDir: join(work, 'guest'), log })
    log('staging Stackhouse with its runtime dependencies')
    await stageStackhouse(join(work, 'stage'))

    const t1 = Date.now()
    if (listSandboxes().some((h) => h.name === applianceBuildHost)) await destroySandbox(applianceBuildHost)
    const host = await createSandbox(applianceBuildHost, { layer: true, log })
    log('adding the kernel, the boot loader, Node.js and the guest tools')
    await runOnHost(host.address, join(packageRoot, 'appliance/files/build/install-extras.sh'))
    const rec = readRecord(applianceBuildHost)!
    await stopHost(rec)
    await unmountAll(hostDir(applianceBuildHost))
    const layer = rec.rootfs.layer ?? sandboxLayer()!.path
    mkdirSync(merged)
    // Read-only (no upper folder): the host's own files over the layer over the base.
    await run('mount', [
      '-t',
      'overlay',
      'overlay',
      '-o',
      `lowerdir=${join(hostDir(applianceBuildHost), 'upper')}:${layer}:${sandboxPaths.baseRootfs}`,
      merged,
    ])
    mountedRoot = true
    const tHost = secs(t1)

    const t2 = Date.now()
    const raw = join(o.outDir, `${name}.raw`)
    log('writing the disk: partitions, ext4 root, GRUB')
    await makeDisk({
      root: merged,
      out: raw,
      sizeGiB: o.diskGiB ?? 40,
      finish: (mnt, uuid) => finishRoot(mnt, uuid, { stage: join(work, 'stage'), guestImage: guest.qcow2, version: v }),
    })
    const rootBytes = Number((await run('du', ['-sb', '--apparent-size', merged])).stdout.split('\t')[0])
    await run('umount', [merged])
    mountedRoot = false
    await destroySandbox(applianceBuildHost)
    const tDisk = secs(t2)

    const t3 = Date.now()
    const qcow2 = join(o.outDir, `${name}.qcow2`)
    const vmdk = join(work, `${name}-disk1.vmdk`)
    log('converting: compressed qcow2, streamOptimized VMDK')
    await Promise.all([
      run('qemu-img', ['convert', '-c', '-O', 'qcow2', raw, `${qcow2}.tmp`], { timeoutMs: 3_600_000 }),
      run('qemu-img', ['convert', '-O', 'vmdk', '-o', 'subformat=streamOptimized,adapter_type=lsilogic', raw, vmdk], {
        timeoutMs: 3_600_000,
      }),
    ])
    await run('mv', [`${qcow2}.tmp`, qcow2])
    const ova = join(o.outDir, `${name}.ova`)
    await packOva(`${ova}.tmp`, { name, version: v, vmdk, capacityBytes: statSync(raw).size, ...(o.vmx ? { vmx: o.vmx } : {}) })
    await run('mv', [`${ova}.tmp`, ova])
    const check = await checkOva(ova)
    if (check.problems.length) throw new Error(`the built OVA fails the checker: ${check.problems.join('; ')}`)
    if (!o.keepRaw) rmSync(raw)
    const report: BuildReport = {
      version: v,
      qcow2,
      ova,
      ...(o.keepRaw ? { raw } : {}),
      bytes: { qcow2: statSync(qcow2).size, ova: statSync(ova).size, root: rootBytes },
      seconds: { total: secs(t0), layer: tLayer, host: tHost, disk: tDisk, images: secs(t3) },
      ovaChecked: true,
    }
    writeFileSync(join(o.outDir, `${name}.build.json`), `${JSON.stringify(report, null, 2)}\n`)
    return report
  } finally {
    if (mountedRoot) await run('umount', [merged], { allowFail: true })
    if (listSandboxes().some((h) => h.name === applianceBuildHost)) await destroySandbox(applianceBuildHost).catch(() => {})
    rmSync(work, { recursive: true, force: true })
  }
}

/** Copy a script to the build host and run it there; its output goes to the build's error on failure. */
async function runOnHost(address: string, script: string): Promise<void> {
  await withSandboxHost({ name: applianceBuildHost, address }, async (t) => {
    await t.writeFile('/root/install-extras.sh', readFileSync(script, 'utf8'), { mode: 0o755, owner: 'root', group: 'root' })
    const r = await t.exec('/root/install-extras.sh && rm -f /root/install-extras.sh')
    if (r.code !== 0) throw new Error(`install-extras.sh failed (exit ${r.code}): ${r.stderr.trim().split('\n').slice(-5).join(' | ')}`)
  })
}
