// SPDX-License-Identifier: Apache-2.0
// `stackhouse sandbox layer build|show|remove` as library calls. The layer is built
// by the deploy itself: a throwaway sandbox host gets the built-in cloud's package
// phases (`--only prepare`: the same apt transactions, debconf answers and held
// services as any deploy), its roles' units are disabled so that hosts made from it
// boot quiet until a deploy configures them, and its own files become the layer.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { deploy } from '../deploy.ts'
import { builtinInventory } from '../inventory/defaults.ts'
import { resolveCloud, unitsOn } from '../plan/resolve.ts'
import { loadProject } from '../project.ts'
import type { Role } from '../role/contract.ts'
import { createSandbox, destroySandbox, listSandboxes, sandboxExec, SandboxError } from '../sandbox/index.ts'
import { captureLayer, type LayerInfo } from '../sandbox/layer.ts'
import { shellQuote } from '../shell.ts'
import type { SandboxEvent } from './events.ts'

export type { LayerInfo } from '../sandbox/layer.ts'
/** The layer new sandbox hosts start from, if any; and stopping its use (hosts made from it keep it until destroyed). */
export { currentLayer as sandboxLayer, removeLayer as removeSandboxLayer } from '../sandbox/layer.ts'

/** The build host's name: a sandbox host like any other, destroyed when the build ends. */
export const layerBuildHost = 'layer-build'

/** Build the pre-installed layer of the built-in all-in-one cloud; new sandbox hosts start from it. Needs root. */
export async function buildSandboxLayer(roles: readonly Role[], opts: { onEvent?: (e: SandboxEvent) => void } = {}): Promise<LayerInfo> {
  const log = (line: string) => opts.onEvent?.({ type: 'sandbox', line })
  const started = Date.now()
  // A build killed half-way leaves its host: start again.
  if (listSandboxes().some((h) => h.name === layerBuildHost)) await destroySandbox(layerBuildHost)
  const dir = mkdtempSync(join(tmpdir(), 'stackhouse-layer-'))
  try {
    const host = await createSandbox(layerBuildHost, { layer: false, log })
    const inventory = join(dir, 'inventory.yml')
    writeFileSync(inventory, builtinInventory.replaceAll('aio1', layerBuildHost).replace('10.77.0.11', host.address))
    const project = loadProject({ inventory, createSecrets: true, roles })
    const enabledBefore = await enabledUnits(host.address)
    log('installing every package of the all-in-one cloud (services held, nothing configured)')
    const report = await deploy(project, roles, { only: ['prepare'], renderer: 'silent' })
    if (report.failures.length)
      throw new SandboxError(`building the layer: ${report.failures.map((f) => `${f.task}: ${f.message}`).join('; ')}`, {
        fix: `read ${report.failures[0]!.log}`,
      })
    // Loaded again: the deploy recorded the host's facts (virt_type), which choose packages.
    const { model } = loadProject({ inventory, roles })
    const { wanted, off } = unitsOn(model, roles, model.hosts[0]!)
    // Also the services the packages enabled that no role names (haproxy, nova's console proxies, ceph-crash):
    // nothing of the cloud may start unconfigured. Targets, sockets and timers stay as the packages left them.
    const enabledByPackages = (await enabledUnits(host.address)).filter((u) => u.endsWith('.service') && !enabledBefore.includes(u))
    await disableUnits(host.address, [...new Set([...wanted, ...off, ...enabledByPackages])])
    const packages = [...new Set(resolveCloud(model, roles).hosts[0]!.roles.flatMap((r) => r.packages))].sort()
    log(`taking the host's files as the layer (${packages.length} packages)`)
    return await captureLayer(layerBuildHost, {
      packages,
      seconds: (Date.now() - started) / 1000,
      builtBy: 'stackhouse sandbox layer build',
    })
  } finally {
    await destroySandbox(layerBuildHost).catch(() => {})
    rmSync(dir, { recursive: true, force: true })
  }
}

/** Unit files systemd lists as enabled on the build host. */
async function enabledUnits(address: string): Promise<string[]> {
  const r = await sandboxExec({ name: layerBuildHost, address }, 'systemctl list-unit-files --state=enabled --no-legend --plain')
  return r.stdout
    .split('\n')
    .map((l) => l.split(/\s+/)[0]!)
    .filter(Boolean)
}

/**
 * The packages enabled their units; a host made from the layer must not start them
 * unconfigured at its first boot. The deploy enables the ones its roles want.
 */
async function disableUnits(address: string, units: readonly string[]): Promise<void> {
  // Units of other host names (ceph-mon@<host>) do not exist here: no error for those.
  const script = units.map((u) => `systemctl disable --quiet -- ${shellQuote(u)} 2>/dev/null || true`).join('\n')
  await sandboxExec({ name: layerBuildHost, address }, script)
}
