// SPDX-License-Identifier: Apache-2.0
// The cloud follows its VM to a new address: a DHCP server that gave another lease
// at this boot, or reconfigure that set another static address. Every boot after the
// first compares the address the VM holds with its inventory's. When they differ,
// the inventory is written again and the deploy re-applies what names the address:
// every service's configuration, Ceph's monitor map, Swift's rings, Keystone's
// catalog and, with TLS, the certificate (made again for the new address). The
// console shows the progress as on first boot.
import { readFileSync } from 'node:fs'
import { loadProject, type Project } from '../../installer/project.ts'
import { roles } from '../../roles/index.ts'
import type { ApplianceStatus } from './banner.ts'
import { applianceInventory, type Lease } from './inventory.ts'
import { floatingMode } from './network.ts'
import { deployAndVerify, deploySteps } from './deploy.ts'
import { FirstBootError } from './errors.ts'
import { applianceFiles, writeAtomic } from './files.ts'
import { waitForLease, writeHosts } from './host.ts'
import { log } from './log.ts'
import type { ApplianceSettings } from './settings.ts'

/** What the cloud was deployed for: the inventory's address, network and gateway. */
export function deployedLease(project: Project): Lease {
  const host = project.model.hosts[0]!
  const mgmt = project.model.networks.management
  return {
    interface: mgmt.interface ?? '',
    address: host.address,
    cidr: mgmt.cidr,
    ...(mgmt.gateway ? { gateway: mgmt.gateway } : {}),
  }
}

/** The differences that move the cloud, in words ("" when there is none). */
export function addressChange(deployed: Lease, now: Lease): string {
  const moved: string[] = []
  if (deployed.address !== now.address) moved.push(`address ${deployed.address} → ${now.address}`)
  if (deployed.cidr !== now.cidr) moved.push(`network ${deployed.cidr} → ${now.cidr}`)
  if ((deployed.gateway ?? '') !== (now.gateway ?? '')) moved.push(`gateway ${deployed.gateway ?? 'none'} → ${now.gateway ?? 'none'}`)
  return moved.join(', ')
}

/** The settings first boot (or reconfigure) kept. */
export function keptSettings(): ApplianceSettings {
  return JSON.parse(readFileSync(applianceFiles.settings, 'utf8')) as ApplianceSettings
}

/**
 * The project of this VM's cloud at the address it holds now, re-deployed there
 * first when it moved. Throws a FirstBootError (shown on the console) when it cannot
 * follow: no address, or floating IPs on a LAN the VM is no longer on.
 */
export async function followAddress(iface: string, show: (s: ApplianceStatus) => void): Promise<{ project: Project; moved: string }> {
  const settings = keptSettings()
  const project = loadProject({ inventory: applianceFiles.inventory, secrets: applianceFiles.secrets, roles })
  const deployed = deployedLease(project)
  const now = await waitForLease(iface, settings)
  // A move that did not finish (a failure, a power cut) is taken up again: the inventory says the new address already.
  const done = JSON.parse(readFileSync(applianceFiles.done, 'utf8')) as Record<string, unknown>
  const unfinished = typeof done.movingTo === 'string' && done.movingTo === now.address
  const moved = addressChange(deployed, now) || (unfinished ? `to ${now.address}, finishing the move` : '')
  if (!moved) return { project, moved }
  log(`the VM moved: ${moved}`)
  if (floatingMode(settings) === 'lan' && now.cidr !== deployed.cidr)
    throw new FirstBootError(
      'network',
      `the VM is now on ${now.cidr}, and its floating range ${settings.floatingRange!.start}-${settings.floatingRange!.end} is on ${deployed.cidr}: put the VM back on that network, or build a new appliance for this one`,
    )
  const record = (fields: Record<string, unknown>) => writeAtomic(applianceFiles.done, `${JSON.stringify(fields, null, 2)}\n`, 0o644)
  record({ ...done, movingTo: now.address })
  const cloudName = project.model.hosts[0]!.name
  writeHosts(cloudName, now.address, settings.hostname)
  writeAtomic(applianceFiles.inventory, applianceInventory(settings, now, cloudName), 0o644)
  // A deploy's project: the certificate is made again for the new address.
  const moving = loadProject({ inventory: applianceFiles.inventory, secrets: applianceFiles.secrets, roles, makeCertificates: true })
  await deployAndVerify(moving, deploySteps(moving, ['network']), show)
  const { movingTo: _finished, ...rest } = done
  record({ ...rest, address: now.address, movedAt: new Date().toISOString() })
  log(`moved to ${now.address}`)
  return { project: moving, moved }
}
