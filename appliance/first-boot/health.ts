// SPDX-License-Identifier: Apache-2.0
// Waiting for a cloud whose units were just started (a boot, a power cut): until
// `status` calls it healthy, and then until the demo router answers, since the L3
// agent re-plugs routers only after it has reported in. First boot waits here
// before verify (after a power cut its deploy changes nothing and restarts no
// agent); every later boot waits here before it says Ready.
import type { Project } from '../../installer/project.ts'
import { waitUntilHealthy, type StatusReport } from '../../installer/status.ts'
import { verifyCloud } from '../../installer/verify/index.ts'
import { roles } from '../../roles/index.ts'

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

export interface CloudWait {
  /** Healthy and routed before the deadline. */
  ok: boolean
  /** What was still not up, when `status` never called the cloud healthy. */
  down: string[]
  /** Healthy, but the demo router's gateway never answered. */
  unrouted: boolean
}

/** Polls every 5 s until healthy and routed, or `waitMs` has passed; `onWait` hears each wait, with what it waits for. */
export async function waitForCloud(
  project: Project,
  waitMs: number,
  onWait: (waitingFor: string[], poll: number) => void,
): Promise<CloudWait> {
  const deadline = Date.now() + waitMs
  let polls = 0
  const report = await waitUntilHealthy(project, roles, {
    local: true,
    waitMs,
    everyMs: 5000,
    onPoll: (r) => {
      polls++
      if (!r.healthy) onWait(notUp(r), polls)
    },
  })
  if (!report.healthy) return { ok: false, down: notUp(report), unrouted: false }
  for (;;) {
    const v = await verifyCloud(project, { only: ['network.router'], installMachinePackages: false })
    const failed = v.checks.filter((c) => c.status === 'fail')
    if (!failed.length) return { ok: true, down: [], unrouted: false }
    onWait(["the demo router's gateway (neutron-l3-agent)"], ++polls)
    if (Date.now() >= deadline) return { ok: false, down: [], unrouted: true }
  }
}
