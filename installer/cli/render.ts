// SPDX-License-Identifier: Apache-2.0
import { Command } from 'commander'
import { roles } from '../../roles/index.ts'
import { loadProject } from '../project.ts'
import { render } from '../render/render.ts'
import { checkOutputDir, writeRendered } from '../render/write.ts'
import { out, style } from './_style.ts'
import { projectOptions, withProject, type ProjectFlags } from './_options.ts'

export const renderCommand = withProject(
  new Command('render').description('write every configuration file each host will receive into a folder, to read and diff'),
)
  .requiredOption('-o, --out <dir>', 'folder to write (replaced on each render)')
  .option('--json', 'print the list of files as JSON')
  .action((flags: ProjectFlags & { out: string; json?: boolean }) => {
    checkOutputDir(flags.out)
    // Rendering needs no SSH key: an operator may read the files on a machine that will not deploy.
    const project = loadProject({ ...projectOptions(flags), localFiles: false })
    const files = render(project.model, roles, project.overrides)
    writeRendered(flags.out, files)
    if (flags.json) {
      const list = files.map(({ host, role, path, owner, group, mode }) => ({ host, role, path, owner, group, mode: mode.toString(8) }))
      out(JSON.stringify({ out: flags.out, files: list }, null, 2))
      return
    }
    const hosts = [...new Set(files.map((f) => f.host))]
    for (const h of hosts) out(`  ${style.bold(h)}  ${files.filter((f) => f.host === h).length} files`)
    out(
      `${style.green('✔')} rendered ${files.length} files for ${hosts.length} host(s) into ${flags.out}/<host>/ (modes and owners in <host>/MANIFEST)`,
    )
  })
