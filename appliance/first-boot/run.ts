// SPDX-License-Identifier: Apache-2.0
// The appliance's first boot: settings → network → inventory → fresh secrets →
// the installer's own deploy on this machine (the library call, local transport)
// → verify → "Ready". Every step shows on the console. A failure says which step
// and where its log is, and the unit stops there: no half-configured cloud is
// called Ready. Run again (the unit does it at the next boot), it carries on from
// what is done, since the deploy is idempotent.
import { spawnSync } from 'node:child_process'
import { appendFileSync, existsSync, mkdirSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { deployCloud } from '../../installer/commands/deploy.ts'
import { credentialFiles } from '../../installer/credentials.ts'
import { verifyDeployedCloud } from '../../installer/commands/verify.ts'
import { formatIp, parseIp } from '../../installer/inventory/net.ts'
import { defaultGuidePort } from '../../installer/labs/guide/server.ts'
import { createClass } from '../../installer/labs/class.ts'
import { Classroom } from '../../installer/labs/classroom.ts'
import { resolveCloud } from '../../installer/plan/resolve.ts'
import { loadProject, type Project } from '../../installer/project.ts'
import { secretCatalog } from '../../installer/secrets/names.ts'
import { setSecret } from '../../installer/secrets/store.ts'
import { roles } from '../../roles/index.ts'
import { showStatus, type ApplianceStatus } from './banner.ts'
import { useDataDisk } from './data-disk.ts'
import { applianceInventory, type Lease } from './inventory.ts'
import { addressInterface, floatingMode, networkFiles, pickNic, type Link } from './network.ts'
import { resolveSettings, type ApplianceSettings } from './settings.ts'
import { readSources, seedDir } from './sources.ts'
import { blankPasswords } from './blank.ts'
import { waitForCloud } from './health.ts'

/** Where the appliance keeps its cloud: inventory, secrets, and the state folder (.stackhouse: logs, credentials). */
export const applianceHome = '/var/lib/stackhouse/appliance'
export const applianceFiles = {
  inventory: join(applianceHome, 'inventory.yml'),
  secrets: join(applianceHome, 'secrets.yaml'),
  /** First boot's log, and each later boot's wait for the cloud. */
  log: '/var/log/stackhouse/appliance.log',
  /** Written when first boot has finished: the seed is not read again. */
  done: join(applianceHome, 'first-boot.json'),
  /** The settings in effect, without the password. */
  settings: join(applianceHome, 'settings.json'),
  guestImage: '/opt/stackhouse/guest-image/guest.qcow2',
}

/**
 * How every deploy on the appliance runs: here, with the local transport, and with
 * the test guest image the VM carries (building one needs the network).
 */
export const applianceDeploy = {
  local: true,
  guestImage: { existing: applianceFiles.guestImage, build: async () => ({ path: applianceFiles.guestImage }) },
} as const

/** "Ready", with where the dashboard, Keystone and the admin credentials are. */
export function readyStatus(project: Project): ApplianceStatus {
  return {
    state: 'ready',
    dashboard: project.model.dashboardUrl,
    keystone: project.model.endpoints.keystone.public,
    credentials: credentialFiles(project.paths.stateDir).adminOpenrc,
    labs: labGuideUrl(project),
    ...(existsSync(classSheet(project)) ? { classSheet: classSheet(project) } : {}),
  }
}

/** The class first boot makes when the settings ask for students (labs.set, labs.students). */
export const applianceClass = 'class'

/** Its credentials sheet: the students' logins (mode 0600). */
export const classSheet = (project: Project): string => join(new Classroom(project, applianceClass).dir, 'credentials.txt')

/** The lab guide's address: the dashboard's host, the guide's port. */
export function labGuideUrl(project: Project): string {
  // The guide serves https with the cloud's certificate when the dashboard does.
  const url = new URL(project.model.dashboardUrl)
  return `${url.protocol}//${url.hostname}:${defaultGuidePort}/`
}

export class FirstBootError extends Error {
  constructor(
    readonly what: string,
    message: string,
  ) {
    super(message)
  }
}

/** A line in the appliance's log (first boot, and every boot after) and on standard output (the journal). */
export function log(line: string, opts: { echo?: boolean } = {}): void {
  mkdirSync('/var/log/stackhouse', { recursive: true, mode: 0o700 })
  appendFileSync(applianceFiles.log, `${new Date().toISOString()} ${line}\n`, { mode: 0o600 })
  // Commands a person runs (reconfigure, repair) keep their output for themselves (--json).
  if (opts.echo !== false) process.stdout.write(`${line}\n`)
}

function sh(cmd: string, args: string[]): string {
  const r = spawnSync(cmd, args, { encoding: 'utf8', timeout: 120_000 })
  if (r.status !== 0) throw new FirstBootError('network', `${cmd} ${args.join(' ')}: ${(r.stderr || r.error?.message || '').trim()}`)
  return r.stdout
}

/** Apply the settings to the machine: host name, root's SSH key, the network. Returns the interface that holds the address. */
function applyHost(s: ApplianceSettings): { nic: string; iface: string } {
  const nic = findNic()
  writeFileSync('/etc/hostname', `${s.hostname}\n`)
  spawnSync('hostname', [s.hostname])
  if (s.sshKey) {
    mkdirSync('/root/.ssh', { recursive: true, mode: 0o700 })
    writeFileSync('/root/.ssh/authorized_keys', `${s.sshKey}\n`, { mode: 0o600 })
  }
  const iface = writeNetwork(s, nic)
  sh('systemctl', ['restart', 'systemd-networkd.service'])
  return { nic, iface }
}

/** The NIC Ethernet traffic uses, as first boot picks it. */
export function findNic(): string {
  const nic = pickNic(JSON.parse(sh('ip', ['-j', '-d', 'link', 'show'])) as Link[])
  if (!nic) throw new FirstBootError('network', 'no Ethernet interface found: give the VM a network adapter')
  return nic
}

/** networkd's files for the settings (applied when networkd restarts). Returns the interface that holds the address. */
export function writeNetwork(s: ApplianceSettings, nic: string): string {
  const dir = '/etc/systemd/network'
  mkdirSync(dir, { recursive: true })
  for (const f of readdirSync(dir).filter((f) => f.startsWith('05-stackhouse-'))) rmSync(join(dir, f))
  for (const [name, text] of Object.entries(networkFiles(s, nic))) writeFileSync(join(dir, name), text)
  return addressInterface(s, nic)
}

/**
 * The address the interface has (static at once, DHCP within a minute), with its
 * network and gateway. Only the one the settings ask for counts: a static address is
 * the settings' own, a DHCP one is a lease, so an address networkd has not yet taken
 * away after a change is never mistaken for the new one.
 */
export async function waitForLease(iface: string, s: ApplianceSettings): Promise<Lease> {
  const deadline = Date.now() + 120_000
  const n = s.network
  for (;;) {
    const addrs = JSON.parse(sh('ip', ['-j', '-4', 'addr', 'show', 'dev', iface]).trim() || '[]') as {
      addr_info?: { local: string; prefixlen: number; scope: string; dynamic?: boolean; valid_life_time?: number }[]
    }[]
    // A lease lasts a while; an address set by hand lasts forever (2^32 - 1).
    const leased = (x: { dynamic?: boolean; valid_life_time?: number }) =>
      x.dynamic === true || (x.valid_life_time ?? 2 ** 32 - 1) < 2 ** 32 - 1
    const a = addrs[0]?.addr_info?.find(
      (x) => x.scope === 'global' && (n.mode === 'static' ? x.local === n.address && x.prefixlen === n.prefix : leased(x)),
    )
    // A lease's default route comes a moment after its address: wait for it (a lease without one gives up at the deadline).
    // (A static address has its gateway in the settings: no route is read, and no device asked for before it exists.)
    const routes =
      n.mode === 'static' || !a
        ? []
        : (JSON.parse(sh('ip', ['-j', '-4', 'route', 'show', 'default', 'dev', iface]).trim() || '[]') as { gateway?: string }[])
    const gateway = n.mode === 'static' ? n.gateway : routes[0]?.gateway
    if (a && (gateway || Date.now() > deadline - 60_000)) {
      const size = 2 ** (32 - a.prefixlen)
      const network = parseIp(a.local)! - (parseIp(a.local)! % size)
      return { interface: iface, address: a.local, cidr: `${formatIp(network)}/${a.prefixlen}`, ...(gateway ? { gateway } : {}) }
    }
    if (Date.now() > deadline) throw new FirstBootError('network', `${iface} got no IPv4 address in 2 minutes (${s.network.mode})`)
    await new Promise((r) => setTimeout(r, 1000))
  }
}

/** /etc/hosts: the name resolves to the address, as OpenStack's services expect. */
export function writeHosts(name: string, address: string): void {
  writeFileSync('/etc/hosts', `127.0.0.1\tlocalhost\n${address}\t${name}\n::1\tlocalhost ip6-localhost ip6-loopback\n`)
}

export function writeAtomic(path: string, text: string, mode = 0o600): void {
  mkdirSync(applianceHome, { recursive: true, mode: 0o700 })
  writeFileSync(`${path}.tmp`, text, { mode })
  renameSync(`${path}.tmp`, path)
}

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
    log(useDataDisk(log))
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
