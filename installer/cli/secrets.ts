// SPDX-License-Identifier: Apache-2.0
import { Command } from 'commander'
import { existsSync, readFileSync } from 'node:fs'
import { roles } from '../../roles/index.ts'
import { loadProject, projectPaths } from '../project.ts'
import { rotateSecrets } from '../secrets/rotate.ts'
import { secretCatalog } from '../secrets/names.ts'
import { ensureSecrets, readSecrets, setSecret } from '../secrets/store.ts'
import { UsageError } from '../errors.ts'
import { out, style } from './_style.ts'
import { projectOptions, withProject, type ProjectFlags } from './_options.ts'

const list = withProject(new Command('list').description('list secret names and whether each is set (never the values); creates nothing'))
  .option('--json', 'print as JSON')
  .action((flags: ProjectFlags & { json?: boolean }) => {
    const { secrets: file } = projectPaths(projectOptions(flags))
    const exists = existsSync(file)
    const values = readSecrets(file)
    const catalog = secretCatalog(roles)
    const rows = catalog.names.map((name) => ({
      name,
      kind: catalog.kindOf(name),
      set: values[name] !== undefined,
      identifier: catalog.identifiers.includes(name),
    }))
    if (flags.json) return out(JSON.stringify({ file, exists, secrets: rows }, null, 2))
    if (!exists)
      out(
        style.yellow(`${file} does not exist; make it with: stackhouse secrets generate${flags.inventory ? ` -i ${flags.inventory}` : ''}`),
      )
    for (const r of rows)
      out(
        `  ${r.set ? style.green('set  ') : style.yellow('unset')}  ${r.name} ${style.dim(`(${r.kind}${r.identifier ? ', an identifier, not secret' : ''})`)}`,
      )
  })

const generate = withProject(
  new Command('generate').description('make the secrets that are missing (all of them for a new cloud); never changes one that is set'),
)
  .option('--json', 'print as JSON')
  .action((flags: ProjectFlags & { json?: boolean }) => {
    const { secrets: file } = projectPaths(projectOptions(flags))
    const { generated, tightened } = ensureSecrets(file, secretCatalog(roles))
    if (flags.json) return out(JSON.stringify({ file, generated }, null, 2))
    out(
      generated.length
        ? `${style.green('✔')} generated ${generated.length} secret(s) in ${file} (mode 0600): keep it private and backed up`
        : `${style.green('✔')} ${file} already holds every secret; nothing changed`,
    )
    if (tightened) out(style.yellow(`${file} was readable by others: its mode is now 0600`))
    // With TLS on and no certificate of the operator's, the deployment's CA is made with the secrets.
    for (const c of loadProject({ ...projectOptions(flags), makeCertificates: true }).certificates ?? [])
      out(`${style.green('✔')} made ${c.name === 'ca' ? "the deployment's CA" : `the ${c.name} certificate`} (${c.reason}): ${c.cert}`)
  })

const show = withProject(new Command('show').description('print one secret value (the only command that does)'))
  .argument('<name>', 'secret name, see "stackhouse secrets list"')
  .action((name: string, flags: ProjectFlags) => {
    if (!secretCatalog(roles).has(name)) throw new UsageError(`no secret is named "${name}"`, 'see "stackhouse secrets list"')
    const { secrets: file } = projectPaths(projectOptions(flags))
    if (!existsSync(file))
      throw new UsageError(
        `${file} does not exist`,
        `make it with: stackhouse secrets generate${flags.inventory ? ` -i ${flags.inventory}` : ''}`,
      )
    const value = readSecrets(file)[name]
    if (value === undefined) throw new UsageError(`${name} is not set`, `set it with: stackhouse secrets set ${name} < value-file`)
    out(value)
  })

const set = withProject(new Command('set').description('set one secret from standard input (e.g. vsphere_password)'))
  .argument('<name>', 'secret name')
  .action((name: string, flags: ProjectFlags) => {
    const { secrets: file } = projectPaths(projectOptions(flags))
    if (process.stdin.isTTY)
      throw new UsageError('the value is read from standard input', `e.g. stackhouse secrets set ${name} < value-file`)
    // Read the value from stdin, not argv: command lines end up in shell history and ps.
    setSecret(file, name, readFileSync(0, 'utf8').replace(/\r?\n$/, ''), secretCatalog(roles))
    out(`${style.green('✔')} ${name} set in ${file}`)
  })

const rotate = withProject(
  new Command('rotate').description(
    'new values for passwords and keys a deploy can carry to the running cloud, and what the next deploy changes and restarts',
  ),
)
  .argument('<name...>', 'secret names, see "stackhouse secrets list"')
  .option('--dry-run', 'show what the next deploy would change and restart; write nothing')
  .option('--json', 'print the plan as JSON')
  .action((names: string[], flags: ProjectFlags & { dryRun?: boolean; json?: boolean }) => {
    const project = loadProject(projectOptions(flags))
    const file = project.paths.secrets
    const plan = rotateSecrets(project, roles, names.flatMap((n) => n.split(',')).filter(Boolean), { dryRun: flags.dryRun })
    if (flags.json) return out(JSON.stringify({ file, dryRun: !!flags.dryRun, ...plan }, null, 2))
    out(
      flags.dryRun
        ? `Would rotate ${plan.rotated.length} secret(s) in ${file} (nothing written):`
        : `${style.green('✔')} rotated ${plan.rotated.length} secret(s) in ${file}; the old file is ${plan.backup} (mode 0600)`,
    )
    for (const r of plan.rotated) out(`  ${style.cyan(r.name)}: ${r.applies}`)
    out(`The next deploy writes ${plan.files.length} file(s):`)
    for (const f of plan.files)
      out(`  ${f.host.padEnd(10)} ${f.path}${f.restarts.length ? style.dim(` → restarts ${f.restarts.join(' ')}`) : ''}`)
    for (const r of plan.restarts.filter((x) => x.units.length)) out(`Restarts on ${r.host}: ${r.units.join(' ')}`)
    const again = `stackhouse deploy${flags.inventory ? ` -i ${flags.inventory}` : ''}${flags.secrets ? ` --secrets ${flags.secrets}` : ''}`
    out(
      flags.dryRun
        ? `Rotate: stackhouse secrets rotate ${names.join(' ')}${flags.inventory ? ` -i ${flags.inventory}` : ''}`
        : style.yellow(`Until ${again} runs, the cloud keeps the old values: run it now.`),
    )
  })

export const secretsCommand = new Command('secrets')
  .description('the secrets of a cloud in secrets.yaml (mode 0600): generate them once, list names, show or set one, rotate')
  .addCommand(generate)
  .addCommand(list)
  .addCommand(show)
  .addCommand(set)
  .addCommand(rotate)
