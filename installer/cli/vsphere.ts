// SPDX-License-Identifier: Apache-2.0
import { Command } from 'commander'
import { existsSync, readFileSync } from 'node:fs'
import { deployApplianceToVsphere } from '../../appliance/vsphere.ts'
import { UsageError } from '../errors.ts'
import type { PlacementNames } from '../vsphere/placement.ts'
import { liveView } from './_live.ts'
import { out, style } from './_style.ts'
import { createHostsCommand, destroyHostsCommand, vspherePassword } from './vsphere-hosts.ts'
import { hostsInventory, inventoryLogin, placementNames } from '../../appliance/vsphere-hosts.ts'
import type { VsphereLogin } from '../vsphere/session.ts'

/** The placement flags are PlacementNames' own fields (--resource-pool is resourcePool). */
interface DeployApplianceFlags extends Partial<PlacementNames> {
  inventory?: string
  secrets?: string
  url?: string
  user?: string
  passwordStdin?: boolean
  caFile?: string
  insecure?: boolean
  name: string
  set: string[]
  timeout: string
  template?: boolean
  json?: boolean
}

const collect = (v: string, all: string[]) => [...all, v]

/** KEY=VALUE settings, each checked for its shape here and for its value by the appliance's rules. */
function settingsOf(pairs: string[]): Record<string, string> {
  const out: Record<string, string> = {}
  for (const p of pairs) {
    const i = p.indexOf('=')
    if (i <= 0) throw new UsageError(`--set ${p}: expected KEY=VALUE`, 'e.g. --set network.mode=dhcp')
    const key = p.slice(0, i)
    if (/password/.test(key))
      throw new UsageError(
        `--set ${key}: a password never goes on the command line`,
        'leave it out: first boot makes one and shows where it is, or change it later with appliance reconfigure --password-stdin',
      )
    out[key] = p.slice(i + 1)
  }
  return out
}

/** The login and placement: from the flags, or from the inventory's vsphere: section (its vms: placement; flags override it). */
function target(ova: string, flags: DeployApplianceFlags): { login: VsphereLogin; placement: PlacementNames } {
  const named: Partial<PlacementNames> = {
    ...(flags.datastore ? { datastore: flags.datastore } : {}),
    ...(flags.network ? { network: flags.network } : {}),
    ...(flags.datacenter ? { datacenter: flags.datacenter } : {}),
    ...(flags.cluster ? { cluster: flags.cluster } : {}),
    ...(flags.host ? { host: flags.host } : {}),
    ...(flags.resourcePool ? { resourcePool: flags.resourcePool } : {}),
  }
  if (flags.inventory) {
    const given = (['url', 'user', 'caFile', 'insecure'] as const).filter((k) => flags[k] !== undefined)
    if (given.length)
      throw new UsageError(
        `--${given[0]!.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)} with -i: the inventory's vsphere: section says where vSphere is`,
        'leave it out, or change the inventory',
      )
    const { inv, vms } = hostsInventory(flags.inventory)
    const login = inventoryLogin(inv, flags.inventory, vspherePassword(flags))
    return { login, placement: { ...placementNames(vms), ...named } }
  }
  const missing = (['url', 'user', 'datastore', 'network'] as const).filter((k) => !flags[k])
  if (missing.length)
    throw new UsageError(
      `--${missing.join(', --')} missing`,
      `give ${missing.map((m) => `--${m}`).join(', ')}, or -i an inventory with a vsphere: section`,
    )
  if (!flags.passwordStdin || process.stdin.isTTY)
    throw new UsageError(
      'the vSphere password is read from standard input',
      `stackhouse vsphere deploy-appliance ${ova} ... --password-stdin < password-file`,
    )
  const password = readFileSync(0, 'utf8').replace(/\r?\n$/, '')
  if (flags.caFile && !existsSync(flags.caFile))
    throw new UsageError(`--ca-file ${flags.caFile}: no such file`, "download vCenter's CA from https://<vcenter>/certs/download.zip")
  const ca = flags.caFile ? readFileSync(flags.caFile, 'utf8') : undefined
  if (ca !== undefined && !ca.includes('-----BEGIN CERTIFICATE-----'))
    throw new UsageError(
      `--ca-file ${flags.caFile}: not a PEM certificate`,
      'give the CA as PEM (the .crt or .0 file from certs/download.zip)',
    )
  return {
    login: { url: flags.url!, user: flags.user!, password, ...(ca ? { ca } : {}), ...(flags.insecure ? { insecure: true } : {}) },
    placement: { ...named, datastore: flags.datastore!, network: flags.network! },
  }
}

