// SPDX-License-Identifier: Apache-2.0
// What an exclusive lab may do that a project lab may not: act on the cloud's own
// hosts and services. It breaks a shared service with a root command on the host
// that runs it, asks Stackhouse what a deploy of that one role would change (the
// diffs, secrets by name), and repairs by deploying that one role again. Only
// labs with `isolation: exclusive` get it, and only one student holds the cloud.
import { networkInterfaces } from 'node:os'
import { deploy, type DeployReport } from '../deploy.ts'
import type { ModelHost } from '../model/types.ts'
import { resolveCloud } from '../plan/resolve.ts'
import type { Project } from '../project.ts'
import type { Role } from '../role/contract.ts'
import { connectAll } from '../runner/connect.ts'
import type { ExecResult } from '../transport/types.ts'
import { LabError } from './errors.ts'

export interface LabOperator {
  /** The inventory name of the first host that runs the role. */
  hostOf(role: string): string
  /** A bash command as root on the first host that runs the role; never throws for its exit code. */
  run(role: string, command: string): Promise<ExecResult>
  /** What deploying the role again would change on its hosts, as diffs (secrets by name); '' when nothing. */
  drift(role: string): Promise<string>
  /** Deploy the role again (configuration, restarts): its report; throws when the deploy failed. */
  reapply(role: string): Promise<DeployReport>
}

export function labOperator(project: Project): LabOperator {
  const role = (name: string): Role => {
    const r = project.roles.find((x) => x.name === name)
    if (!r) throw new LabError(`this cloud has no role ${name}`, `roles: ${project.roles.map((x) => x.name).join(', ')}`)
    return r
  }
  const host = (name: string): ModelHost => {
    const [h] = resolveCloud(project.model, project.roles).hostsOf(role(name))
    if (!h) throw new LabError(`no host runs ${name} in this cloud`, 'enable the role in the inventory, or choose another lab')
    return h
  }
  const deployRole = async (name: string, check: boolean): Promise<DeployReport> => {
    const report = await deploy(project, project.roles, { only: [name], check, renderer: 'silent', local: isThisMachine(project) })
    if (report.failures.length)
      throw new LabError(
        `deploying ${name} again failed: ${report.failures[0]!.task}: ${report.failures[0]!.message}`,
        `read ${report.failures[0]!.log}, then: stackhouse deploy --only ${name}`,
        'hosts',
      )
    return report
  }
  return {
    hostOf: (name) => host(name).name,
    async run(name, command) {
      const h = host(name)
      const transports = await connectAll([h], project.paths, { local: isThisMachine(project) })
      const t = transports.get(h.name)!
      try {
        return await t.exec(command)
      } finally {
        await t.close()
      }
    },
    async drift(name) {
      const report = await deployRole(name, true)
      return report.changes
        .filter((c) => c.diff)
        .map((c) => c.diff!)
        .join('\n')
    },
    reapply: (name) => deployRole(name, false),
  }
}

/** A one-host cloud whose host is this machine (the appliance): commands run here, not over SSH. */
function isThisMachine(project: Project): boolean {
  const mine = new Set(
    Object.values(networkInterfaces())
      .flat()
      .map((a) => a?.address),
  )
  return project.model.hosts.length === 1 && mine.has(project.model.hosts[0]!.address)
}
