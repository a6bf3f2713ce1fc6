// SPDX-License-Identifier: Apache-2.0
// `stackhouse vsphere create-hosts` and `destroy-hosts`: the inventory's hosts as VMs
// on vSphere (appliance/vsphere-hosts.ts does the work).
import { Command } from 'commander'
import { existsSync, readFileSync } from 'node:fs'
import { homedir } from 'node:os'
import { dirname, join } from 'node:path'
import { createHosts, destroyHosts, hostsInventory, type HostsEvent } from '../../appliance/vsphere-hosts.ts'
import { UsageError } from '../errors.ts'
import { resolveLocalPath } from '../inventory/paths.ts'
import { projectPaths } from '../project.ts'
import { readSecrets } from '../secrets/store.ts'
import { liveView } from './_live.ts'
import { out, style } from './_style.ts'

interface HostsFlags extends PasswordFlags {
  inventory: string
  sshKey?: string
  timeout: string
  json?: boolean
}

interface PasswordFlags {
  inventory?: string
  secrets?: string
  passwordStdin?: boolean
}

/** The vSphere password: standard input when asked, else vsphere_password from the inventory's secrets file. */
export function vspherePassword(flags: PasswordFlags): string {
  if (flags.passwordStdin) {
    if (process.stdin.isTTY)
      throw new UsageError('--password-stdin reads the password from a pipe or file', '... --password-stdin < password-file')
    return readFileSync(0, 'utf8').replace(/\r?\n$/, '')
  }
  const file = projectPaths({ inventory: flags.inventory, ...(flags.secrets ? { secrets: flags.secrets } : {}) }).secrets
  const stored = existsSync(file) ? readSecrets(file).vsphere_password : undefined
  if (!stored)
    throw new UsageError(
      'the vSphere password is read from standard input or the secrets file, and neither gave one',
      `stackhouse secrets set vsphere_password -i ${flags.inventory} < password-file, or add --password-stdin`,
    )
  return stored
}

/** The deployer's public key: --ssh-key, else the one beside the inventory hosts' ssh.key, else ~/.ssh/id_ed25519.pub. */
function sshPublicKey(flags: HostsFlags): string {
  const { inv } = hostsInventory(flags.inventory)
  const hostKey = inv.hosts.find((h) => h.ssh?.key)?.ssh?.key
  const candidates = flags.sshKey
    ? [flags.sshKey]
    : [...(hostKey ? [`${resolveLocalPath(hostKey, dirname(flags.inventory))}.pub`] : []), join(homedir(), '.ssh', 'id_ed25519.pub')]
  const file = candidates.find((f) => existsSync(f))
  if (!file)
    throw new UsageError(
      `no SSH public key found (looked for ${candidates.join(', ')})`,
      'give the key the deployer logs in with: --ssh-key ~/.ssh/id_ed25519.pub (ssh-keygen -t ed25519 makes one)',
    )
  const key = readFileSync(file, 'utf8').trim()
  if (key.includes('PRIVATE KEY')) throw new UsageError(`--ssh-key ${file}: a private key`, 'give the .pub file')
  return key
}

function minutes(flags: HostsFlags): number {
  const m = Number(flags.timeout)
  if (!(Number.isInteger(m) && m > 0 && m <= 240)) throw new UsageError(`--timeout ${flags.timeout}: minutes from 1 to 240`)
  return m
}

/** Run `work` with a live view of its events; the view ends crossed when it throws. */
async function withView<T>(title: string, json: boolean | undefined, work: (on: (e: HostsEvent) => void) => Promise<T>): Promise<T> {
  const view = liveView(title, json)
  try {
    const r = await work((e) => (e.type === 'step' ? view.show('', e.title) : view.show(e.host, e.what)))
    await view.end(true)
    return r
  } catch (e) {
    await view.end(false, (e as Error).message)
    throw e
  }
}

const withAccess = (cmd: Command) =>
  cmd
    .requiredOption('-i, --inventory <file>', 'the inventory (target: vsphere, with vsphere.vms)')
    .option('--secrets <file>', 'secrets file holding vsphere_password (default: secrets.yaml beside the inventory)')
    .option('--password-stdin', "read the vSphere user's password from standard input instead")
    .option('--json', 'print the result as JSON')

export const createHostsCommand = withAccess(
  new Command('create-hosts')
    .description(
      "make the inventory's hosts as VMs cloned from the appliance template (first boot in mode host: name, address, SSH key, no cloud), wait for them, and write their addresses into the inventory",
    )
    .option(
      '--ssh-key <pub>',
      "the deployer's SSH public key for the hosts (default: the inventory's ssh.key + .pub, or ~/.ssh/id_ed25519.pub)",
    )
    .option('--timeout <minutes>', 'how long to wait for each host', '15'),
).action(async (flags: HostsFlags) => {
  const waitMs = minutes(flags) * 60_000
  const password = vspherePassword(flags)
  const sshKey = sshPublicKey(flags)
  const hosts = await withView(`create the hosts of ${flags.inventory}`, flags.json, (onEvent) =>
    createHosts({ inventory: flags.inventory, password, sshKey, waitMs, onEvent }),
  )
  if (flags.json) return out(JSON.stringify({ hosts }, null, 2))
  for (const h of hosts) out(`${style.green('✔')} ${h.name} (${h.vm}) at ${h.address}${h.created ? '' : ' (there already)'}`)
  out(`next: stackhouse deploy -i ${flags.inventory}`)
})

export const destroyHostsCommand = withAccess(
  new Command('destroy-hosts')
    .description("remove the VMs create-hosts made for the inventory's hosts (no other VM), and the addresses it wrote")
    .option('--yes', 'really remove them (every disk of those VMs goes)'),
).action(async (flags: HostsFlags & { yes?: boolean }) => {
  hostsInventory(flags.inventory)
  if (!flags.yes) throw new UsageError("this removes the inventory's host VMs and their disks", 'add --yes')
  const password = vspherePassword(flags)
  const r = await withView(`remove the hosts of ${flags.inventory}`, flags.json, (onEvent) =>
    destroyHosts({ inventory: flags.inventory, password, onEvent }),
  )
  if (flags.json) return out(JSON.stringify(r, null, 2))
  out(
    `${style.green('✔')} removed ${r.removed.length ? r.removed.join(', ') : 'nothing'}${r.absent.length ? ` (not there: ${r.absent.join(', ')})` : ''}`,
  )
})
