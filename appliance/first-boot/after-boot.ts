// SPDX-License-Identifier: Apache-2.0
// Every boot after the first (a reboot or a power cut): the cloud's units start by
// themselves; this waits until the cloud is healthy and routed and says so on the
// console, or names what did not come back and the one command that repairs it.
import { readFileSync } from 'node:fs'
import { loadProject } from '../../installer/project.ts'
import { roles } from '../../roles/index.ts'
import { showStatus, type ApplianceStatus } from './banner.ts'
import { waitForCloud } from './health.ts'
import { applianceFiles, log, readyStatus } from './run.ts'

export async function afterBoot(waitMs: number): Promise<{ ok: boolean; status: ApplianceStatus }> {
  // The interface that holds the address, as first boot recorded it.
  const { iface } = JSON.parse(readFileSync(applianceFiles.done, 'utf8')) as { iface: string }
  const project = loadProject({ inventory: applianceFiles.inventory, secrets: applianceFiles.secrets, roles })
  const waited = await waitForCloud(project, waitMs, (down, poll) => {
    log(`waiting for ${down.join(', ')}`)
    showStatus(
      {
        state: 'configuring',
        step: poll,
        of: Math.ceil(waitMs / 5000),
        what: `starting: waiting for ${down.slice(0, 3).join(', ')}${down.length > 3 ? ', …' : ''}`,
      },
      iface,
    )
  })
  const status: ApplianceStatus = waited.ok
    ? readyStatus(project)
    : {
        state: 'failed',
        what: waited.unrouted ? "the demo router's gateway (neutron-l3-agent)" : waited.down.slice(0, 4).join(', ') || 'the cloud',
        log: 'stackhouse status',
        repair: 'stackhouse appliance repair',
      }
  showStatus(status, iface)
  log(`status: ${JSON.stringify(status)}`)
  return { ok: waited.ok, status }
}
