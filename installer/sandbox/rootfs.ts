// SPDX-License-Identifier: Apache-2.0
// A host's root file system: an overlay on the base (or a copy, where overlayfs
// is missing), then the few files that make it this host.
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs'
import { join } from 'node:path'
import { run } from './_exec.ts'
import { SandboxError } from './errors.ts'
import { sandboxPaths } from './paths.ts'
import type { RootfsMode } from './state.ts'

/**
 * Make `<dir>/rootfs` from the base. Overlay is the default: the mount takes
 * milliseconds and a host starts with a few MB of its own, where a copy takes
 * seconds and the base's full size per host. It falls back to a copy when the
 * mount fails (a kernel without overlayfs).
 */
export async function makeRootfs(
  dir: string,
  mode: RootfsMode = 'overlay',
  layer?: string,
  image?: string,
): Promise<{ mode: RootfsMode; path: string; layer?: string; image?: string }> {
  const path = join(dir, 'rootfs')
  if (mode === 'overlay' || image) {
    for (const d of ['upper', 'work', 'rootfs']) mkdirSync(join(dir, d), { recursive: true })
    const r = await run('mount', overlayMount(dir, path, layer, image), { allowFail: true })
    if (r.code === 0) return { mode: 'overlay', path, ...(layer ? { layer } : {}), ...(image ? { image } : {}) }
    if (image)
      throw new SandboxError(`cannot mount an overlay over the image ${image}: ${r.stderr.trim()}`, {
        fix: 'boot images on a kernel with overlayfs',
      })
    for (const d of ['upper', 'work']) rmSync(join(dir, d), { recursive: true, force: true })
  }
  // NOTE: a copy has no layer: the layer's whiteouts (files apt removed from the base) mean something only to overlayfs.
  rmSync(path, { recursive: true, force: true })
  await run('cp', ['-a', '--reflink=auto', sandboxPaths.baseRootfs, path], { timeoutMs: 600_000 })
  return { mode: 'copy', path }
}

/** The mount arguments of a host's overlay root: its own files over the layer (if any) over the base, or over a whole image. */
export function overlayMount(dir: string, path: string, layer?: string, image?: string): string[] {
  const lower = image ?? (layer ? `${layer}:${sandboxPaths.baseRootfs}` : sandboxPaths.baseRootfs)
  return ['-t', 'overlay', 'overlay', '-o', `lowerdir=${lower},upperdir=${join(dir, 'upper')},workdir=${join(dir, 'work')}`, path]
}

/** Mount points at or below `dir`, deepest first (from /proc/self/mountinfo). */
export function mountsUnder(dir: string): string[] {
  const decode = (s: string) => s.replace(/\\(\d{3})/g, (_, o: string) => String.fromCharCode(parseInt(o, 8)))
  return readFileSync('/proc/self/mountinfo', 'utf8')
    .split('\n')
    .map((line) => decode(line.split(' ')[4] ?? ''))
    .filter((m) => m === dir || m.startsWith(`${dir}/`))
    .sort((a, b) => b.length - a.length)
}

/** Unmount everything at or below `dir`; throws when something stays mounted. */
export async function unmountAll(dir: string): Promise<void> {
  for (const m of mountsUnder(dir)) await run('umount', [m], { allowFail: true })
  const left = mountsUnder(dir)
  if (left.length) {
    throw new SandboxError(`still mounted: ${left.join(', ')}`, {
      fix: `find the process that uses it (fuser -vm ${left[0]}), end it, then destroy again`,
    })
  }
}

/** Remove a host's folder, never while anything below it is mounted. */
export async function removeHostDir(dir: string): Promise<void> {
  if (!existsSync(dir)) return
  await unmountAll(dir)
  rmSync(dir, { recursive: true, force: true })
}
