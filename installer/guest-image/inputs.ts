// SPDX-License-Identifier: Apache-2.0
// The cache key of a guest image: the versions of every .deb that lands in it and a hash
// of the files under files/. Same key, same image: the build is skipped.
import { createHash } from 'node:crypto'
import { readFileSync, realpathSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { run } from './_exec.ts'
import { walk } from './_walk.ts'
import type { KernelPackage } from './kernel.ts'
import { guestPrograms, sharedLibraries } from './rootfs.ts'

/** Bump when the build steps change what lands in the image, so old cache entries are not reused. */
export const recipeVersion = 1

/** Host packages whose files are copied into the image (library packages are added from ldd). */
const imagePackages = ['busybox-static', 'dropbear-bin', 'syslinux', 'syslinux-common'] as const

/** Everything the image is made from. */
export interface BuildInputs {
  recipe: number
  kernel: KernelPackage
  /** Debian package → version, for every host package copied into the image */
  packages: Record<string, string>
  /** sha256 of the files under files/ (paths and contents) */
  files: string
  /** sha256 of libraries no installed package claims (a hand-installed library) */
  unowned: Record<string, string>
}

/** The inputs of a build now, and their key (16 hex digits). */
export async function collectInputs(kernel: KernelPackage, filesDir: string): Promise<{ key: string; inputs: BuildInputs }> {
  const { owners, unowned } = await libraryOwners(await sharedLibraries(guestPrograms.dynamic))
  const names = [...new Set([...imagePackages, ...owners])].sort()
  const { stdout } = await run('dpkg-query', ['-W', '-f=${Package} ${Version}\n', ...names], { allowFail: true })
  const packages = Object.fromEntries(
    stdout
      .split('\n')
      .filter(Boolean)
      .map((l) => l.split(' ') as [string, string]),
  )
  const inputs: BuildInputs = { recipe: recipeVersion, kernel, packages, files: hashTree(filesDir), unowned }
  return { key: sha256(JSON.stringify(inputs)).slice(0, 16), inputs }
}

/** The Debian package that ships each library (dpkg knows some by their /usr path, some not). */
async function libraryOwners(libs: readonly string[]): Promise<{ owners: string[]; unowned: Record<string, string> }> {
  const variants = new Map(
    libs.map((lib) => {
      const real = realpathSync(lib)
      return [lib, [...new Set([lib, real, real.replace(/^\/usr\//, '/')])]] as const
    }),
  )
  // One dpkg-query for all: each call reads every package's file list.
  const { stdout } = await run('dpkg-query', ['-S', ...[...variants.values()].flat()], { allowFail: true })
  const ownerOf = new Map(
    stdout
      .split('\n')
      .map((l) => /^([^:\s]+)(?::\w+)?: (\S+)$/.exec(l))
      .filter((m) => m !== null)
      .map((m) => [m[2]!, m[1]!]),
  )
  const owners: string[] = []
  const unowned: Record<string, string> = {}
  for (const [lib, paths] of variants) {
    const owner = paths.map((p) => ownerOf.get(p)).find(Boolean)
    if (owner) owners.push(owner)
    else unowned[lib] = sha256(readFileSync(lib))
  }
  return { owners, unowned }
}

/** sha256 over every path and file content under `dir`, in sorted order. */
export function hashTree(dir: string): string {
  const h = createHash('sha256')
  for (const rel of walk(dir)) {
    const full = join(dir, rel)
    h.update(`${rel}\0`)
    if (!statSync(full).isDirectory()) h.update(readFileSync(full)).update('\0')
  }
  return h.digest('hex')
}

/** sha256 of a buffer or string, hex. */
export function sha256(data: string | Buffer): string {
  return createHash('sha256').update(data).digest('hex')
}
