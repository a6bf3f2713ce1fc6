// SPDX-License-Identifier: Apache-2.0
// buildGuestImage: the tiny test guest of guest-probe.md, from Debian packages, offline
// once the kernel .deb is cached, and skipped when nothing it is made from has changed.
import { constants, copyFileSync, mkdirSync, mkdtempSync, renameSync, rmSync, statSync, utimesSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { performance } from 'node:perf_hooks'
import { defaultCacheDir, entryDir, imageName, prune, readManifest, sha256File, stagingDir, store, type Manifest } from './cache.ts'
import { makeDisk, makeInitramfs } from './disk.ts'
import { collectInputs, type BuildInputs } from './inputs.ts'
import { extractKernel, fetchKernelDeb, resolveKernel, type KernelPackage } from './kernel.ts'
import { GuestImageError } from './errors.ts'
import { ensurePackages, type Log } from './prereqs.ts'
import { assembleRootfs, guestFilesDir } from './rootfs.ts'

/** Options of buildGuestImage. */
export interface GuestImageOptions {
  /** Folder the image is written to, as guest.qcow2 (created when missing). */
  outDir: string
  /** Where built images and the kernel .deb are kept. @default defaultCacheDir() */
  cacheDir?: string
  /** Build even when the cache holds an image of the same inputs (the cached .deb is still used). @default false */
  force?: boolean
  /** Progress, one line at a time. @default no output */
  log?: Log
}

/** A built (or reused) guest image. */
export interface GuestImage {
  /** Path of the qcow2 image in outDir. */
  qcow2: string
  sha256: string
  bytes: number
  /** Wall time of this call. */
  seconds: number
  /** True when the image came from the cache and nothing was built. */
  cached: boolean
  /** The cache key: versions of the .debs and hash of the files. */
  key: string
  /** The kernel package and the release the guest runs (`uname -r`). */
  kernel: KernelPackage & { release: string }
}

/** Build the guest image into `outDir`, or copy it from the cache when its inputs have not changed. */
export async function buildGuestImage(opts: GuestImageOptions): Promise<GuestImage> {
  const start = performance.now()
  const log = opts.log ?? (() => {})
  const cacheDir = opts.cacheDir ?? defaultCacheDir()
  await ensurePackages(undefined, undefined, log)
  const kernel = await resolveKernel(cacheDir, log)
  const { key, inputs } = await collectInputs(kernel, guestFilesDir)
  const entry = entryDir(cacheDir, key)
  const cached = opts.force ? undefined : readManifest(entry)
  if (cached) {
    log(`reusing cached image ${key} from ${entry}: kernel, packages and files unchanged`)
    utimesSync(entry, new Date(), new Date()) // recently used: prune() keeps it
  } else {
    await buildEntry(cacheDir, key, inputs, log)
  }
  // Read back what is in place: a concurrent build of the same key may have stored first.
  const manifest = readManifest(entry)
  if (!manifest)
    throw new GuestImageError(`the cache entry ${entry} vanished during the build`, {
      fix: 're-run; is something else cleaning the cache?',
    })
  const qcow2 = publish(join(entry, imageName), opts.outDir)
  const sha256 = await sha256File(qcow2)
  if (sha256 !== manifest.sha256) {
    if (!cached)
      throw new GuestImageError(`the image in ${entry} changed while it was copied`, {
        fix: 'another build of the same image ran at the same time: re-run',
      })
    log(`cached image ${key} does not match its recorded sha256: rebuilding`)
    return buildGuestImage({ ...opts, force: true })
  }
  const seconds = Number(((performance.now() - start) / 1000).toFixed(2))
  return {
    qcow2,
    sha256,
    bytes: manifest.bytes,
    seconds,
    cached: cached !== undefined,
    key,
    kernel: { ...kernel, release: manifest.release },
  }
}

async function buildEntry(cacheDir: string, key: string, inputs: BuildInputs, log: Log): Promise<void> {
  const start = performance.now()
  const deb = await fetchKernelDeb(inputs.kernel, cacheDir, log)
  const work = mkdtempSync(join(tmpdir(), 'stackhouse-guest-'))
  const staging = stagingDir(cacheDir)
  try {
    log(`building image ${key} (kernel ${inputs.kernel.name} ${inputs.kernel.version})`)
    const kernel = await extractKernel(deb, join(work, 'kernel'))
    const root = join(work, 'root')
    await assembleRootfs(root, kernel)
    const initrd = join(work, 'initrd.img')
    await makeInitramfs(root, initrd)
    const qcow2 = join(staging, imageName)
    await makeDisk(work, { vmlinuz: kernel.vmlinuz, initrd, syslinuxCfg: join(guestFilesDir, 'boot', 'syslinux.cfg') }, qcow2)
    const manifest: Manifest = {
      key,
      inputs,
      release: kernel.release,
      sha256: await sha256File(qcow2),
      bytes: statSync(qcow2).size,
      buildSeconds: Number(((performance.now() - start) / 1000).toFixed(2)),
      builtAt: new Date().toISOString(),
    }
    store(staging, entryDir(cacheDir, key), manifest)
    prune(cacheDir, deb)
  } finally {
    rmSync(work, { recursive: true, force: true })
    rmSync(staging, { recursive: true, force: true })
  }
}

/** Copy the image into `outDir` atomically (a half-copied image is never left under its name). */
function publish(image: string, outDir: string): string {
  mkdirSync(outDir, { recursive: true })
  const target = join(outDir, imageName)
  const tmp = join(outDir, `.${imageName}.${process.pid}.tmp`)
  copyFileSync(image, tmp, constants.COPYFILE_FICLONE)
  renameSync(tmp, target)
  return target
}
