// SPDX-License-Identifier: Apache-2.0
// Pack the OVA: the descriptor first, then the manifest, then the disk, in one GNU
// tar archive; every file owner 0 and mode 0644, as vSphere and ovftool expect.
import { statSync } from 'node:fs'
import { basename } from 'node:path'
import { writeTar } from './gnu-tar.ts'
import { formatManifest, sha256Bytes, sha256File } from './manifest.ts'
import { ovfDescriptor, type OvfSpec } from './ovf.ts'

export interface OvaSpec extends Omit<OvfSpec, 'systemDisk'> {
  /** The system disk as a streamOptimized VMDK (appliance/build converts it). */
  vmdk: string
  /** The disk's virtual size in bytes. */
  capacityBytes: number
  /** When the files say they were made, in seconds since the epoch. @default now */
  mtime?: number
}

export interface OvaFiles {
  ova: string
  ovf: string
  manifest: string
}

/** Write `<out>` and say what went in; the OVF and manifest texts come back for the build's report. */
export async function packOva(out: string, spec: OvaSpec): Promise<OvaFiles> {
  const disk = basename(spec.vmdk)
  const ovf = ovfDescriptor({ ...spec, systemDisk: { file: disk, fileBytes: statSync(spec.vmdk).size, capacityBytes: spec.capacityBytes } })
  const ovfName = `${spec.name}.ovf`
  const manifest = formatManifest([
    { file: ovfName, sha256: sha256Bytes(Buffer.from(ovf)) },
    { file: disk, sha256: await sha256File(spec.vmdk) },
  ])
  await writeTar(
    out,
    [
      { name: ovfName, from: { bytes: Buffer.from(ovf) } },
      { name: `${spec.name}.mf`, from: { bytes: Buffer.from(manifest) } },
      { name: disk, from: { path: spec.vmdk } },
    ],
    spec.mtime ?? Date.now() / 1000,
  )
  return { ova: out, ovf, manifest }
}
