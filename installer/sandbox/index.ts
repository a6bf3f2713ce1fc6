// SPDX-License-Identifier: Apache-2.0
// Sandbox hosts: Debian 12 booted with systemd under systemd-nspawn on this
// machine, reached over SSH like any server. The API the CLI, the tests and the
// deploy engine use.
export { createSandbox, type CreateOptions } from './create.ts'
export type { RootfsMode } from './state.ts'
export { destroySandbox, destroyAllSandboxes } from './destroy.ts'
export { listSandboxes, type SandboxHost } from './list.ts'
export { sandboxPaths } from './paths.ts'
export { SandboxError } from './errors.ts'
export { aptProxy, aptCacherPid } from './apt-cacher.ts'
export { sandboxInventory } from './inventory.ts'
export { ensureSandboxHosts } from './ensure.ts'
export { startSandbox, stopSandbox } from './power.ts'
export { sandboxExec, withSandboxHost, type SandboxTarget } from './connect.ts'
