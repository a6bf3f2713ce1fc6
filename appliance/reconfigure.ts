// SPDX-License-Identifier: Apache-2.0
// `stackhouse appliance reconfigure`, on the appliance after import: change a
// setting, checked by the same machinery as first boot, and re-apply only what it
// touches (a deploy here is idempotent: unchanged files, units and Keystone
// entities stay as they are). The admin password goes to Keystone on the next
// deploy; a floating range to Neutron's public subnet; an SSH key to root. A new
// address or network mode moves the VM at once, and the cloud follows it.
import { spawnSync } from 'node:child_process'
import { readFileSync, writeFileSync } from 'node:fs'
import { deployCloud } from '../installer/commands/deploy.ts'
import { verifyDeployedCloud } from '../installer/commands/verify.ts'
import { FixableError, UsageError } from '../installer/errors.ts'
import { parseIp } from '../installer/inventory/net.ts'
import { loadProject } from '../installer/project.ts'
import { secretCatalog } from '../installer/secrets/names.ts'
import { setSecret } from '../installer/secrets/store.ts'
import { roles } from '../roles/index.ts'
import { showStatus } from './first-boot/banner.ts'
import { applianceInventory } from './first-boot/inventory.ts'
import { deployedLease } from './first-boot/readdress.ts'
import { floatingMode } from './first-boot/network.ts'
import { applianceDeploy } from './first-boot/deploy.ts'
import { FirstBootError } from './first-boot/errors.ts'
import { applianceFiles, writeAtomic } from './first-boot/files.ts'
import { checkInventory } from '../installer/inventory/load.ts'
import { InventoryError } from '../installer/inventory/problems.ts'
import { findNic, setHostname, writeNetwork } from './first-boot/host.ts'
import { log } from './first-boot/log.ts'
import { readyStatus } from './first-boot/ready.ts'
import { resolveSettings, type ApplianceSettings } from './first-boot/settings.ts'
import { propertyPrefix } from './settings.ts'

/** The network settings: changed, the VM moves at once and the cloud follows it (./first-boot/readdress.ts). */
export const networkSettings = ['network.mode', 'network.address', 'network.gateway', 'network.dns', 'network.ntp'] as const
/** What reconfigure changes today, and what it refuses with the reason. */
export const reconfigurable = ['admin_password', 'ssh_key', 'cloud.floating_range', 'hostname', ...networkSettings] as const

/** The settings as property values again (what first boot kept: no password). */
export function propertiesOf(s: ApplianceSettings): Record<string, string> {
  const n = s.network
  return {
    hostname: s.hostname,
    'network.mode': n.mode,
    ...(n.mode === 'static'
      ? { 'network.address': `${n.address}/${n.prefix}`, 'network.gateway': n.gateway, 'network.dns': n.dns.join(',') }
      : {}),
    'network.ntp': n.ntp.join(','),
    ...(s.sshKey ? { ssh_key: s.sshKey } : {}),
    ...(s.floatingRange ? { 'cloud.floating_range': `${s.floatingRange.start}-${s.floatingRange.end}` } : {}),
    'cloud.tls': String(s.tls),
    'labs.set': s.labs.set,
    'labs.students': String(s.labs.students),
  }
}

export interface ReconfigureResult {
  /** The settings that changed. */
  changed: string[]
  /** What the deploy changed, one line each. */
  applied: string[]
  verified?: boolean
  /** The network changed: the VM's new address ("dhcp": the one its DHCP server gives), which the cloud is now moving to. */
  moving?: string
}

