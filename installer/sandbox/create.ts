// SPDX-License-Identifier: Apache-2.0
// `sandbox create`: the shared parts once (packages, bridges, package cache, base,
// key pair), then per host: address, root file system, files, keys, boot.
import { mkdirSync } from 'node:fs'
import { join } from 'node:path'
import { withLock } from './_lock.ts'
import { ensureAptCacher } from './apt-cacher.ts'
import { ensureBase } from './base.ts'
import { startHost, stopHost, waitForBoot } from './boot.ts'
import { configureRootfs, writeUnder } from './configure.ts'
import { SandboxError } from './errors.ts'
import { writeSandboxInventory } from './inventory.ts'
import { describeHost, type SandboxHost } from './list.ts'
import { machineMirrors, type DebianMirrors } from './mirror.ts'
import { allocateAddress, checkHostName, interfaceNames } from './names.ts'
import { deleteLinks, ensureBridges } from './network.ts'
import { hostDir } from './paths.ts'
import { ensurePrerequisites, requireRoot } from './prereqs.ts'
import { currentLayer, layerSummary, type LayerInfo } from './layer.ts'
import { makeRootfs, unmountAll } from './rootfs.ts'
import { contains, parseCidr, parseIp } from '../inventory/net.ts'
import { sandboxNetworks } from '../inventory/defaults.ts'
import { ensureKeyPair, generateHostKeys, setKnownHost } from './ssh.ts'
import { readRecord, readRecords, writeRecord, type HostRecord, type RootfsMode } from './state.ts'

export interface CreateOptions {
  /** Progress lines, e.g. "building the base root file system". @default none */
  log?: (line: string) => void
  /** How the root file system is made from the base. @default 'overlay' (a copy where overlayfs fails) */
  rootfs?: RootfsMode
  /** How long to wait for systemd and sshd in the host. @default 90000 */
  bootTimeoutMs?: number
  /** The management address the host must have (an inventory's). @default the next free one */
  address?: string
  /** Start from the pre-installed layer when one exists (overlay only). @default true */
  layer?: boolean
  /**
   * Boot a finished root file system (the appliance's) instead of the base: it is the
   * only layer under the host's own files, and the host configures itself (name,
   * address, SSH keys). Only `files` are written, and SSH host keys, so that this
   * machine knows the host when it answers.
   */
  image?: { root: string; files?: Record<string, string> }
  /** Wait for sshd to answer, not only for systemd. @default true (an image without an address yet: false) */
  waitForSsh?: boolean
}

/**
 * Packages, bridges, package cache, base root file system and key pair: shared by
 * every host. Under one lock, so creates running at once (in this process or
 * another) do not both start apt-cacher-ng or both generate the key.
 */
export async function prepareMachine(log: (line: string) => void): Promise<{ mirrors: DebianMirrors; publicKey: string }> {
  // Packages first: a non-root user then learns every missing package, not just "be root".
  await ensurePrerequisites(log)
  requireRoot('creating sandbox hosts')
  return withLock('machine', async () => {
    const mirrors = machineMirrors()
    await ensureBridges()
    await ensureAptCacher()
    await ensureBase(mirrors, log)
    return { mirrors, publicKey: await ensureKeyPair() }
  })
}

/** Claim the name and an address, under the lock so parallel creates never collide. */
function reserve(name: string, mode: RootfsMode, wanted?: string): Promise<HostRecord> {
  return withLock('hosts', async () => {
    if (readRecord(name))
      throw new SandboxError(`sandbox host ${name} already exists`, {
        fix: `use it, or remove it first: stackhouse sandbox destroy ${name}`,
      })
    const used = new Map(readRecords().map((r) => [r.address, r.name]))
    const dir = hostDir(name)
    const rec: HostRecord = {
      name,
      address: wanted ? claimAddress(name, wanted, used) : allocateAddress(name, used),
      interfaces: interfaceNames(name),
      rootfs: { mode, path: join(dir, 'rootfs') },
      createdAt: new Date().toISOString(),
    }
    mkdirSync(dir, { recursive: true })
    writeRecord(rec)
    return rec
  })
}

async function build(
  rec: HostRecord,
  mirrors: DebianMirrors,
  publicKey: string,
  layer?: LayerInfo,
  image?: CreateOptions['image'],
): Promise<HostRecord> {
  const rootfs = await makeRootfs(hostDir(rec.name), rec.rootfs.mode, layer?.path, image?.root)
  const made = { ...rec, rootfs }
  writeRecord(made)
  if (image) for (const [path, text] of Object.entries(image.files ?? {})) writeUnder(rootfs.path, path, text, 0o600)
  else await configureRootfs(rootfs.path, { name: rec.name, address: rec.address, mirrors, authorizedKey: publicKey })
  const keys = await generateHostKeys(rootfs.path)
  await withLock('hosts', async () => setKnownHost(rec.address, keys))
  // Interfaces of an earlier host of this name that did not get destroyed would make nspawn fail.
  await deleteLinks(Object.values(rec.interfaces))
  return made
}

/**
 * Create and boot one sandbox host; resolves once systemd runs in it and sshd
 * answers. On failure the host is stopped and unmounted, and its folder (with
 * the console log) is kept for reading until `destroySandbox(name)`.
 */
export async function createSandbox(name: string, opts: CreateOptions = {}): Promise<SandboxHost> {
  const log = opts.log ?? (() => {})
  checkHostName(name)
  const { mirrors, publicKey } = await prepareMachine(log)
  let rec = await reserve(name, opts.rootfs ?? 'overlay', opts.address)
  const layer = opts.layer === false || opts.image ? undefined : currentLayer()
  log(`${name}: ${rec.address}, booting${layer ? ` from the pre-installed layer (${layerSummary(layer)})` : ''}`)
  try {
    rec = await build(rec, mirrors, publicKey, layer, opts.image)
    rec = await startHost(rec, writeRecord)
    await waitForBoot(rec, opts.bootTimeoutMs, opts.waitForSsh ?? true)
  } catch (e) {
    await halt(readRecord(name) ?? rec)
    throw e
  }
  await withLock('hosts', async () => writeSandboxInventory(readRecords()))
  return describeHost(rec)
}

/** An address the inventory chose: free, and on the sandbox management network. */
function claimAddress(name: string, address: string, used: ReadonlyMap<string, string>): string {
  const holder = used.get(address)
  if (holder && holder !== name)
    throw new SandboxError(`${name} needs ${address}, but sandbox host ${holder} has it`, {
      fix: `destroy ${holder} first: stackhouse sandbox destroy ${holder}`,
    })
  const net = parseCidr(sandboxNetworks.management.cidr).cidr!
  const ip = parseIp(address)
  if (ip === undefined || !contains(net, ip) || address === sandboxNetworks.management.gateway) {
    throw new SandboxError(`${name}: address ${address} is not a host address of the sandbox network ${sandboxNetworks.management.cidr}`, {
      fix: `use an address from 10.77.0.11 up for target: sandbox hosts`,
    })
  }
  return address
}

/** Stop a host that failed to come up and release its mounts, keeping its folder. */
async function halt(rec: HostRecord): Promise<void> {
  await stopHost(rec).catch(() => {})
  await unmountAll(hostDir(rec.name)).catch(() => {})
}
