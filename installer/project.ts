// SPDX-License-Identifier: Apache-2.0
// A project is an inventory with its secrets.yaml and overrides/ beside it.
// This resolves where they are and loads them into the model: the one place
// every command starts from.
import { dirname, join, resolve } from 'node:path'
import { roles as builtinRoles } from '../roles/index.ts'
import { readFacts } from './facts.ts'
import { builtinInventory, builtinInventoryName } from './inventory/defaults.ts'
import { checkInventory, loadInventory } from './inventory/load.ts'
import { InventoryError } from './inventory/problems.ts'
import type { Inventory } from './inventory/schema.ts'
import { buildModel } from './model/build.ts'
import { withFacts } from './model/facts.ts'
import type { Model } from './model/types.ts'
import { readOverrides } from './render/overrides.ts'
import { sandboxPaths } from './sandbox/paths.ts'
import type { Role } from './role/contract.ts'
import { secretCatalog } from './secrets/names.ts'
import type { OverrideFile } from './render/render.ts'
import { ensureSecrets, requireSecrets, type SecretsFile } from './secrets/store.ts'
import { tlsMaterial, withPem } from './tls/material.ts'
import type { IssuedCertificate } from './tls/ca.ts'
import { trustCertificateAuthority } from './openstack/http.ts'

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
  /**
   * Generate the secrets that are missing. Only the commands that make secrets on
   * purpose set it (`secrets generate`, `init`, and the deploy of the built-in
   * cloud, whose secrets have one fixed home); every other command refuses a
   * missing secrets file, so a typo or another folder never rotates a running
   * cloud's passwords. @default false
   */
  createSecrets?: boolean
  /**
   * With TLS on and no certificate of the operator's: make the deployment's CA and
   * its API certificate when missing, renew them when their names or time left say
   * so (installer/tls/material.ts); `renew`: make the API certificate again whatever its
   * state (`certs renew`). Commands that only read need them made already.
   * @default createSecrets
   */
  makeCertificates?: boolean | 'renew'
  /** The roles the cloud is made of: their secrets and APIs shape the model. @default Stackhouse's own (roles/index.ts) */
  roles?: readonly Role[]
}

/**
 * The built-in all-in-one cloud's home: its secrets, credentials and logs, the same
 * whatever folder a command runs in (its hosts are sandbox hosts, which need root).
 */
export const builtinCloudHome = '/var/lib/stackhouse/cloud'

export interface ProjectPaths {
  inventory: string | null
  secrets: string
  overrides: string
  /** Where state (logs, known_hosts, rendered files) goes. */
  stateDir: string
  /**
   * SSH's known_hosts and the key for hosts that name none, when they are not the
   * project's own: a sandbox cloud uses the sandbox's (set by loadProject).
   * @default `<stateDir>/known_hosts` and ~/.ssh/id_ed25519 (or id_rsa)
   */
  ssh?: { knownHosts: string; key: string }
}

export function projectPaths(opts: ProjectOptions, cwd = process.cwd()): ProjectPaths {
  const inventory = opts.inventory ? resolve(cwd, opts.inventory) : null
  const base = inventory ? dirname(inventory) : builtinCloudHome
  return {
    inventory,
    secrets: resolve(cwd, opts.secrets ?? join(base, 'secrets.yaml')),
    overrides: resolve(cwd, opts.overrides ?? join(base, 'overrides')),
    stateDir: inventory ? join(base, '.stackhouse') : base,
  }
}

/** Where the inventory's relative file names (tls.certificate, ssh keys…) start: its folder, or the state folder of the built-in cloud. */
export const inventoryDir = (paths: ProjectPaths): string => (paths.inventory ? dirname(paths.inventory) : paths.stateDir)

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
  /** The roles the project was loaded with. */
  roles: readonly Role[]
  /** TLS certificates loading made or renewed (makeCertificates), each with the reason. */
  certificates?: IssuedCertificate[]
}

/**
 * Inventory → model, with the secrets of the project (generated only when `createSecrets`
 * says so) and the host facts the last deploy recorded (deploy gathers fresh ones).
 */
export function loadProject(opts: ProjectOptions): Project {
  const paths = projectPaths(opts)
  const inventory = readInventory(opts)
  const roles = opts.roles ?? builtinRoles
  const catalog = secretCatalog(roles)
  const secrets = opts.createSecrets ? ensureSecrets(paths.secrets, catalog) : requireSecrets(paths.secrets, generateHint(opts), catalog)
  const built = withFacts(buildModel(inventory, opts.inventory ?? null, secrets.secrets, roles), readFacts(paths.stateDir))
  const tls = tlsMaterial(
    built,
    { stateDir: paths.stateDir, inventoryDir: inventoryDir(paths) },
    opts.makeCertificates ?? opts.createSecrets ?? false,
  )
  const model = withPem(built, tls?.pem)
  // This process's own requests to the cloud (deploy, verify, labs) trust the deployment's CA.
  if (tls?.pem.ca) trustCertificateAuthority(tls.pem.ca)
  // A sandbox cloud is reached with the sandbox's own key and known_hosts.
  const ssh = model.target === 'sandbox' ? { ssh: { knownHosts: sandboxPaths.knownHosts, key: sandboxPaths.key } } : {}
  return { paths: { ...paths, ...ssh }, model, overrides: readOverrides(paths.overrides), secrets, roles, certificates: tls?.issued ?? [] }
}

/** The command that makes the project's secrets. */
function generateHint(opts: ProjectOptions): string {
  if (!opts.inventory && !opts.secrets)
    return 'the first "stackhouse deploy" of the built-in cloud makes them; or: stackhouse secrets generate'
  const args = [opts.inventory && `-i ${opts.inventory}`, opts.secrets && `--secrets ${opts.secrets}`].filter(Boolean).join(' ')
  return `stackhouse secrets generate ${args}`.trim()
}
