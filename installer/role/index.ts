// SPDX-License-Identifier: Apache-2.0
// The one surface a role is written against: the contract, the questions a role
// asks of the model, and the helpers that build its files and steps. Roles import
// this module and nothing else from installer/ (test/architecture checks it), so
// the engine can change behind it without touching a role.
export type { BootstrapStep, Role, RoleApi, RoleBackup, RoleContext, RoleDaemon, RoleFile, ReadyMarker, StepTarget } from './contract.ts'
export { defineRole } from './contract.ts'
export { apiWorkers, eventletWorkers, hostsIn, inGroup, singleHost } from './hosts.ts'
export type { Backends, Endpoint, EndpointRegistry, Model, ModelHost } from '../model/types.ts'
export type { SecretRegistry } from '../secrets/names.ts'
export {
  authtoken,
  catalogRegistration,
  databaseUrl,
  keystoneAuth,
  osloLiteral,
  transportUrl,
  vsphereSettings,
  type VsphereSettings,
} from '../render/openstack.ts'
export { Serialized } from '../render/render.ts'
export { apacheSite, argv, asUser, atAlembicHead, cmd, daemonReload, directory, raw, sh, shellQuote, waitForHttp } from '../render/steps.ts'
export { alembicMigration, databaseEnv, fastMigration, serviceLogin, sqlRows } from '../render/schema-state.ts'
export { aptPathDir, scriptFile, scriptPath } from '../render/scripts.ts'
export { apiScheme, caBundle, caTrustFiles, clientCaFile, serverTlsFiles, serverTlsPaths, trustCaStep } from '../render/tls.ts'
