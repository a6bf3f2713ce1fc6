// SPDX-License-Identifier: Apache-2.0
// The OVA's second disk (empty, made by vSphere at deploy), as the home of the
// cloud's data: Ceph's OSD file and Swift's devices. First boot formats it only
// when it is certainly blank, mounts it by label (nofail: a VM without it still
// boots), and binds the two folders onto it. Without such a disk they stay on the
// root disk, as before.
import { spawnSync } from 'node:child_process'
import { appendFileSync, chmodSync, chownSync, existsSync, mkdirSync, readdirSync, readFileSync, statSync } from 'node:fs'

/** Where the disk is mounted, and the folders that move onto it. */
export const dataMount = '/var/lib/stackhouse/data'
export const dataLabel = 'stackhouse-data'
export const dataFolders = ['/var/lib/ceph/osd', '/srv/node'] as const

/** Smaller than this, a disk is not the data disk (a seed CD, a config drive). */
const minBytes = 4 * 2 ** 30

interface BlockDevice {
  name: string
  type: string
  size: number
  fstype: string | null
  pttype: string | null
  ro: boolean
  rm: boolean
  mountpoints?: (string | null)[]
  children?: BlockDevice[]
}

/**
 * The blank disks lsblk reports: whole disks, not read-only or removable, 4 GiB or
 * more, with no partition, no file system or partition table, mounted nowhere.
 * Pure: the caller still checks that each reads as zeros.
 */
export function blankDisks(lsblkJson: string): { path: string; bytes: number }[] {
  const { blockdevices } = JSON.parse(lsblkJson) as { blockdevices: BlockDevice[] }
  return blockdevices
    .filter(
      (d) =>
        d.type === 'disk' &&
        !d.ro &&
        !d.rm &&
        d.size >= minBytes &&
        !d.fstype &&
        !d.pttype &&
        !d.children?.length &&
        !(d.mountpoints ?? []).some(Boolean),
    )
    .map((d) => ({ path: `/dev/${d.name}`, bytes: d.size }))
}

const run = (cmd: string, args: string[]) => spawnSync(cmd, args, { encoding: 'utf8', timeout: 300_000 })

/**
 * Format and mount the data disk, and move the data folders onto it; returns what was
 * done, for the log. Idempotent: a disk already labelled is only mounted. Never in a
 * container (its "disks" are the host machine's).
 */
export function useDataDisk(log: (line: string) => void): string {
  if (run('systemd-detect-virt', ['--container', '--quiet']).status === 0) return 'no data disk in a container'
  if (!existsSync(`/dev/disk/by-label/${dataLabel}`)) {
    const listed = run('lsblk', ['--json', '--bytes', '--output', 'NAME,TYPE,SIZE,FSTYPE,PTTYPE,RO,RM,MOUNTPOINTS'])
    if (listed.status !== 0) return `no data disk: lsblk failed (${listed.stderr.trim()})`
    // Blank means its first MiB reads as zeros too: nothing on it that lsblk does not know.
    const blank = blankDisks(listed.stdout).filter((d) => run('cmp', ['-s', '-n', '1048576', d.path, '/dev/zero']).status === 0)
    if (!blank.length) return 'no blank second disk: the cloud keeps its data on the root disk'
    if (blank.length > 1)
      return `${blank.length} blank disks (${blank.map((d) => d.path).join(', ')}): which is the data disk is not clear, none is used`
    const disk = blank[0]!
    log(`data disk ${disk.path} (${(disk.bytes / 2 ** 30).toFixed(0)} GiB): formatting (ext4, label ${dataLabel})`)
    const mkfs = run('mkfs.ext4', ['-q', '-L', dataLabel, '-m', '0', disk.path])
    if (mkfs.status !== 0) return `data disk ${disk.path} not used: mkfs.ext4 failed (${mkfs.stderr.trim()})`
    run('udevadm', ['settle'])
  }
  const fstab = readFileSync('/etc/fstab', 'utf8')
  const lines = [
    `LABEL=${dataLabel} ${dataMount} ext4 defaults,nofail,x-systemd.device-timeout=30s 0 2`,
    ...dataFolders.map((f) => `${dataMount}${f} ${f} none bind,nofail,x-systemd.requires-mounts-for=${dataMount} 0 0`),
  ].filter((l) => !fstab.includes(l.split(' ').slice(0, 2).join(' ')))
  if (lines.length)
    appendFileSync('/etc/fstab', `${fstab.endsWith('\n') ? '' : '\n'}# Stackhouse appliance: the data disk\n${lines.join('\n')}\n`)
  mkdirSync(dataMount, { recursive: true })
  if (run('mountpoint', ['-q', dataMount]).status !== 0 && run('mount', [dataMount]).status !== 0)
    return `data disk not mounted at ${dataMount}: the cloud keeps its data on the root disk`
  const moved: string[] = []
  for (const f of dataFolders) {
    // The folder on the disk takes the owner and mode of the one it covers (ceph:ceph for the OSDs).
    mkdirSync(f, { recursive: true })
    const bound = run('mountpoint', ['-q', f]).status === 0
    // A folder that holds data already (a first boot run again after its deploy began) keeps it where it is.
    if (!bound && readdirSync(f).length) {
      log(`${f} is not empty: it stays on the root disk`)
      continue
    }
    const was = statSync(f)
    const onDisk = `${dataMount}${f}`
    mkdirSync(onDisk, { recursive: true })
    chownSync(onDisk, was.uid, was.gid)
    chmodSync(onDisk, was.mode & 0o7777)
    if (bound || run('mount', [f]).status === 0) moved.push(f)
  }
  return `data disk mounted at ${dataMount}: ${moved.length ? `${moved.join(' and ')} on it` : 'no folder moved onto it'}`
}
