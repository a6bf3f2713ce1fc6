// SPDX-License-Identifier: Apache-2.0
import { Command } from 'commander'
import { existsSync, statSync, writeFileSync } from 'node:fs'
import { homedir } from 'node:os'
import { join } from 'node:path'
import { checkInventory } from '../inventory/load.ts'
import { initInventory, parseHostList } from '../inventory/init.ts'
import { UsageError } from '../errors.ts'
import { projectPaths } from '../project.ts'
import { roles } from '../../roles/index.ts'
import { secretCatalog } from '../secrets/names.ts'
import { ensureSecrets } from '../secrets/store.ts'
import { out, style } from './_style.ts'

export const initCommand = new Command('init')
  .description('write a commented starting inventory to edit')
  .argument('[file]', 'file to write', 'inventory.yml')
  .option('--hosts <list>', 'hosts as name=address,…; the first is the controller (the default is one all-in-one host)', 'aio1=10.0.0.11')
  .option('-f, --force', 'overwrite an existing file')
  .action((file: string, flags: { hosts: string; force?: boolean }) => {
    if (existsSync(file) && statSync(file).isDirectory())
      throw new UsageError(`${file} is a folder`, `name the file to write, e.g. ${file.replace(/\/$/, '')}/inventory.yml`)
    if (existsSync(file) && !flags.force)
      throw new UsageError(`${file} already exists`, 'pass --force to overwrite it, or name another file')
    let hosts
    try {
      hosts = parseHostList(flags.hosts)
    } catch (e) {
      throw new UsageError((e as Error).message, 'e.g. --hosts ctl1=10.0.0.11,cmp1=10.0.0.21')
    }
    const text = initInventory(hosts, defaultKey())
    // What init writes must pass validate as it stands.
    const { problems } = checkInventory(file, text)
    const errors = problems.filter((p) => p.severity === 'error')
    if (errors.length) throw new UsageError(`the hosts given do not make a valid inventory: ${errors[0]!.message}`)
    writeFileSync(file, text)
    out(`${style.green('✔')} wrote ${file} (${hosts.length} host${hosts.length > 1 ? 's' : ''})`)
    // A new cloud's secrets, made here on purpose (an existing file keeps every value).
    const { secrets } = projectPaths({ inventory: file })
    const { generated } = ensureSecrets(secrets, secretCatalog(roles))
    out(
      `${style.green('✔')} ${generated.length ? `generated ${generated.length} secrets in` : 'kept the secrets in'} ${secrets} (mode 0600): keep it private and backed up`,
    )
    out(`  next: edit it, then ${style.bold(`stackhouse validate -i ${file}`)}`)
  })

/** The user's usual key, as ~/… (the inventory then works for whoever runs it from their account). */
function defaultKey(): string | undefined {
  const name = ['id_ed25519', 'id_rsa'].find((k) => existsSync(join(homedir(), '.ssh', k)))
  return name && `~/.ssh/${name}`
}
