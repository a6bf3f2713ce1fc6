// SPDX-License-Identifier: Apache-2.0
// Options shared by the commands that read a project.
import type { Command } from 'commander'
import { existsSync, statSync } from 'node:fs'
import { applianceMarker } from '../../appliance/marker.ts'
import { applianceFiles } from '../../appliance/first-boot/files.ts'
import { UsageError } from '../errors.ts'
import type { ProjectOptions } from '../project.ts'

export interface ProjectFlags {
  inventory?: string
  secrets?: string
  overrides?: string
}

/** Add -i/--inventory, --secrets and --overrides to a command. */
export function withProject(cmd: Command): Command {
  return cmd
    .option(
      '-i, --inventory <file>',
      "inventory file (default: the appliance's own cloud on the appliance, else the built-in all-in-one cloud on a sandbox host)",
    )
    .option('--secrets <file>', 'secrets file (default: secrets.yaml beside the inventory)')
    .option('--overrides <dir>', 'folder of config overrides (default: overrides/ beside the inventory)')
}

/** How a command reaches the hosts: --local (this machine is the one host) and, where it connects to hosts it may never have met, --trust-new-hosts. */
export function withHostAccess(cmd: Command, opts: { trustNewHosts: boolean; localHelp?: string }): Command {
  cmd.option('--local', opts.localHelp ?? 'run on this machine instead of over SSH (a one-host cloud)')
  if (opts.trustNewHosts) cmd.option('--trust-new-hosts', 'record the SSH host keys of hosts not yet in known_hosts (trust on first use)')
  return cmd
}

export function projectOptions(flags: ProjectFlags, marker = applianceMarker): ProjectOptions {
  // On the appliance, its own cloud is the one every command means (after first boot made it).
  if (!flags.inventory && !flags.secrets && existsSync(marker) && existsSync(applianceFiles.inventory))
    return {
      inventory: applianceFiles.inventory,
      secrets: applianceFiles.secrets,
      ...(flags.overrides ? { overrides: flags.overrides } : {}),
    }
  return {
    ...(flags.inventory ? { inventory: flags.inventory } : {}),
    ...(flags.secrets ? { secrets: flags.secrets } : {}),
    ...(flags.overrides ? { overrides: flags.overrides } : {}),
  }
}

/** A folder argument that may not exist yet, but must not be a file: checked before any work starts. */
export function folderArgument(path: string, flag: string): string {
  if (existsSync(path) && !statSync(path).isDirectory())
    throw new UsageError(`${flag} ${path}: is a file, not a folder`, `name a folder (it is made if missing), e.g. ${flag} ${path}.d`)
  return path
}

/** A list option given as repeated words, commas, or both: `--limit a,b c` → [a, b, c]. */
export function listOption(values: string[] | undefined): string[] | undefined {
  return values
    ?.flatMap((v) => v.split(','))
    .map((v) => v.trim())
    .filter(Boolean)
}
