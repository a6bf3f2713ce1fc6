// SPDX-License-Identifier: Apache-2.0
// The public API of Stackhouse as a library. test/api.test.ts locks this list.
export { StackhouseError, type ErrorKind, type ErrorContext } from './errors.ts'
export { checkInventory, loadInventory } from './inventory/load.ts'
export { InventoryError, formatProblem, type Problem } from './inventory/problems.ts'
export { inventorySchema, type Inventory } from './inventory/schema.ts'
export { initInventory } from './inventory/init.ts'
export { buildModel } from './model/build.ts'
export type { Model, ModelHost, Endpoint } from './model/types.ts'
export { render, OverrideError, type RenderedFile, type OverrideFile } from './render/render.ts'
export { mergeIni, parseIni, formatIni, iniGet, iniValues } from './render/ini.ts'
export { defineRole, hostsIn, inGroup, type Role, type RoleFile, type RoleContext } from './role/index.ts'
export { readOverrides } from './render/overrides.ts'
export { ensureSecrets, setSecret } from './secrets/store.ts'
export { secretCatalog, type SecretCatalog, type SecretName, type Secrets } from './secrets/names.ts'
export { loadProject, projectPaths, type Project, type ProjectOptions } from './project.ts'
export { planHosts, type HostPlan } from './plan/plan.ts'
export { deploy, type DeployReport, type DeployOptions } from './deploy.ts'
export { verifyCloud, type VerifyReport, type VerifyOptions, type CheckResult } from './verify/index.ts'
export { validateProject, type ValidateReport } from './validate.ts'
export { cloudStatus, waitUntilHealthy, type StatusReport } from './status.ts'
export { startCloud, stopCloud, type PowerReport, type PowerOptions } from './power.ts'
export { destroyCloud, type DestroyOptions, type DestroyReport } from './destroy.ts'
export { ensureSandboxHosts, startSandbox, stopSandbox, type SandboxHost } from './sandbox/index.ts'
// What each CLI command does, as one call: the CLI only parses arguments and renders the events.
export { openProject, type OpenOptions } from './commands/open.ts'
export { deployCloud, type DeployCloudOptions, type DeployCloudReport } from './commands/deploy.ts'
export { addHost, type AddHostReport } from './commands/add-host.ts'
export { removeHost, type RemoveHostReport, type RemoveHostOptions } from './commands/remove-host.ts'
export { addHostToFile, removeHostFromFile, withHost, withoutHost, joinableGroups, type NewHost } from './inventory/edit.ts'
export { verifyDeployedCloud, type VerifyCloudOptions, type VerifyCloudReport } from './commands/verify.ts'
export {
  createSandboxes,
  listSandboxHosts,
  destroySandboxes,
  type CreateSandboxesOptions,
  type SandboxInfo,
  type SandboxDestroyReport,
} from './commands/sandbox.ts'
export { buildSandboxLayer, sandboxLayer, removeSandboxLayer, type LayerInfo } from './commands/layer.ts'
export type {
  CloudEvent,
  DeployEvent,
  DestroyEvent,
  VerifyEvent,
  SandboxEvent,
  PowerEvent,
  SandboxLineEvent,
  ProgressEvent,
} from './commands/events.ts'
export type { CredentialFiles } from './credentials.ts'
export type { HostMemory } from './verify/memory.ts'
// Labs: the engine `stackhouse lab` and `class` use, and the lab guide's server.
export { loadLab, loadLabs, checkLab, type Lab } from './labs/load.ts'
export { LabRunner, LabError } from './labs/runner.ts'
export type { StepResult } from './labs/lab-code.ts'
export { Classroom } from './labs/classroom.ts'
export { createClass, classGrid, removeClass, type ClassSheet, type ClassGrid } from './labs/class.ts'
export { testLab, type LabTestReport } from './labs/self-test.ts'
export { startLabGuide, type LabGuide, type LabGuideOptions } from './labs/guide/server.ts'
export type { LabContext, LabCheck, LabAction } from './labs/context.ts'
