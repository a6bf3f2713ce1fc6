// SPDX-License-Identifier: Apache-2.0
// Every boot after the first (a reboot or a power cut): the cloud's units start by
// themselves; this waits until the cloud is healthy and routed and says so on the
// console, or names what did not come back and the one command that repairs it.
// When the VM holds another address than its cloud was deployed for, the cloud
// follows it first (./readdress.ts).
import { spawnSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { showStatus, type ApplianceStatus } from './banner.ts'
import { waitForCloud } from './health.ts'
import { followAddress } from './readdress.ts'
import { FirstBootError } from './errors.ts'
import { applianceFiles } from './files.ts'
import { log } from './log.ts'
import { readyStatus } from './ready.ts'

export async function afterBoot(waitMs: number): Promise<{ ok: boolean; status: ApplianceStatus }> {
  // The interface that holds the address, as first boot recorded it.
  const { iface } = JSON.parse(readFileSync(applianceFiles.done, 'utf8')) as { iface: string }
  const show = (s: ApplianceStatus) => {
    showStatus(s, iface)
    log(`status: ${JSON.stringify(s)}`)
  }
  let followed: Awaited<ReturnType<typeof followAddress>>
  try {
    followed = await followAddress(iface, show)
  } catch (e) {
    // Whatever stopped the move, the console says so (a known failure in its words, anything else with its stack in the log).
    const known = e instanceof FirstBootError
    log(`failed: ${known ? e.message : ((e as Error).stack ?? String(e))}`)
    const status: ApplianceStatus = {
      state: 'failed',
      what: known ? e.what : 'following the new address',
      detail: (e as Error).message.split('\n')[0],
      log: applianceFiles.log,
      // The next boot takes the move up again; so does this.
      repair: 'systemctl restart stackhouse-banner',
    }
    show(status)
    return { ok: false, status }
  }
  const { project, moved } = followed
  if (moved) {
    // The lab guide serves the certificate it read at its start, made again for the new address.
    spawnSync('systemctl', ['try-restart', '--no-block', 'stackhouse-labs.service'], { stdio: 'ignore', timeout: 10_000 })
    const status = readyStatus(project)
    show(status)
    return { ok: true, status }
  }
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
  show(status)
  return { ok: waited.ok, status }
}
