// SPDX-License-Identifier: Apache-2.0
import { Command } from 'commander'
import { roles } from '../../roles/index.ts'
import { planHosts } from '../plan/plan.ts'
import { loadProject } from '../project.ts'
import { out, style } from './_style.ts'
import { projectOptions, withProject, type ProjectFlags } from './_options.ts'

export const planCommand = withProject(
  new Command('plan').description('show, per host, the roles, packages, files and services a deploy puts there'),
)
  .option('--json', 'print the plan as JSON')
  .action((flags: ProjectFlags & { json?: boolean }) => {
    // Rendering needs no SSH key: an operator may read the files on a machine that will not deploy.
    const project = loadProject({ ...projectOptions(flags), localFiles: false })
    const plan = planHosts(project.model, roles, project.overrides)
    if (flags.json) {
      out(JSON.stringify({ cloud: project.model.name, hosts: plan }, null, 2))
      return
    }
    for (const h of plan) {
      out(`${style.bold(h.host)} ${style.dim(`(${h.address}; ${h.groups.join(', ')})`)}`)
      for (const r of h.roles) {
        out(
          `  ${style.cyan(r.role.padEnd(10))} ${r.packages.length} packages, ${r.files.length} files, units: ${r.units.join(' ') || '-'}${r.unitsOff.length ? `; off: ${r.unitsOff.join(' ')}` : ''}`,
        )
      }
    }
    const files = plan.reduce((n, h) => n + h.roles.reduce((m, r) => m + r.files.length, 0), 0)
    out(`${plan.length} host(s), ${files} files. ${style.dim('What the hosts would change, with diffs: stackhouse deploy --check')}`)
  })
