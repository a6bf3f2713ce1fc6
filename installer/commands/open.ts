// SPDX-License-Identifier: Apache-2.0
// Open a project the way the CLI's commands do: the deploy of the built-in cloud
// makes its secrets in their fixed home, unless that would change the passwords
// of a cloud already running on its sandbox host.
import { existsSync } from 'node:fs'
import { UsageError } from '../errors.ts'
import { builtinHostNames } from '../inventory/defaults.ts'
import { loadProject, projectPaths, type Project, type ProjectOptions } from '../project.ts'
import { listSandboxes } from '../sandbox/index.ts'

export interface OpenOptions extends ProjectOptions {
  /**
   * Open the project to deploy it. The built-in cloud (no inventory and no secrets
   * file given) then makes the secrets it is missing, in its fixed home; other
   * projects still need their secrets made on purpose (`secrets generate`).
   * @default false
   */
  forDeploy?: boolean
}

/** True when the options name the built-in all-in-one cloud, whose secrets have one fixed home. */
export function isBuiltinCloud(opts: ProjectOptions): boolean {
  return !opts.inventory && !opts.secrets
}

/** Inventory → model, with the secrets of the project: what every command starts from. */
export function openProject(opts: OpenOptions = {}): Project {
  const { forDeploy = false, ...rest } = opts
  const builtin = forDeploy && isBuiltinCloud(rest)
  if (builtin) refuseNewSecretsForOldHosts()
  // A deploy makes (or renews) the deployment CA's certificate; other commands read it.
  return loadProject({
    ...rest,
    ...(builtin ? { createSecrets: true } : {}),
    ...(forDeploy ? { makeCertificates: rest.makeCertificates ?? true } : {}),
  })
}

/**
 * A built-in cloud whose sandbox host exists but whose secrets are not in their home
 * was deployed with secrets kept elsewhere (before they had a fixed home, in the
 * .stackhouse/ folder of wherever the deploy ran): new ones would change every
 * password of the running cloud. Stop, and say where to find the old file.
 */
function refuseNewSecretsForOldHosts(): void {
  const { secrets } = projectPaths({})
  if (existsSync(secrets)) return
  const old = listSandboxes().filter((h) => builtinHostNames().includes(h.name))
  if (!old.length) return
  throw new UsageError(
    `sandbox host ${old.map((h) => h.name).join(', ')} holds a cloud deployed with secrets that are not in ${secrets}`,
    `copy that cloud's secrets.yaml there (before this version it was .stackhouse/secrets.yaml in the folder you deployed from), or start over: stackhouse destroy`,
  )
}
