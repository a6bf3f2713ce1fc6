// SPDX-License-Identifier: Apache-2.0
// Every boot after the first (a reboot or a power cut): the cloud's units start by
// themselves; this waits until `status` calls the cloud healthy and says so on the
// console, or names what did not come back and the one command that repairs it.
import { loadProject, type Project } from '../../installer/project.ts'
import { verifyCloud } from '../../installer/verify/index.ts'
import { waitUntilHealthy, type StatusReport } from '../../installer/status.ts'
import { roles } from '../../roles/index.ts'
import { showStatus, type ApplianceStatus } from './banner.ts'
import { applianceFiles, log, readyStatus } from './run.ts'
import { readFileSync } from 'node:fs'

/** What is not up, in a few words. */
export function notUp(r: StatusReport): string[] {
  return [
    ...r.hosts.flatMap((h) =>
      h.reachable ? [...h.units.filter((u) => u.state !== 'active').map((u) => u.unit), ...h.failed] : [`${h.host} unreachable`],
    ),
    ...r.apis.filter((a) => !a.answers).map((a) => `${a.service} API`),
    ...r.missingDaemons,
    ...r.daemons.filter((d) => !d.up).map((d) => `${d.binary}@${d.host}`),
  ].filter((x, i, all) => all.indexOf(x) === i)
}

export async function afterBoot(waitMs: number): Promise<{ ok: boolean; status: ApplianceStatus }> {
  // The interface that holds the address, as first boot recorded it.
  const { iface } = JSON.parse(readFileSync(applianceFiles.done, 'utf8')) as { iface: string }
  const project = loadProject({ inventory: applianceFiles.inventory, secrets: applianceFiles.secrets, roles })
  const started = Date.now()
  let polls = 0
  const report = await waitUntilHealthy(project, roles, {
    local: true,
    waitMs,
    everyMs: 5000,
    onPoll: (r) => {
      const down = notUp(r)
      polls++
      log(r.healthy ? 'healthy' : `waiting for ${down.join(', ')}`)
      if (!r.healthy)
        showStatus(
          {
            state: 'configuring',
            step: polls,
            of: Math.ceil(waitMs / 5000),
            what: `starting: waiting for ${down.slice(0, 3).join(', ')}${down.length > 3 ? ', …' : ''}`,
          },
          iface,
        )
    },
  })
  // Healthy daemons are not yet a working network: the L3 agent re-plugs the routers after a boot.
  const routed = report.healthy && (await routersAnswer(project, started + waitMs))
  const status: ApplianceStatus = routed
    ? readyStatus(project)
    : {
        state: 'failed',
        what: report.healthy ? "the demo router's gateway (neutron-l3-agent)" : notUp(report).slice(0, 4).join(', ') || 'the cloud',
        log: 'stackhouse status',
        repair: 'stackhouse appliance repair',
      }
  showStatus(status, iface)
  log(`status: ${JSON.stringify(status)}`)
  return { ok: routed, status }
}

/** Until the deadline: does the demo router's gateway answer ping from here (verify's own check)? */
async function routersAnswer(project: Project, deadline: number): Promise<boolean> {
  for (;;) {
    const v = await verifyCloud(project, { only: ['network.router'], installMachinePackages: false })
    const failed = v.checks.filter((c) => c.status === 'fail')
    if (!failed.length) return true
    log(`waiting for ${failed.map((c) => `${c.id}: ${c.message}`).join('; ')}`)
    if (Date.now() >= deadline) return false
  }
}