const deployAppliance = new Command('deploy-appliance')
  .description("import the appliance's OVA into vSphere with its settings, power it on, and wait until it reports its address and Ready")
  .argument('<ova>', 'the OVA (stackhouse appliance build)')
  .option(
    '-i, --inventory <file>',
    "where vSphere is and where the VM goes from the inventory's vsphere: section (password: its secrets file or --password-stdin)",
  )
  .option('--secrets <file>', 'with -i: the secrets file holding vsphere_password (default: secrets.yaml beside the inventory)')
  .option('--url <url>', 'vCenter or ESXi, e.g. https://vcenter.example.com (the SDK is /sdk)')
  .option('--user <user>', 'e.g. administrator@vsphere.local')
  .option('--password-stdin', "read the vSphere user's password from standard input (never from the command line)")
  .option('--ca-file <pem>', "trust this CA for vSphere's certificate (besides the system's)")
  .option('--insecure', "do not check vSphere's certificate (this connection only)")
  .option('--datacenter <name>', 'default: the only one')
  .option('--cluster <name>', 'the cluster whose resource pool the VM goes to')
  .option('--host <name>', 'an ESXi host (in the cluster, if one is named)')
  .option('--resource-pool <name>', "default: the cluster's or host's own")
  .option('--datastore <name>', 'where the disks go')
  .option('--network <name>', "the port group the appliance's NIC joins")
  .option('--name <vm>', 'the VM name', 'stackhouse')
  .option('--set <key=value>', 'an appliance setting (repeatable), e.g. network.mode=static', collect, [])
  .option('--template', 'import only and make it a template (vCenter), for stackhouse vsphere create-hosts to clone')
  .option('--timeout <minutes>', 'how long to wait for Ready', '30')
  .option('--json', 'print the report as JSON')
  .action(async (ova: string, flags: DeployApplianceFlags) => {
    if (!existsSync(ova)) throw new UsageError(`${ova}: no such file`, 'build it with stackhouse appliance build')
    const minutes = Number(flags.timeout)
    if (!(Number.isInteger(minutes) && minutes > 0 && minutes <= 240))
      throw new UsageError(`--timeout ${flags.timeout}: minutes from 1 to 240`)
    if (flags.template && flags.set.length)
      throw new UsageError('--template takes no --set', 'each host made from it gets its settings from create-hosts')
    const { login, placement } = target(ova, flags)
    const abort = new AbortController()
    // Ctrl-C during the import: the lease is aborted and the half-made VM removed before exit;
    // a second Ctrl-C ends at once.
    process.on('SIGINT', () => {
      if (abort.signal.aborted) process.exit(130)
      abort.abort()
    })
    const view = liveView(flags.template ? `import ${ova} as the template ${flags.name}` : `deploy ${ova} as ${flags.name}`, flags.json)
    let shown = -1
    const report = await deployApplianceToVsphere({
      ova,
      login,
      placement,
      vmName: flags.name,
      settings: settingsOf(flags.set),
      ...(flags.template ? { template: true } : {}),
      waitMs: minutes * 60_000,
      signal: abort.signal,
      onEvent: (e) => {
        if (e.type === 'step') view.show('', e.title)
        else if (e.type === 'status') view.show('appliance', e.status)
        else {
          const pct = e.total ? Math.floor((e.sent / e.total) * 100) : 100
          // On a terminal the line is redrawn; in a log every tenth.
          if (process.stdout.isTTY || pct >= shown + 10 || pct === 100)
            view.show('upload', `${(shown = pct)}% (${(e.sent / 2 ** 20).toFixed(0)} of ${(e.total / 2 ** 20).toFixed(0)} MiB)`)
        }
      },
    }).catch(async (e: unknown) => {
      await view.end(false, (e as Error).message)
      throw e
    })
    await view.end(true)
    if (flags.json) return out(JSON.stringify({ vm: report.vm.value, address: report.address, status: report.status }, null, 2))
    out(`${style.green('✔')} ${flags.name} (${report.vm.value})${report.address ? ` at ${report.address}` : ''}: ${report.status}`)
  })

export const vsphereCommand = new Command('vsphere')
  .description("place the appliance and an inventory's hosts through the vSphere API")
  .addCommand(deployAppliance)
  .addCommand(createHostsCommand)
  .addCommand(destroyHostsCommand)
