// SPDX-License-Identifier: Apache-2.0
// The appliance's first boot: settings → network → inventory → fresh secrets →
// the installer's own deploy on this machine (the library call, local transport)
// → verify → "Ready". Every step shows on the console. A failure says which step
// and where its log is, and the unit stops there: no half-configured cloud is
// called Ready. Run again (the unit does it at the next boot), it carries on from
// what is done, since the deploy is idempotent.
import { spawnSync } from 'node:child_process'
import { join } from 'node:path'
import { createClass } from '../../installer/labs/class.ts'
import { loadProject } from '../../installer/project.ts'
import { secretCatalog } from '../../installer/secrets/names.ts'
import { setSecret } from '../../installer/secrets/store.ts'
import { roles } from '../../roles/index.ts'
import { showStatus, type ApplianceStatus } from './banner.ts'
import { blankPasswords } from './blank.ts'
import { useDataDisk } from './data-disk.ts'
import { deployAndVerify, deploySteps } from './deploy.ts'
import { FirstBootError } from './errors.ts'
import { applianceFiles, writeAtomic } from './files.ts'
import { applyHost, waitForLease, writeHosts } from './host.ts'
import { applianceInventory } from './inventory.ts'
import { log } from './log.ts'
import { floatingMode } from './network.ts'
import { applianceClass, readyStatus } from './ready.ts'
import { resolveSettings } from './settings.ts'
import { readSources, seedDir } from './sources.ts'

export interface FirstBootResult {
  ok: boolean
  status: ApplianceStatus
}

/** First boot, start to end. Never throws: the outcome is on the console, in the log and in the result. */
export async function firstBoot(): Promise<FirstBootResult> {
  let iface = 'lo'
  const show = (s: ApplianceStatus) => {
    showStatus(s, iface)
    log(`status: ${JSON.stringify(s)}`)
  }
  // Role names join once the model is known; until then the count is the roles Stackhouse has.
  let steps = ['settings', 'network', ...roles.map((r) => r.name), 'post-deploy', 'verify']
  let step = 0
  const next = (what: string) => show({ state: 'configuring', step: ++step, of: steps.length, what })
  try {
    next('settings')
    const found = readSources()
    const { settings, problems } = resolveSettings(found.sources)
    const all = [...found.problems, ...problems]
    for (const p of all) log(`setting ${p.property} (${p.source}) ${p.message}: ${p.fix}`)
    if (all.length || !settings) {
      const p = all[0]!
      throw new FirstBootError(
        'settings',
        `${p.property} ${p.message} (${p.source}); ${p.fix}${all.length > 1 ? ` (+${all.length - 1} more in the log)` : ''}`,
      )
    }
    log(`settings from ${found.sources.map((s) => s.name).join(', ') || 'the defaults'}`)
    next('network')
    const host = applyHost(settings)
    iface = host.iface
    const lease = await waitForLease(iface, settings)
    if (floatingMode(settings) === 'lan' && !lease.gateway)
      throw new FirstBootError('network', `floating IPs on the LAN need a gateway, and ${iface} has none`)
    writeHosts(settings.hostname, lease.address)
    log(`address ${lease.address} on ${iface} (${lease.cidr}${lease.gateway ? `, gateway ${lease.gateway}` : ''})`)
    // Before the deploy makes the OSD file and Swift's devices: onto the second disk when the VM has one.
    // (A host's later deploy, from the deployer's inventory, finds them there too.)
    log(useDataDisk(log))
    if (settings.mode === 'host') {
      writeAtomic(
        applianceFiles.hostDone,
        `${JSON.stringify({ finishedAt: new Date().toISOString(), address: lease.address, iface }, null, 2)}\n`,
        0o644,
      )
      const status: ApplianceStatus = { state: 'host', address: lease.address }
      show(status)
      return { ok: true, status }
    }
    writeAtomic(applianceFiles.inventory, applianceInventory(settings, lease), 0o644)
    const { adminPassword: _never, ...kept } = settings
    writeAtomic(applianceFiles.settings, `${JSON.stringify(kept, null, 2)}\n`)
    // Every secret is made here, on this VM: none is in the image.
    const project0 = loadProject({ inventory: applianceFiles.inventory, secrets: applianceFiles.secrets, createSecrets: true, roles })
    if (settings.adminPassword) setSecret(applianceFiles.secrets, 'admin_password', settings.adminPassword, secretCatalog(roles))
    const project = settings.adminPassword
      ? loadProject({ inventory: applianceFiles.inventory, secrets: applianceFiles.secrets, roles })
      : project0
    steps = deploySteps(project, ['settings', 'network'])
    await deployAndVerify(project, steps, show)
    if (settings.labs.set !== 'none' && settings.labs.students > 0) {
      // Before the done mark: a power cut here makes the class on the next boot (students kept, passwords too).
      show({ state: 'configuring', step: steps.length, of: steps.length, what: 'labs' })
      const sheet = await createClass(project, applianceClass, settings.labs.students)
      log(`class ${applianceClass}: ${sheet.students.length} students in ${sheet.seconds.toFixed(0)} s; their logins: ${sheet.file}`)
    }
    blankPasswords(join(seedDir, 'ovf-env.xml'))
    writeAtomic(
      applianceFiles.done,
      `${JSON.stringify({ finishedAt: new Date().toISOString(), address: lease.address, iface }, null, 2)}\n`,
      0o644,
    )
    const status = readyStatus(project)
    // The lab guide's unit waits for first boot's mark: this boot starts it itself.
    spawnSync('systemctl', ['start', '--no-block', 'stackhouse-labs.service'], { stdio: 'ignore', timeout: 10_000 })
    show(status)
    return { ok: true, status }
  } catch (e) {
    const known = e instanceof FirstBootError
    const what = known ? e.what : 'first boot'
    // A known failure is said in its own words; anything else is a bug, with its stack.
    log(`failed: ${known ? e.message : ((e as Error).stack ?? String(e))}`)
    const repair =
      what === 'settings'
        ? "correct the VM's settings (vSphere: Edit Settings, vApp Options), then: systemctl restart stackhouse-first-boot"
        : 'systemctl restart stackhouse-first-boot'
    const status: ApplianceStatus = { state: 'failed', what, log: applianceFiles.log, detail: (e as Error).message.split('\n')[0], repair }
    show(status)
    return { ok: false, status }
  }
}
