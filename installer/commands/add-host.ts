// SPDX-License-Identifier: Apache-2.0
// `stackhouse add-host`: a compute, storage or network host joins a deployed cloud.
// The host goes into the operator's inventory (checked first, written atomically),
// then the cloud is deployed as a whole: the new host gets its packages, files and
// units; the control host maps it into the cell (nova's discover step) and, for a
// storage host, rebuilds and hands out Swift's rings. The hosts already there change
// nothing that restarts a unit, and the report says so (`restartedElsewhere`).
import { UsageError } from '../errors.ts'
import { addHostToFile, type NewHost } from '../inventory/edit.ts'
import type { ProjectOptions } from '../project.ts'
import type { Role } from '../role/contract.ts'
import { deployCloud, type DeployCloudOptions, type DeployCloudReport } from './deploy.ts'
import { openProject } from './open.ts'

export interface AddHostReport extends DeployCloudReport {
  host: string
  /** The inventory file was changed; false when the host was in it already (a re-run). */
  inventoryChanged: boolean
  /** `host: unit` restarted on the hosts that were there before: none is expected. */
  restartedElsewhere: string[]
}

export async function addHost(
  project: ProjectOptions,
  host: NewHost,
  roles: readonly Role[],
  opts: Omit<DeployCloudOptions, 'limit' | 'only' | 'check' | 'local'> = {},
): Promise<AddHostReport> {
  if (!project.inventory)
    throw new UsageError(
      'the built-in all-in-one cloud has one host: add-host needs an inventory',
      'write an inventory (stackhouse init), deploy it, then add hosts to it with -i',
    )
  const { added } = addHostToFile(project.inventory, host)
  const report = await deployCloud(openProject({ ...project, forDeploy: true }), roles, opts)
  const restartedElsewhere = report.changes
    .filter((c) => c.host !== host.name && c.task.endsWith('.service') && c.detail?.startsWith('restart'))
    .map((c) => `${c.host}: ${c.title}`)
  return { ...report, host: host.name, inventoryChanged: added, restartedElsewhere }
}
