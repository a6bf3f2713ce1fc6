// SPDX-License-Identifier: Apache-2.0
// The installer's own deploy on the appliance (the library call, local transport),
// the console naming each role as it starts, then the wait for the cloud and verify.
import { deployCloud } from '../../installer/commands/deploy.ts'
import { verifyDeployedCloud } from '../../installer/commands/verify.ts'
import { resolveCloud } from '../../installer/plan/resolve.ts'
import type { Project } from '../../installer/project.ts'
import { roles } from '../../roles/index.ts'
import type { ApplianceStatus } from './banner.ts'
import { FirstBootError } from './errors.ts'
import { applianceFiles } from './files.ts'
import { waitForCloud } from './health.ts'
import { log } from './log.ts'

/**
 * How every deploy on the appliance runs: here, with the local transport, and with
 * the test guest image the VM carries (building one needs the network).
 */
export const applianceDeploy = {
  local: true,
  guestImage: { existing: applianceFiles.guestImage, build: async () => ({ path: applianceFiles.guestImage }) },
} as const

/**
 * The deploy on this VM, the console naming each role as it starts (numbered among
 * `steps`, which ends with post-deploy and verify), then the wait for the cloud and
 * verify. Throws a FirstBootError naming the failed task or check.
 */
export async function deployAndVerify(project: Project, steps: string[], show: (s: ApplianceStatus) => void): Promise<void> {
  let current = ''
  const report = await deployCloud(project, roles, {
    ...applianceDeploy,
    renderer: 'simple',
    // Roles configure concurrently: the console names the role whose task started last, numbered in deploy order.
    onEvent: (e) => {
      if (e.type !== 'task') return
      const role = e.phase.replace(/\.packages$/, '')
      if (role === current || !steps.includes(role)) return
      current = role
      show({ state: 'configuring', step: steps.indexOf(role) + 1, of: steps.length, what: role })
    },
  })
  if (report.failures.length) {
    const f = report.failures[0]!
    // The console gets one line; the log gets what the command said.
    for (const x of report.failures) if (x.stderr) log(`${x.task} on ${x.host}:\n${x.stderr}`)
    throw new FirstBootError(f.task.split('.')[0] ?? f.task, `${f.task}: ${f.message} (log ${f.log})`)
  }
  show({ state: 'configuring', step: steps.length, of: steps.length, what: 'verify' })
  // Re-run after a power cut, the deploy changes nothing and restarts no agent: they report in by themselves.
  await waitForCloud(project, 10 * 60_000, (down) => log(`waiting for ${down.join(', ')}`))
  const verified = await verifyDeployedCloud(project, { local: true })
  const failed = verified.checks.filter((c) => c.status === 'fail')
  if (failed.length)
    throw new FirstBootError(
      `verify (${failed.map((c) => c.id).join(', ')})`,
      `verify failed: ${failed.map((c) => `${c.id}: ${c.message}`).join('; ')} (log ${verified.logFile})`,
    )
}

/** The roles of this VM's cloud, in deploy order, between what comes before them and post-deploy and verify. */
export function deploySteps(project: Project, before: string[]): string[] {
  return [...before, ...resolveCloud(project.model, roles).hosts[0]!.roles.map((r) => r.role.name), 'post-deploy', 'verify']
}
