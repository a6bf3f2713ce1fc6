// SPDX-License-Identifier: Apache-2.0
// The pre-installed layer: every package of the all-in-one cloud installed (services
// held, nothing configured, units disabled), kept as an overlay layer between the
// base and each host's own files. A host made from it starts with its packages in,
// so a deploy only configures. It is the appliance's root file system as well.
// installer/commands/layer.ts builds it on a sandbox host; this module keeps it.
import { existsSync, readFileSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { stopHost } from './boot.ts'
import { SandboxError } from './errors.ts'
import { hostDir, sandboxPaths } from './paths.ts'
import { unmountAll } from './rootfs.ts'
import { removeHostKeys } from './ssh.ts'
import { readRecord, readRecords } from './state.ts'

export interface LayerInfo {
  /** The layer's folder: an overlay lower layer above the base. */
  path: string
  builtAt: string
  /** When the base it sits on was built: a rebuilt base leaves the layer unused. */
  baseBuiltAt: string
  /** The packages it holds, as the deploy asked for them. */
  packages: string[]
  /** How long the build took. */
  seconds: number
  /** The command that builds it again. */
  builtBy: string
}

const marker = join(sandboxPaths.cacheDir, 'rootfs-layer.json')
const baseMarker = `${sandboxPaths.baseRootfs}.json`

function baseBuiltAt(): string | undefined {
  try {
    return (JSON.parse(readFileSync(baseMarker, 'utf8')) as { builtAt?: string }).builtAt
  } catch {
    return undefined
  }
}

/** The layer new hosts start from, if one was built on the current base. */
export function currentLayer(): LayerInfo | undefined {
  if (!existsSync(marker)) return undefined
  const info = JSON.parse(readFileSync(marker, 'utf8')) as LayerInfo
  return existsSync(info.path) && info.baseBuiltAt === baseBuiltAt() ? info : undefined
}

/** One line on a layer: what it holds and how it was made. */
export function layerSummary(l: LayerInfo): string {
  return `${l.packages.length} packages, built ${l.builtAt.slice(0, 16).replace('T', ' ')} UTC by "${l.builtBy}"`
}

/** What must differ between hosts, or was only the build host's: its identity, its logs and the downloaded packages. */
export const buildHostOnly = [
  'etc/hostname',
  'etc/hosts',
  'etc/machine-id',
  'var/lib/dbus/machine-id',
  'root/.ssh',
  'root/.bash_history',
  'etc/systemd/network',
  'var/log/journal',
  'var/lib/systemd/random-seed',
  // RabbitMQ's package made one at install; each cloud's comes from its secrets.
  'var/lib/rabbitmq/.erlang.cookie',
  // The build deploy gave the host to its own throwaway cloud (secrets/host-identity.ts).
  'var/lib/stackhouse/cloud-identity',
  'var/cache/apt/archives',
  'tmp',
  'var/tmp',
]

/**
 * Stop the build host and take its own files (the overlay's upper folder) as the new
 * layer. Earlier layers no host uses are removed.
 */
export async function captureLayer(host: string, info: Omit<LayerInfo, 'path' | 'builtAt' | 'baseBuiltAt'>): Promise<LayerInfo> {
  const rec = readRecord(host)
  if (!rec || rec.rootfs.mode !== 'overlay')
    throw new SandboxError(`${host}: not an overlay sandbox host`, { fix: 'build the layer on a host made with --rootfs overlay' })
  const base = baseBuiltAt()
  if (!base)
    throw new SandboxError('the base root file system has no record of its build', {
      fix: 'run "stackhouse sandbox destroy --all", then build the layer again',
    })
  await stopHost(rec)
  await unmountAll(hostDir(host))
  const upper = join(hostDir(host), 'upper')
  for (const p of buildHostOnly) rmSync(join(upper, p), { recursive: true, force: true })
  removeHostKeys(upper)
  // The build's logs go; the log folders the packages made (owned by their users) stay.
  removeFiles(join(upper, 'var', 'log'))
  const builtAt = new Date().toISOString()
  const path = join(sandboxPaths.cacheDir, `rootfs-layer-${builtAt.replace(/[:.]/g, '-')}`)
  renameSync(upper, path)
  const layer: LayerInfo = { ...info, path, builtAt, baseBuiltAt: base }
  writeFileSync(`${marker}.tmp`, `${JSON.stringify(layer, null, 2)}\n`)
  renameSync(`${marker}.tmp`, marker)
  removeUnusedLayers()
  return layer
}

function removeFiles(dir: string): void {
  if (!existsSync(dir)) return
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    if (e.isDirectory()) removeFiles(join(dir, e.name))
    else if (e.isFile()) rmSync(join(dir, e.name))
  }
}

/** Layers that neither the marker nor any host names: left by earlier builds. */
function removeUnusedLayers(): void {
  const keep = new Set([currentLayer()?.path, ...readRecords().map((r) => r.rootfs.layer)])
  for (const d of readdirSync(sandboxPaths.cacheDir))
    if (d.startsWith('rootfs-layer-') && !keep.has(join(sandboxPaths.cacheDir, d)))
      rmSync(join(sandboxPaths.cacheDir, d), { recursive: true, force: true })
}

/** Stop using the layer: new hosts start from the base again. Hosts made from it keep it until they are destroyed. */
export function removeLayer(): LayerInfo | undefined {
  const layer = currentLayer()
  rmSync(marker, { force: true })
  removeUnusedLayers()
  return layer
}