/** Apply `changes` (setting key → value, without the stackhouse. prefix); none: deploy and verify again (repair). */
export async function reconfigure(changes: Record<string, string>, opts: { verify?: boolean } = {}): Promise<ReconfigureResult> {
  for (const key of Object.keys(changes)) {
    if (!(reconfigurable as readonly string[]).includes(key))
      throw new UsageError(`${key} is not a setting reconfigure changes`, `change one of: ${reconfigurable.join(', ')}`)
  }
  // A move is deployed after this command, by the banner's unit; other changes need a deploy of their own.
  const keys = Object.keys(changes)
  const network = keys.filter((k) => (networkSettings as readonly string[]).includes(k))
  if (network.length && network.length < keys.length)
    throw new UsageError(
      'the address changes on its own: the cloud follows it after this command ends',
      'run reconfigure twice: the network settings first, then the rest',
    )
  let kept: ApplianceSettings
  try {
    kept = JSON.parse(readFileSync(applianceFiles.settings, 'utf8')) as ApplianceSettings
  } catch {
    throw new FixableError(`${applianceFiles.settings} cannot be read: first boot has not finished here`, {
      fix: 'run it on the appliance once the console says Ready',
    })
  }
  const prefixed = (o: Record<string, string>) => Object.fromEntries(Object.entries(o).map(([k, v]) => [`${propertyPrefix}${k}`, v]))
  const before0 = propertiesOf(kept)
  // Back to DHCP: the static address, gateway and DNS servers go with the old mode.
  if (changes['network.mode'] === 'dhcp') for (const k of ['network.address', 'network.gateway', 'network.dns']) delete before0[k]
  const { settings, problems } = resolveSettings([
    { name: 'the command line', values: prefixed(changes) },
    { name: applianceFiles.settings, values: prefixed(before0) },
  ])
  if (problems.length || !settings)
    throw new FixableError(problems.map((p) => `${p.property} ${p.message} (${p.source})`).join('; '), { fix: problems[0]?.fix ?? '' })
  if (floatingMode(settings) !== floatingMode(kept))
    throw new UsageError(
      settings.floatingRange
        ? 'floating IPs are on the internal network: moving them onto the LAN re-makes the network, which reconfigure does not do yet'
        : 'the floating range cannot be removed',
      'give another range on the same network',
    )
  const changed = reconfigurable.filter((k) => k in changes)
  const before = loadProject({ inventory: applianceFiles.inventory, secrets: applianceFiles.secrets, roles })
  const moves = networkSettings.some((k) => k in changes)
  if (moves) refuseLeavingFloatingNetwork(settings, before.model.networks.provider?.cidr)
  // The inventory is rewritten from the settings, with the address the VM has (a move writes its
  // own): checked before anything changes, written whole, and kept with the settings, so a failed
  // deploy is retried by repair with the same values.
  const lease = deployedLease(before)
  const text = applianceInventory(settings, lease, before.model.hosts[0]!.name)
  const wrong = moves ? [] : checkInventory(applianceFiles.inventory, text).problems.filter((p) => p.severity === 'error')
  if (wrong.length) throw new InventoryError(wrong)
  log(changed.length ? `reconfigure: ${changed.join(', ')}` : 'repair: deploying again', { echo: false })
  if (changes.admin_password) setSecret(applianceFiles.secrets, 'admin_password', changes.admin_password, secretCatalog(roles))
  if ('ssh_key' in changes) writeFileSync('/root/.ssh/authorized_keys', settings.sshKey ? `${settings.sshKey}\n` : '', { mode: 0o600 })
  if (moves) return moveNow(settings, changed)
  // A new host name is the machine's; the cloud keeps the name it was deployed with (Nova's
  // compute service and hypervisor, Neutron's agents, Ceph's monitor, RabbitMQ's node), and
  // /etc/hosts gives the new one as an alias (the deploy below writes it).
  if ('hostname' in changes) setHostname(settings.hostname)
  writeAtomic(applianceFiles.inventory, text, 0o644)
  keepSettings(settings)
  const project = loadProject({ inventory: applianceFiles.inventory, secrets: applianceFiles.secrets, roles })
  const report = await deployCloud(project, roles, { ...applianceDeploy, renderer: 'silent' })
  if (report.failures.length) {
    const f = report.failures[0]!
    throw new FixableError(`reconfigure: ${f.task}: ${f.message}`, {
      fix: `read ${f.log}, then run stackhouse appliance repair`,
      kind: 'hosts',
    })
  }
  const applied = report.changes.map((c) => `${c.task}: ${c.title}`)
  if (opts.verify === false) return { changed: [...changed], applied }
  const v = await verifyDeployedCloud(project, { local: true })
  const verified = v.checks.every((c) => c.status !== 'fail')
  if (verified) showStatus(readyStatus(project), lease.interface)
  return { changed: [...changed], applied, verified }
}

/** The settings in effect, without the password. */
function keepSettings(settings: ApplianceSettings): void {
  const { adminPassword: _never, ...rest } = settings
  writeFileSync(applianceFiles.settings, `${JSON.stringify(rest, null, 2)}\n`, { mode: 0o600 })
}

/** Floating IPs on the LAN stay on the network they were made for: a static address elsewhere is refused. */
function refuseLeavingFloatingNetwork(settings: ApplianceSettings, providerCidr: string | undefined): void {
  const n = settings.network
  if (floatingMode(settings) !== 'lan' || n.mode !== 'static' || !providerCidr) return
  const [net, bits] = providerCidr.split('/')
  const size = 2 ** (32 - Number(bits))
  const address = parseIp(n.address)!
  if (n.prefix !== Number(bits) || address - (address % size) !== parseIp(net!))
    throw new UsageError(
      `${n.address}/${n.prefix} is not on ${providerCidr}, where the floating range ${settings.floatingRange!.start}-${settings.floatingRange!.end} is`,
      `give an address on ${providerCidr}`,
    )
}

/**
 * The new network's files, then one job for systemd: networkd applies them (a session
 * over the old address ends there) and the banner's unit, which follows the VM's
 * address on every boot, moves the cloud after it. Neither depends on this command
 * outliving the session it runs in; the console shows the progress.
 */
function moveNow(settings: ApplianceSettings, changed: string[]): ReconfigureResult {
  try {
    writeNetwork(settings, findNic())
    keepSettings(settings)
  } catch (e) {
    if (e instanceof FirstBootError)
      throw new FixableError(e.message, { fix: "check the VM's network adapter, then run reconfigure again" })
    throw e
  }
  const units = ['systemd-networkd.service', 'stackhouse-banner.service']
  const r = spawnSync('systemctl', ['restart', '--no-block', ...units], { encoding: 'utf8', timeout: 30_000 })
  if (r.status !== 0)
    throw new FixableError(`systemctl could not start the move: ${(r.stderr || r.error?.message || '').trim()}`, {
      fix: 'reboot the appliance: every boot moves the cloud to the address the VM holds',
    })
  const n = settings.network
  return { changed, applied: [], moving: n.mode === 'static' ? n.address : 'dhcp' }
}
