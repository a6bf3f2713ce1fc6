// SPDX-License-Identifier: Apache-2.0
// A small OVA for the vSphere tests and bench, packed by the appliance's own packer:
// one disk as a streamOptimized VMDK (qemu-img), and no empty data disk, because
// Debian's simulator (govmomi 0.24.2) dereferences a disk's file reference unchecked
// (simulator/ovf_manager.go:263) and crashes on a disk vSphere creates empty.
import { spawnSync } from 'node:child_process'
import { rmSync } from 'node:fs'
import { join } from 'node:path'
import { packOva } from '../../appliance/ova/pack.ts'
import { ensureMachinePackages } from '../../installer/machine-packages.ts'

/** `<dir>/<name>.ova` with a disk of `mib` MiB: zeros, or random bytes that compress to nothing. */
export async function testOva(dir: string, name: string, mib: number, fill: 'zeros' | 'random' = 'zeros'): Promise<string> {
  await ensureMachinePackages(['qemu-utils'], { what: 'the vSphere test OVA' })
  const raw = join(dir, `${name}.raw`)
  const vmdk = join(dir, `${name}-disk1.vmdk`)
  const run = (cmd: string, args: string[]) => {
    const r = spawnSync(cmd, args, { encoding: 'utf8' })
    if (r.status !== 0) throw new Error(`${cmd} failed: ${r.stderr}`)
  }
  if (fill === 'random') run('dd', ['if=/dev/urandom', `of=${raw}`, 'bs=1M', `count=${mib}`, 'status=none'])
  else run('qemu-img', ['create', '-f', 'raw', raw, `${mib}M`])
  run('qemu-img', ['convert', '-f', 'raw', '-O', 'vmdk', '-o', 'subformat=streamOptimized,adapter_type=lsilogic', raw, vmdk])
  rmSync(raw)
  const spec = { name, version: '0.0.1', vmdk, capacityBytes: mib * 2 ** 20, cpus: 2, memoryMiB: 8192, dataDiskGiB: 0 }
  return (await packOva(join(dir, `${name}.ova`), spec)).ova
}
