// SPDX-License-Identifier: Apache-2.0
import { Command } from 'commander'
import { readFileSync } from 'node:fs'
import { projectPaths } from '../project.ts'
import { kindOf, secretNames, isSecretName } from '../secrets/names.ts'
import { ensureSecrets, readSecrets, setSecret } from '../secrets/store.ts'
import { UsageError } from '../errors.ts'
import { out, style } from './_style.ts'
import { projectOptions, withProject, type ProjectFlags } from './_options.ts'

const list = withProject(new Command('list').description('list secret names and whether each is set (never the values)'))
  .option('--json', 'print as JSON')
  .action((flags: ProjectFlags & { json?: boolean }) => {
    const { secrets: file } = projectPaths(projectOptions(flags))
    const { generated, tightened } = ensureSecrets(file)
    const values = readSecrets(file)
    const rows = secretNames.map((name) => ({ name, kind: kindOf(name), set: values[name] !== undefined }))
    if (flags.json) return out(JSON.stringify({ file, generated, secrets: rows }, null, 2))
    if (generated.length) out(`generated ${generated.length} new secret(s) in ${file}`)
    if (tightened) out(style.yellow(`${file} was readable by others: its mode is now 0600`))
    for (const r of rows) out(`  ${r.set ? style.green('set  ') : style.yellow('unset')}  ${r.name} ${style.dim(`(${r.kind})`)}`)
  })

const show = withProject(new Command('show').description('print one secret value (the only command that does)'))
  .argument('<name>', 'secret name, see "stackhouse secrets list"')
  .action((name: string, flags: ProjectFlags) => {
    if (!isSecretName(name)) throw new UsageError(`no secret is named "${name}"`, 'see "stackhouse secrets list"')
    const { secrets: file } = projectPaths(projectOptions(flags))
    ensureSecrets(file)
    const value = readSecrets(file)[name]
    if (value === undefined) throw new UsageError(`${name} is not set`, `set it with: stackhouse secrets set ${name} < value-file`)
    out(value)
  })

const set = withProject(new Command('set').description('set one secret from standard input (e.g. vsphere_password)'))
  .argument('<name>', 'secret name')
  .action((name: string, flags: ProjectFlags) => {
    const { secrets: file } = projectPaths(projectOptions(flags))
    if (process.stdin.isTTY) throw new UsageError('the value is read from standard input', `e.g. stackhouse secrets set ${name} < value-file`)
    // Read the value from stdin, not argv: command lines end up in shell history and ps.
    setSecret(file, name, readFileSync(0, 'utf8').replace(/\r?\n$/, ''))
    out(`${style.green('✔')} ${name} set in ${file}`)
  })

export const secretsCommand = new Command('secrets')
  .description('generate secrets once into secrets.yaml (mode 0600); list names, show or set one')
  .addCommand(list)
  .addCommand(show)
  .addCommand(set)
