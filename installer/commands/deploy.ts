// SPDX-License-Identifier: Apache-2.0
// `stackhouse deploy` as one library call: the sandbox hosts of a sandbox cloud
// made ready, the run, and the credentials written once it succeeded.
import { writeCredentials, type CredentialFiles } from '../credentials.ts'
import { deploy, type DeployOptions, type DeployReport } from '../deploy.ts'
import type { Model } from '../model/types.ts'
import type { Project } from '../project.ts'
import type { Role } from '../role/contract.ts'
import { ensureSandboxHosts } from '../sandbox/index.ts'
import type { DeployEvent } from './events.ts'

/** How `deployCloud` runs: the deploy's own options, its events, and how sandbox hosts are made. */
export interface DeployCloudOptions extends Omit<DeployOptions, 'onEvent' | 'renderer'> {
  /** Progress as it happens: the sandbox hosts, phases, tasks, results, failures, the credentials. */
  onEvent?: (e: DeployEvent) => void
  /**
   * listr2's view of the run, drawn on this process's terminal by the library itself.
   * @default 'silent' (render the events instead)
   */
  renderer?: DeployOptions['renderer']
  /**
   * Make every sandbox host of a `target: sandbox` cloud exist and run before the
   * deploy (not with `check` or `local`). Needs root; tests pass a stand-in.
   * @default ensureSandboxHosts: create the missing, boot the stopped
   */
  sandboxHosts?: (model: Model, log: (line: string) => void) => Promise<{ created: string[]; started: string[] }>
}

/** The deploy's report; with the credentials' paths when it succeeded (not with `check`). */
export interface DeployCloudReport extends DeployReport {
  credentials?: CredentialFiles
}

/**
 * Everything `stackhouse deploy` does but parse arguments and print: create the
 * missing sandbox hosts of a sandbox cloud, deploy, and write the credentials
 * (openrc files and clouds.yaml, mode 0600, in the project's state folder) once
 * no host failed. A failure is in the report, not thrown; errors before the run
 * (unreachable hosts, another cloud's secrets) are thrown.
 */
export async function deployCloud(project: Project, roles: readonly Role[], opts: DeployCloudOptions = {}): Promise<DeployCloudReport> {
  const { onEvent, sandboxHosts = ensureSandboxHosts, ...rest } = opts
  const emit = onEvent ?? (() => {})
  if (project.certificates?.length)
    emit({
      type: 'certificates',
      made: project.certificates.map(({ name, cert, reason }) => ({ name, cert, ...(reason ? { reason } : {}) })),
    })
  if (project.model.target === 'sandbox' && !opts.local && !opts.check) {
    const ready = await sandboxHosts(project.model, (line) => emit({ type: 'sandbox', line }))
    emit({ type: 'sandbox-ready', created: ready.created, started: ready.started })
  }
  const report = await deploy(project, roles, { ...rest, renderer: opts.renderer ?? 'silent', onEvent: emit })
  if (report.failures.length || report.check) return report
  const credentials = writeCredentials(project.model, project.paths.stateDir)
  emit({ type: 'credentials', files: credentials })
  return { ...report, credentials }
}
