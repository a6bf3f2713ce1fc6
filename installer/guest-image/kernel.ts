// SPDX-License-Identifier: Apache-2.0
// The guest kernel: Debian's cloud kernel package, found through the meta-package's
// dependency and fetched with apt-get download from whatever mirror apt is set up for.
// It is extracted, never installed.
import { createHash } from 'node:crypto'
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { run } from './_exec.ts'
import { walk } from './_walk.ts'
import { GuestImageError } from './errors.ts'
import { aptEnv, isRoot, type Log } from './prereqs.ts'

/** The meta-package that always depends on the current cloud kernel. */
export const kernelMetaPackage = 'linux-image-cloud-amd64'

/** A kernel package apt can fetch. */
export interface KernelPackage {
  /** e.g. linux-image-6.1.0-56-cloud-amd64 */
  name: string
  /** The Debian version apt would fetch, e.g. 6.1.141-1 */
  version: string
}

/**
 * The cloud kernel package and version apt would fetch now (no download; runs apt-get update
 * once if the lists lack it). Remembered in `cacheDir` until apt's lists or sources change:
 * with Docker-style apt settings (no pkgcache.bin) each apt-cache call takes about a second.
 */
export async function resolveKernel(cacheDir: string, log: Log = () => {}): Promise<KernelPackage> {
  const memo = join(cacheDir, 'kernel.json')
  try {
    const m = JSON.parse(readFileSync(memo, 'utf8')) as { stamp: string; kernel: KernelPackage }
    if (m.stamp === aptStamp()) return m.kernel
  } catch {
    // no memo yet, or unreadable: ask apt
  }
  const kernel = await askAptOnceUpdated(log)
  mkdirSync(cacheDir, { recursive: true })
  writeFileSync(memo, `${JSON.stringify({ stamp: aptStamp(), kernel }, null, 2)}\n`)
  return kernel
}

async function askAptOnceUpdated(log: Log): Promise<KernelPackage> {
  try {
    return await askApt()
  } catch (first) {
    if (!isRoot()) throw first
    log('apt does not know the cloud kernel yet: running apt-get update')
    await run('apt-get', ['update', '-qq'], { env: aptEnv, timeoutMs: 300_000 })
    return askApt()
  }
}

/** Names, sizes and times of apt's package lists, sources and preferences: what decides apt's answer. */
function aptStamp(): string {
  const h = createHash('sha256')
  for (const dir of ['/var/lib/apt/lists', '/etc/apt', '/etc/apt/sources.list.d', '/etc/apt/preferences.d']) {
    let names: string[] = []
    try {
      names = readdirSync(dir).sort()
    } catch {
      continue
    }
    for (const name of names) {
      const st = statSync(join(dir, name))
      if (st.isFile()) h.update(`${dir}/${name} ${st.size} ${st.mtimeMs}\n`)
    }
  }
  return h.digest('hex')
}

async function askApt(): Promise<KernelPackage> {
  const deps = await run('apt-cache', ['depends', kernelMetaPackage], { env: aptEnv, allowFail: true })
  const name = /^\s*Depends:\s*(linux-image-\S+)/m.exec(deps.stdout)?.[1]
  if (!name) {
    throw new GuestImageError(
      `apt-cache depends ${kernelMetaPackage} names no kernel package${deps.stderr.trim() ? `: ${deps.stderr.trim()}` : ''}`,
      {
        fix: 'run apt-get update (the Debian 12 main component must be in the apt sources)',
      },
    )
  }
  const show = await run('apt-cache', ['show', '--no-all-versions', name], { env: aptEnv, allowFail: true })
  const version = /^Version:\s*(\S+)/m.exec(show.stdout)?.[1]
  if (!version) throw new GuestImageError(`apt-cache show ${name} gives no version`, { fix: 'run apt-get update' })
  return { name, version }
}

/** The kernel .deb in `cacheDir/debs`, fetched with apt-get download when not there yet. */
export async function fetchKernelDeb(kernel: KernelPackage, cacheDir: string, log: Log = () => {}): Promise<string> {
  const debs = join(cacheDir, 'debs')
  const file = join(debs, `${kernel.name}_${kernel.version.replaceAll(':', '%3a')}.deb`)
  if (existsSync(file)) return file
  mkdirSync(debs, { recursive: true })
  const tmp = mkdtempSync(join(debs, '.download-'))
  try {
    log(`downloading ${kernel.name} ${kernel.version} (apt-get download)`)
    // NOTE: apt drops to the _apt user to download, which cannot write to a 0700 temp dir.
    const sandbox = isRoot() ? ['-o', 'APT::Sandbox::User=root'] : []
    await run('apt-get', [...sandbox, 'download', `${kernel.name}=${kernel.version}`], { cwd: tmp, env: aptEnv, timeoutMs: 900_000 }).catch(
      (cause: unknown) => {
        throw new GuestImageError(`apt-get download ${kernel.name}=${kernel.version} failed`, {
          cause,
          fix: 'check the apt sources and the network (apt-get update), then re-run',
        })
      },
    )
    const got = readdirSync(tmp).find((f) => f.endsWith('.deb'))
    if (!got)
      throw new GuestImageError(`apt-get download ${kernel.name} wrote no .deb`, { fix: 'run the command yourself and read its output' })
    renameSync(join(tmp, got), file)
    return file
  } finally {
    rmSync(tmp, { recursive: true, force: true })
  }
}

/** What the image needs from an extracted kernel package. */
export interface KernelFiles {
  /** Kernel release, e.g. 6.1.0-56-cloud-amd64 */
  release: string
  vmlinuz: string
  /** Module name (as in /etc/modules) → path of its .ko */
  modules: Map<string, string>
}

/** Extract the kernel .deb into `dir` and find the kernel image and its modules. */
export async function extractKernel(deb: string, dir: string): Promise<KernelFiles> {
  await run('dpkg-deb', ['-x', deb, dir])
  const boot = join(dir, 'boot')
  const image = existsSync(boot) ? readdirSync(boot).find((f) => f.startsWith('vmlinuz-')) : undefined
  if (!image) throw new GuestImageError(`${deb} holds no boot/vmlinuz-*`, { fix: `is ${kernelMetaPackage} still a kernel image package?` })
  const release = image.slice('vmlinuz-'.length)
  const root = [join(dir, 'lib', 'modules', release), join(dir, 'usr', 'lib', 'modules', release)].find((d) => existsSync(d))
  if (!root) throw new GuestImageError(`${deb} holds no modules for ${release}`)
  const modules = new Map<string, string>()
  for (const entry of walk(root)) {
    const m = /(?:^|\/)([^/]+)\.ko$/.exec(entry)
    if (m?.[1]) modules.set(m[1], join(root, entry))
  }
  return { release, vmlinuz: join(boot, image), modules }
}
