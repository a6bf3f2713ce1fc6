// SPDX-License-Identifier: Apache-2.0
// What the library's commands report as they go: one typed stream per command,
// each event a `type` and its data. The CLI renders them (a live view, plain
// lines, or `--json`); the appliance's first boot and the labs read the same.
import type { CredentialFiles } from '../credentials.ts'
import type { ProgressEvent } from '../runner/listr.ts'
import type { SandboxHost } from '../sandbox/index.ts'
import type { StatusReport } from '../status.ts'
import type { HostMemory } from '../verify/memory.ts'
import type { CheckResult } from '../verify/types.ts'

export type { ProgressEvent }

/** A line of progress while sandbox hosts are made or booted (packages, base root file system, boot). */
export interface SandboxLineEvent {
  type: 'sandbox'
  line: string
}

/** `deployCloud`: the run's progress, the sandbox hosts made ready before it, the credentials after it. */
export type DeployEvent =
  | ProgressEvent
  | SandboxLineEvent
  /** The inventory's sandbox hosts all run: these were created, these booted. */
  | { type: 'sandbox-ready'; created: string[]; started: string[] }
  /** TLS certificates made or renewed for this run (the deployment CA's), each with the reason. */
  | { type: 'certificates'; made: { name: string; cert: string; reason?: string }[] }
  /** The deploy succeeded and the openrc files and clouds.yaml were written (mode 0600). */
  | { type: 'credentials'; files: CredentialFiles }

/** `verifyDeployedCloud`: each check as it finishes (secrets masked), then each host's memory. */
export type VerifyEvent = { type: 'check'; result: CheckResult } | { type: 'memory'; memory: HostMemory }

/** `createSandboxes`: progress lines, and each host once it runs. */
export type SandboxEvent = SandboxLineEvent | { type: 'sandbox-created'; host: SandboxHost; seconds: number }

/** `startCloud`: sandbox hosts booting, then each look at the cloud's health while it waits. */
export type PowerEvent = SandboxLineEvent | { type: 'status'; report: StatusReport }

/** `destroyCloud`: each host as its removal starts (what will be done) and once it is done. */
export type DestroyEvent =
  | { type: 'host-destroying'; host: string; what: string }
  | { type: 'host-destroyed'; host: string; how: 'sandbox removed' | 'purged' | 'no sandbox host'; packages: number }

/** Every event any command reports. */
export type CloudEvent = DeployEvent | VerifyEvent | SandboxEvent | PowerEvent | DestroyEvent
