// SPDX-License-Identifier: Apache-2.0
// A project is an inventory with its secrets.yaml and overrides/ beside it.
// This resolves where they are and loads them into the model: the one place
// every command starts from.
import { dirname, join, resolve } from 'node:path'
import { builtinInventory, builtinInventoryName } from './inventory/defaults.ts'
import { checkInventory, loadInventory } from './inventory/load.ts'
import { InventoryError } from './inventory/problems.ts'
import type { Inventory } from './inventory/schema.ts'
import { buildModel } from './model/build.ts'
import type { Model } from './model/types.ts'
import { readOverrides } from './render/overrides.ts'
import type { OverrideFile } from './render/render.ts'
import { ensureSecrets, type SecretsFile } from './secrets/store.ts'

export interface ProjectOptions {
  /** Inventory file; undefined for the built-in all-in-one cloud. */
  inventory?: string
  /** secrets.yaml path. @default beside the inventory, or .stackhouse/secrets.yaml */
  secrets?: string
  /** Folder of override files. @default overrides/ beside the inventory, or .stackhouse/overrides */
  overrides?: string
  /**
   * Check that the SSH keys and TLS files the inventory names exist on this machine.
   * Off for commands that only read and render (render, plan), which need no key.
   * @default true
   */
  localFiles?: boolean
}

export interface ProjectPaths {
  inventory: string | null
  secrets: string
  overrides: string
  /** Where state (logs, known_hosts, rendered files) goes. */
  stateDir: string
}

export function projectPaths(opts: ProjectOptions, cwd = process.cwd()): ProjectPaths {
  const inventory = opts.inventory ? resolve(cwd, opts.inventory) : null
  const base = inventory ? dirname(inventory) : join(cwd, '.stackhouse')
  return {
    inventory,
    secrets: resolve(cwd, opts.secrets ?? join(base, 'secrets.yaml')),
    overrides: resolve(cwd, opts.overrides ?? join(base, 'overrides')),
    stateDir: inventory ? join(base, '.stackhouse') : base,
  }
}

/** Read and check the inventory (or the built-in one), without touching secrets. */
export function readInventory(opts: ProjectOptions): Inventory {
  if (opts.inventory) return loadInventory(opts.inventory, opts.inventory, { localFiles: opts.localFiles ?? true })
  const { inventory, problems } = checkInventory(builtinInventoryName, builtinInventory)
  if (!inventory) throw new InventoryError(problems)
  return inventory
}

export interface Project {
  paths: ProjectPaths
  model: Model
  overrides: OverrideFile[]
  secrets: SecretsFile
}

/** Inventory → model, generating secrets that do not exist yet. */
export function loadProject(opts: ProjectOptions): Project {
  const paths = projectPaths(opts)
  const inventory = readInventory(opts)
  const secrets = ensureSecrets(paths.secrets)
  const model = buildModel(inventory, opts.inventory ?? null, secrets.secrets)
  return { paths, model, overrides: readOverrides(paths.overrides), secrets }
}
