// SPDX-License-Identifier: Apache-2.0
// Where first boot finds the evaluator's settings, in the order they win:
// vSphere's OVF environment (guestinfo.ovfEnv through VMware tools), an
// ovf-env.xml on a CD (the iso transport) or in the seed folder (what a CD
// would hold, for containers and image builders), a NoCloud seed's meta-data,
// then the kernel command line. A source that cannot be read is a problem,
// named after the source; a source that is not there is skipped.
import { spawnSync } from 'node:child_process'
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { parse } from 'yaml'
import { propertyPrefix } from '../settings.ts'
import { fromKernelCommandLine, fromOvfEnvironment, type SettingsProblem, type SettingsSource } from './settings.ts'

/** The seed folder: an ovf-env.xml here counts as one on a CD. */
export const seedDir = '/etc/stackhouse/seed'
const noCloudDir = '/var/lib/cloud/seed/nocloud'

export interface Found {
  sources: SettingsSource[]
  problems: SettingsProblem[]
}

const run = (cmd: string, args: string[]) => spawnSync(cmd, args, { encoding: 'utf8', timeout: 15_000 })

/** A source's values, or a problem named after the source when it cannot be read. */
function add(found: Found, name: string, read: () => Record<string, string>, fix: string): void {
  try {
    found.sources.push({ name, values: read() })
  } catch (e) {
    found.problems.push({ property: '(all)', source: name, message: `cannot be read: ${(e as Error).message}`, fix })
  }
}

function ovf(name: string, xml: string, found: Found): void {
  add(found, name, () => fromOvfEnvironment(xml), 'give a well-formed OVF environment document (ovf-env.xml), or remove it')
}

/** guestinfo.ovfEnv, when VMware tools run and vSphere set it. */
function guestInfo(found: Found): void {
  if (!existsSync('/usr/bin/vmware-rpctool')) return
  if (run('systemd-detect-virt', ['--vm']).stdout.trim() !== 'vmware') return
  const r = run('vmware-rpctool', ['info-get guestinfo.ovfEnv'])
  if (r.status === 0 && r.stdout.trim()) ovf('the OVF environment (guestinfo.ovfEnv)', r.stdout, found)
}

/** ovf-env.xml on each CD (vSphere's iso transport), mounted read-only for the read. */
function cdRom(found: Found): void {
  const drives = existsSync('/dev') ? readdirSync('/dev').filter((d) => /^sr\d+$/.test(d)) : []
  for (const d of drives) {
    const mnt = mkdtempSync(join(tmpdir(), 'stackhouse-cd-'))
    try {
      if (run('mount', ['-o', 'ro', '-t', 'iso9660', `/dev/${d}`, mnt]).status !== 0) continue
      const file = readdirSync(mnt).find((f) => f.toLowerCase() === 'ovf-env.xml')
      if (file) ovf(`ovf-env.xml on /dev/${d}`, readFileSync(join(mnt, file), 'utf8'), found)
      run('umount', [mnt])
    } finally {
      rmSync(mnt, { recursive: true, force: true })
    }
  }
}

function seedFolder(found: Found): void {
  const file = join(seedDir, 'ovf-env.xml')
  if (existsSync(file)) ovf(file, readFileSync(file, 'utf8'), found)
}

/** A NoCloud seed's meta-data: local-hostname, and stackhouse.<key> entries. */
function noCloud(found: Found): void {
  const file = join(noCloudDir, 'meta-data')
  if (!existsSync(file)) return
  add(
    found,
    file,
    () => {
      const doc = parse(readFileSync(file, 'utf8')) as unknown
      if (!doc || typeof doc !== 'object' || Array.isArray(doc)) throw new Error('it is not a YAML mapping')
      const values: Record<string, string> = {}
      for (const [k, v] of Object.entries(doc as Record<string, unknown>)) {
        if (typeof v !== 'string' && typeof v !== 'number' && typeof v !== 'boolean') continue
        if (k === 'local-hostname') values[`${propertyPrefix}hostname`] = String(v)
        else if (k.startsWith(propertyPrefix)) values[k] = String(v)
      }
      return values
    },
    'fix the YAML, or remove the file',
  )
}

function kernelCommandLine(found: Found): void {
  const values = fromKernelCommandLine(readFileSync('/proc/cmdline', 'utf8'))
  if (Object.keys(values).length) found.sources.push({ name: 'the kernel command line', values })
}

/** Every source there is, first winning. */
export function readSources(): Found {
  const found: Found = { sources: [], problems: [] }
  for (const read of [guestInfo, cdRom, seedFolder, noCloud, kernelCommandLine]) read(found)
  return found
}
