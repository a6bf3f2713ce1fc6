// SPDX-License-Identifier: Apache-2.0
// The guest's root file system, which is the whole initramfs: busybox-static, dropbear
// with the libraries it links, the virtio modules, and the files under files/rootfs/.
import { chmodSync, copyFileSync, cpSync, existsSync, mkdirSync, readFileSync, statSync, symlinkSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { packageRoot } from '../paths.ts'
import { run } from './_exec.ts'
import { walk } from './_walk.ts'
import { GuestImageError } from './errors.ts'
import type { KernelFiles } from './kernel.ts'

/** The files baked into the image: `rootfs/` is copied into the initramfs, `boot/` onto the FAT partition. */
export const guestFilesDir = join(packageRoot, 'installer', 'guest-image', 'files')

/** Host programs copied into the guest (dropbear's from dropbear-bin, with their libraries). */
export const guestPrograms = { busybox: '/bin/busybox', dynamic: ['/usr/sbin/dropbear', '/usr/bin/dropbearkey'] } as const

/** The modules /etc/rc loads, in order: the single list both the build and the guest read (names, without their parameters). */
export function moduleList(filesDir = guestFilesDir): string[] {
  return readFileSync(join(filesDir, 'rootfs', 'etc', 'modules'), 'utf8')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('#'))
    .map((l) => l.split(/\s+/)[0]!)
}

/** Shared libraries (and the dynamic loader) the programs link, as ldd resolves them. */
export async function sharedLibraries(programs: readonly string[]): Promise<string[]> {
  const libs = new Set<string>()
  for (const p of programs) {
    const { stdout } = await run('ldd', [p])
    for (const m of stdout.matchAll(/(?:=>\s*|^\s*)(\/\S+)\s+\(0x/gm)) libs.add(m[1]!)
  }
  return [...libs].sort()
}

/** Fill `root` with the guest's root file system. */
export async function assembleRootfs(root: string, kernel: KernelFiles, filesDir = guestFilesDir): Promise<void> {
  for (const d of [
    'bin',
    'sbin',
    'usr/bin',
    'usr/sbin',
    'lib/modules',
    'dev',
    'proc',
    'sys',
    'run',
    'tmp',
    'root',
    'etc/dropbear',
    'var/log',
  ]) {
    mkdirSync(join(root, d), { recursive: true })
  }
  symlinkSync('../run', join(root, 'var', 'run'))
  chmodSync(join(root, 'tmp'), 0o1777)
  chmodSync(join(root, 'root'), 0o700)
  await addBusybox(root)
  await addDynamic(root, guestPrograms.dynamic)
  addModules(root, kernel)
  addOwnFiles(root, join(filesDir, 'rootfs'))
}

async function addBusybox(root: string): Promise<void> {
  const bin = guestPrograms.busybox
  // A dynamic busybox (package "busybox") would need its libraries: insist on the static one.
  const ldd = await run('ldd', [bin], { allowFail: true })
  if (ldd.code === 0)
    throw new GuestImageError(`${bin} is not statically linked`, {
      fix: 'apt-get install busybox-static (it replaces the dynamic busybox package)',
    })
  copyFileSync(bin, join(root, 'bin', 'busybox'))
  chmodSync(join(root, 'bin', 'busybox'), 0o755)
  const { stdout } = await run(bin, ['--list-full'])
  for (const link of stdout
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean)) {
    const at = join(root, link)
    if (existsSync(at)) continue
    mkdirSync(dirname(at), { recursive: true })
    symlinkSync('/bin/busybox', at)
  }
}

async function addDynamic(root: string, programs: readonly string[]): Promise<void> {
  for (const file of [...programs, ...(await sharedLibraries(programs))]) {
    const at = join(root, file)
    mkdirSync(dirname(at), { recursive: true })
    copyFileSync(file, at) // follows symlinks: libfoo.so.1 lands as a regular file
    chmodSync(at, 0o755)
  }
}

function addModules(root: string, kernel: KernelFiles): void {
  for (const name of moduleList()) {
    const ko = kernel.modules.get(name) ?? kernel.modules.get(name.replaceAll('-', '_')) ?? kernel.modules.get(name.replaceAll('_', '-'))
    if (!ko) {
      throw new GuestImageError(`kernel ${kernel.release} has no module ${name}.ko (built in now, or compressed?)`, {
        fix: `remove it from installer/guest-image/files/rootfs/etc/modules if it is built in; busybox insmod needs uncompressed .ko files`,
      })
    }
    copyFileSync(ko, join(root, 'lib', 'modules', `${name}.ko`))
  }
}

/** Copy files/rootfs and set modes from content, so a checkout's modes and umask do not matter. */
function addOwnFiles(root: string, from: string): void {
  cpSync(from, root, { recursive: true })
  for (const rel of walk(from)) {
    const at = join(root, rel)
    if (statSync(at).isDirectory()) continue
    const script = readFileSync(at).subarray(0, 2).toString() === '#!'
    chmodSync(at, rel === 'etc/shadow' ? 0o600 : script ? 0o755 : 0o644)
  }
}
