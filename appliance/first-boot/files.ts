// SPDX-License-Identifier: Apache-2.0
// Where the appliance keeps its cloud and first boot's own files, and how they
// are written (whole or not at all).
import { mkdirSync, renameSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'

/** Where the appliance keeps its cloud: inventory, secrets, and the state folder (.stackhouse: logs, credentials). */
export const applianceHome = '/var/lib/stackhouse/appliance'
export const applianceFiles = {
  inventory: join(applianceHome, 'inventory.yml'),
  secrets: join(applianceHome, 'secrets.yaml'),
  /** First boot's log, and each later boot's wait for the cloud. */
  log: '/var/log/stackhouse/appliance.log',
  /** Written when first boot has finished: the seed is not read again. */
  done: join(applianceHome, 'first-boot.json'),
  /** Written instead when first boot has made this VM a host for a multi-host inventory: no cloud, no banner or lab guide after. */
  hostDone: join(applianceHome, 'host.json'),
  /** The settings in effect, without the password. */
  settings: join(applianceHome, 'settings.json'),
  guestImage: '/opt/stackhouse/guest-image/guest.qcow2',
}

export function writeAtomic(path: string, text: string, mode = 0o600): void {
  mkdirSync(applianceHome, { recursive: true, mode: 0o700 })
  writeFileSync(`${path}.tmp`, text, { mode })
  renameSync(`${path}.tmp`, path)
}
