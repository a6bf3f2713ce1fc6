// SPDX-License-Identifier: Apache-2.0
import { Command } from 'commander'
import { existsSync, readFileSync } from 'node:fs'
import { relative, resolve } from 'node:path'
import { buildAppliance } from '../../appliance/build/build.ts'
import { afterBoot } from '../../appliance/first-boot/after-boot.ts'
import { bannerPaths, statusLine, type ApplianceStatus } from '../../appliance/first-boot/banner.ts'
import { applianceFiles } from '../../appliance/first-boot/files.ts'
import { firstBoot } from '../../appliance/first-boot/run.ts'
import { reconfigure, type ReconfigureResult } from '../../appliance/reconfigure.ts'
import { requireAppliance, requireOwnCloud } from '../../appliance/marker.ts'
import { roles } from '../../roles/index.ts'
import { UsageError } from '../errors.ts'
import { SandboxError } from '../sandbox/index.ts'
import { requireRoot } from '../sandbox/prereqs.ts'
import { folderArgument } from './_options.ts'
import { err, out, style } from './_style.ts'

interface BuildFlags {
  out: string
  vmx?: string
  raw?: boolean
  json?: boolean
}

const mib = (n: number) => `${(n / 2 ** 20).toFixed(0)} MiB`

const build = new Command('build')
  .description(
    'build the appliance: stackhouse-<version>.qcow2 and .ova from the pre-installed layer (needs root; about 5 min, 11 when the layer is built first)',
  )
  .option('--out <dir>', 'folder the images go to', 'out')
  .option('--vmx <n>', 'vSphere hardware version in the OVF (13 runs on ESXi 6.5 and newer)')
  .option('--raw', 'also keep the raw disk (stackhouse-<version>.raw, sparse)')
  .option('--json', 'print the build report as JSON')
  .action(async (flags: BuildFlags) => {
    const vmx = flags.vmx === undefined ? undefined : Number(flags.vmx)
    if (vmx !== undefined && !(Number.isInteger(vmx) && vmx >= 13 && vmx <= 21))
      throw new UsageError(`--vmx ${flags.vmx}: expected a whole number from 13 to 21`)
    requireRoot('building the appliance')
    const log = flags.json ? undefined : (line: string) => err(style.dim(`  ${line}`, process.stderr))
    try {
      const r = await buildAppliance({
        outDir: resolve(folderArgument(flags.out, '--out')),
        roles,
        ...(flags.raw ? { keepRaw: true } : {}),
        ...(vmx ? { vmx } : {}),
        ...(log ? { log } : {}),
      })
      if (flags.json) return out(JSON.stringify(r, null, 2))
      const rel = (p: string) => relative(process.cwd(), p)
      out(`${style.green('✔')} appliance ${r.version} built in ${r.seconds.total.toFixed(0)} s`)
      out(`  qcow2  ${rel(r.qcow2)}  ${mib(r.bytes.qcow2)}`)
      out(`  ova    ${rel(r.ova)}  ${mib(r.bytes.ova)} ${style.dim('(passes stackhouse’s OVA checker)')}`)
      if (r.raw) out(`  raw    ${rel(r.raw)}`)
      out(style.dim(`  KVM: virt-install --import --disk ${rel(r.qcow2)} --memory 16384 --vcpus 4 --osinfo debian12`))
    } catch (e) {
      if (!(e instanceof SandboxError)) throw e
      err(`${style.red('✖', process.stderr)} ${e.message}`)
      if (e.fix) err(`  fix: ${e.fix}`)
      process.exitCode = 1
    }
  })

const firstBootCommand = new Command('first-boot')
  .description(
    "on the appliance: configure the cloud from the VM's settings, deploy it here and verify it (run by stackhouse-first-boot.service)",
  )
  .action(async () => {
    requireAppliance('stackhouse appliance first-boot')
    requireRoot('the first boot')
    const r = await firstBoot()
    if (!r.ok) process.exitCode = 1
  })

const banner = new Command('banner')
  .description(
    'on the appliance, after a reboot: wait until the cloud is healthy and say so on the console, or name what did not come back',
  )
  .option('--wait <seconds>', 'how long to wait for the cloud', '600')
  .action(async (flags: { wait: string }) => {
    const wait = Number(flags.wait)
    if (!(Number.isInteger(wait) && wait >= 0)) throw new UsageError(`--wait ${flags.wait}: expected whole seconds`)
    requireAppliance('stackhouse appliance banner')
    requireRoot('the console banner')
    const r = await afterBoot(wait * 1000)
    if (!r.ok) process.exitCode = 6
  })

const status = new Command('status')
  .description('on the appliance: what the console says (configuring, ready or failed)')
  .option('--json', 'print it as JSON')
  .action((flags: { json?: boolean }) => {
    if (!existsSync(bannerPaths.json)) {
      out(flags.json ? '{"state":"unknown"}' : 'no status yet: this is not an appliance, or it has not started configuring')
      process.exitCode = 1
      return
    }
    const s = JSON.parse(readFileSync(bannerPaths.json, 'utf8')) as ApplianceStatus
    out(flags.json ? JSON.stringify(s) : statusLine(s))
    if (s.state === 'failed') process.exitCode = 1
  })

