// SPDX-License-Identifier: Apache-2.0
// The file that says "this machine is a Stackhouse appliance", written by the build.
// First boot rewrites the network, the host name and root's SSH key, so the
// commands that run on the appliance refuse to run anywhere else.
import { existsSync } from 'node:fs'
import { UsageError } from '../installer/errors.ts'
import { applianceFiles } from './first-boot/files.ts'

export const applianceMarker = '/etc/stackhouse/appliance.json'

/** Throw unless `marker` exists: the command belongs on the appliance. */
export function requireAppliance(what: string, marker = applianceMarker): void {
  if (!existsSync(marker))
    throw new UsageError(
      `${what} runs on the Stackhouse appliance only (${marker} is missing): it rewrites this machine's network, host name and SSH key`,
      'run it on a VM made from the appliance image (stackhouse appliance build)',
    )
}

/** Throw when first boot made this VM a host (mode host): it has no cloud of its own to change. */
export function requireOwnCloud(what: string, hostMark = applianceFiles.hostDone): void {
  if (existsSync(hostMark))
    throw new UsageError(
      `${what}: this VM is a host of a multi-host cloud (mode host), with no cloud of its own`,
      'change the cloud from its deployer: edit the inventory, then stackhouse deploy -i <inventory>',
    )
}
