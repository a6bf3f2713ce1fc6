// SPDX-License-Identifier: Apache-2.0
// Built images, one folder per cache key: images/<key>/{guest.qcow2,build.json}.
// An entry appears whole (built in a staging folder, then renamed) or not at all.
import { createHash } from 'node:crypto'
import {
  createReadStream,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs'
import { homedir } from 'node:os'
import { join } from 'node:path'
import type { BuildInputs } from './inputs.ts'
import { isRoot } from './prereqs.ts'

/** The image's file name, in the cache and in the output folder. */
export const imageName = 'guest.qcow2'

/** What a cache entry records about its image. */
export interface Manifest {
  key: string
  inputs: BuildInputs
  /** Kernel release the guest runs (`uname -r`), e.g. 6.1.0-56-cloud-amd64 */
  release: string
  sha256: string
  bytes: number
  buildSeconds: number
  builtAt: string
}

/**
 * Where images and the kernel .deb are kept between builds.
 * @default /var/cache/stackhouse/guest-image as root, else $XDG_CACHE_HOME or ~/.cache, /stackhouse/guest-image
 */
export function defaultCacheDir(): string {
  if (isRoot()) return '/var/cache/stackhouse/guest-image'
  return join(process.env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'stackhouse', 'guest-image')
}

/** The folder of the entry for `key`. */
export const entryDir = (cacheDir: string, key: string): string => join(cacheDir, 'images', key)

/** The manifest of a complete entry, or undefined when there is none (or it is unreadable). */
export function readManifest(entry: string): Manifest | undefined {
  try {
    const m = JSON.parse(readFileSync(join(entry, 'build.json'), 'utf8')) as Manifest
    return existsSync(join(entry, imageName)) ? m : undefined
  } catch {
    return undefined
  }
}

/** A staging folder beside the entries, for `store` to rename into place. */
export function stagingDir(cacheDir: string): string {
  mkdirSync(join(cacheDir, 'images'), { recursive: true })
  return mkdtempSync(join(cacheDir, 'images', '.build-'))
}

/** Move a staged entry (holding guest.qcow2) into place with its manifest. */
export function store(staging: string, entry: string, manifest: Manifest): void {
  writeFileSync(join(staging, 'build.json'), `${JSON.stringify(manifest, null, 2)}\n`)
  rmSync(entry, { recursive: true, force: true })
  try {
    renameSync(staging, entry)
  } catch (e) {
    // Another build of the same key finished first: its image is as good as ours.
    if (!['ENOTEMPTY', 'EEXIST'].includes((e as NodeJS.ErrnoException).code ?? '')) throw e
    rmSync(staging, { recursive: true, force: true })
  }
}

/** sha256 of a file, hex, streamed. */
export function sha256File(file: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const h = createHash('sha256')
    createReadStream(file)
      .on('data', (d) => h.update(d))
      .on('error', reject)
      .on('end', () => resolve(h.digest('hex')))
  })
}

/** Keep the `keep` newest image entries and only the kernel .deb in use; older ones are dead weight (14 MiB and 27 MiB each). */
export function prune(cacheDir: string, currentDeb: string, keep = 3): void {
  const images = join(cacheDir, 'images')
  const entries = readdirSync(images)
    .filter((name) => !name.startsWith('.'))
    .map((name) => ({ dir: join(images, name), at: statSync(join(images, name)).mtimeMs }))
    .sort((a, b) => b.at - a.at)
  for (const old of entries.slice(keep)) rmSync(old.dir, { recursive: true, force: true })
  const debs = join(cacheDir, 'debs')
  for (const name of readdirSync(debs)) {
    if (name.endsWith('.deb') && join(debs, name) !== currentDeb) rmSync(join(debs, name), { force: true })
  }
}