/** What reconfigure or repair did, and a failed verify (exit 5) with the command that shows it again. */
function showApplied(r: ReconfigureResult, summary: string): void {
  out(`${style.green('✔')} ${summary}`)
  for (const a of r.applied) out(style.dim(`  ${a}`))
  if (r.verified === false) {
    err(`${style.red('✖', process.stderr)} verify failed: run stackhouse verify -i ${applianceFiles.inventory} --local`)
    process.exitCode = 5
  }
}

interface ReconfigureFlags {
  address?: string
  gateway?: string
  dns?: string
  dhcp?: boolean
  floatingRange?: string
  sshKey?: string
  hostname?: string
  passwordStdin?: boolean
  verify: boolean
  json?: boolean
}

const reconfigureCommand = new Command('reconfigure')
  .description(
    "on the appliance, after first boot: change the address, the host name, the admin password, the floating range or root's SSH key, and re-apply what it touches",
  )
  .option('--address <address/prefix>', 'a static address, e.g. 192.0.2.10/24 (with --gateway): the VM moves at once and the cloud follows')
  .option('--gateway <address>', 'the default gateway of a static address')
  .option('--dns <servers>', 'DNS servers of a static address, comma-separated')
  .option('--dhcp', 'take the address from DHCP again')
  .option('--floating-range <first-last>', 'floating IPs, e.g. 192.0.2.100-192.0.2.199 (on the same network as before)')
  .option('--ssh-key <key>', 'the one OpenSSH public key root accepts ("" for none)')
  .option('--hostname <name>', "the VM's host name (the cloud keeps its first one for its services; this one becomes an alias)")
  .option('--password-stdin', 'read the new admin password from standard input (never from the command line)')
  .option('--no-verify', 'skip stackhouse verify afterwards')
  .option('--json', 'print the result as JSON')
  .action(async (flags: ReconfigureFlags) => {
    const changes: Record<string, string> = {}
    if (flags.dhcp && (flags.address ?? flags.gateway ?? flags.dns) !== undefined)
      throw new UsageError('--dhcp takes no --address, --gateway or --dns', 'give either --dhcp or a static address')
    if (flags.dhcp) changes['network.mode'] = 'dhcp'
    if (flags.address !== undefined) Object.assign(changes, { 'network.mode': 'static', 'network.address': flags.address })
    if (flags.gateway !== undefined) changes['network.gateway'] = flags.gateway
    if (flags.dns !== undefined) changes['network.dns'] = flags.dns
    if (flags.floatingRange !== undefined) changes['cloud.floating_range'] = flags.floatingRange
    if (flags.sshKey !== undefined) changes.ssh_key = flags.sshKey
    if (flags.hostname !== undefined) changes.hostname = flags.hostname
    if (flags.passwordStdin) changes.admin_password = readFileSync(0, 'utf8').replace(/\r?\n$/, '')
    if (!Object.keys(changes).length)
      throw new UsageError('nothing to change', 'give --address (or --dhcp), --hostname, --floating-range, --ssh-key or --password-stdin')
    requireAppliance('stackhouse appliance reconfigure')
    requireOwnCloud('stackhouse appliance reconfigure')
    requireRoot('reconfiguring the appliance')
    const r = await reconfigure(changes, { verify: flags.verify })
    if (flags.json) return out(JSON.stringify(r, null, 2))
    if (r.moving)
      return out(
        `${style.green('✔')} changed ${r.changed.join(', ')}: the VM now ${r.moving === 'dhcp' ? 'takes its address from DHCP' : `holds ${r.moving}`}, and the cloud is moving there. The console shows the progress; so does stackhouse appliance status on the VM.`,
      )
    showApplied(r, `changed ${r.changed.join(', ')}: ${r.applied.length ? `${r.applied.length} changes applied` : 'nothing else to apply'}`)
  })

const repairCommand = new Command('repair')
  .description(
    'on the appliance: deploy its cloud here again (only what drifted changes), then verify: what the console names after a failed boot',
  )
  .option('--no-verify', 'skip stackhouse verify afterwards')
  .option('--json', 'print the result as JSON')
  .action(async (flags: { json?: boolean; verify: boolean }) => {
    requireAppliance('stackhouse appliance repair')
    requireOwnCloud('stackhouse appliance repair')
    requireRoot('repairing the appliance')
    const r = await reconfigure({}, { verify: flags.verify })
    if (flags.json) return out(JSON.stringify(r, null, 2))
    showApplied(r, r.applied.length ? `${r.applied.length} changes applied` : 'nothing had drifted')
  })

/** `stackhouse appliance …`: the one-VM appliance, built here and configured on its first boot. */
export const applianceCommand = new Command('appliance')
  .description('the one-VM appliance (qcow2 and OVA): build it, and what runs on it')
  .addCommand(build)
  .addCommand(firstBootCommand)
  .addCommand(banner)
  .addCommand(status)
  .addCommand(reconfigureCommand)
  .addCommand(repairCommand)
