// SPDX-License-Identifier: Apache-2.0
// Shared test helpers: the one way tests get a fixture cloud (its inventory loaded
// and validated, the model built with fixed, obviously fake secrets) and render it.
import { spawnSync } from 'node:child_process'
import { mkdtempSync, readFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { expect } from 'vitest'
import { loadInventory } from '../installer/inventory/load.ts'
import { InventoryError } from '../installer/inventory/problems.ts'
import type { Inventory } from '../installer/inventory/schema.ts'
import { parseInventory } from '../installer/inventory/source.ts'
import { validateSchema } from '../installer/inventory/validate.ts'
import { buildModel } from '../installer/model/build.ts'
import type { Model } from '../installer/model/types.ts'
import { projectPaths, type Project } from '../installer/project.ts'
import { render, type RenderedFile } from '../installer/render/render.ts'
import type { BootstrapStep, Role, RoleContext } from '../installer/role/index.ts'
import { commandTask } from '../installer/tasks/command.ts'
import { confidentialValues, secretCatalog, type Secrets } from '../installer/secrets/names.ts'
import { roles as ownRoles } from '../roles/index.ts'
import { tlsMaterial, withPem } from '../installer/tls/material.ts'

/** The secrets of Stackhouse's own roles. */
export const testCatalog = secretCatalog(ownRoles)

export const fixturesDir = join(import.meta.dirname, 'fixtures')

/** A project around a model, with Stackhouse's roles; its inventory path (and state folder) in a fresh temporary folder. */
export function fixtureProject(model: Model, prefix = 'stackhouse-test-'): Project {
  return {
    model,
    paths: projectPaths({ inventory: join(mkdtempSync(join(tmpdir(), prefix)), 'inventory.yml') }),
    overrides: [],
    secrets: { secrets: model.secrets, generated: [], tightened: false },
    roles: ownRoles,
  }
}

/** Every secret set to `fake-<name>`, so golden files are stable and show which secret went where. */
export function fakeSecrets(): Secrets {
  return Object.fromEntries(secretCatalog(ownRoles).names.map((n) => [n, `fake-${n.replaceAll('_', '-')}`])) as unknown as Secrets
}

export const fixtureNames = ['aio', '3-node', 'vsphere'] as const

/** A fixture's model with the PEM texts of its TLS files, as loadProject reads them (3-node names the operator's). */
export function withFixtureTls(built: Model): Model {
  const tls = tlsMaterial(built, { stateDir: '/nonexistent', inventoryDir: join(fixturesDir, 'inventories') }, false)
  return withPem(built, tls?.pem)
}

/** A cloud of test/fixtures/inventories/. */
export type FixtureName = (typeof fixtureNames)[number]

/**
 * The model of test/fixtures/inventories/<name>.yml, loaded and validated as an
 * operator's inventory is, with fake secrets. `change` returns the fields of a
 * variant (a service off, another backend, hosts in another order), merged over it.
 */
export function fixtureModel(name: FixtureName, change?: (model: Model) => Partial<Model>): Model {
  const file = join(fixturesDir, 'inventories', `${name}.yml`)
  const inventory = name === 'vsphere' ? schemaOnly(file) : loadInventory(file)
  const model = withFixtureTls(buildModel(inventory, `test/fixtures/inventories/${name}.yml`, fakeSecrets(), ownRoles))
  return change ? { ...model, ...change(model) } : model
}

/**
 * The vsphere fixture as the schema accepts it. validate refuses it as a whole (no
 * Neutron driver in Debian 12 binds the ports nova's VMware driver plugs:
 * inventory/rules.ts), while the VMware drivers' renderers stay tested.
 */
function schemaOnly(file: string): Inventory {
  const { source } = parseInventory(file, readFileSync(file, 'utf8'))
  const { inventory, problems } = validateSchema(source!)
  if (!inventory) throw new InventoryError(problems)
  return inventory as Inventory
}

const modelOf = (from: FixtureName | Model): Model => (typeof from === 'string' ? fixtureModel(from) : from)

/**
 * Render roles for a fixture, or for a model made from one by fixtureModel. Inline
 * config for other services is dropped, since an override that matches no rendered
 * file is an error by design.
 */
export function renderRole(from: FixtureName | Model, ...roles: Role[]): RenderedFile[] {
  const model = modelOf(from)
  const config = Object.fromEntries(Object.entries(model.config).filter(([service]) => roles.some((r) => r.name === service)))
  return render({ ...model, config }, roles)
}

/** What a role's functions see on one host of a fixture (or a model made from one); fails the test when there is no such host. */
export function hostContext(from: FixtureName | Model, host: string): RoleContext {
  const model = modelOf(from)
  const h = model.hosts.find((x) => x.name === host)
  if (!h) throw new Error(`no host ${host}; the model has ${model.hosts.map((x) => x.name).join(', ')}`)
  return { model, host: h }
}

/** Compare every file with its golden copy in test/roles/__golden__/<fixture>/<host>/<path>. */
export async function expectGolden(fixture: string, files: RenderedFile[]): Promise<void> {
  for (const f of files) {
    await expect(f.content).toMatchFileSnapshot(join(import.meta.dirname, 'roles', '__golden__', fixture, f.host, f.path))
  }
}

/** The file rendered at `path` for `host`; fails the test when there is none. */
export function fileAt(files: RenderedFile[], host: string, path: string): RenderedFile {
  const f = files.find((x) => x.host === host && x.path === path)
  if (!f) throw new Error(`no file ${path} for host ${host}; rendered: ${files.map((x) => `${x.host}:${x.path}`).join(', ')}`)
  return f
}

/** Every step is guarded and one the engine accepts, loops in no shell of its own, bash parses it, and no secret is in a command line (secrets travel in env). */
export function expectSafeSteps(model: Model, steps: BootstrapStep[]): void {
  const secrets = Object.values(confidentialValues(model.secrets, testCatalog))
  for (const s of steps) {
    // A copy between hosts is the engine's own task, with nothing of the role's to run.
    if (s.copy) {
      expect([s.run, s.unless, s.waitUntil], s.id).toEqual([undefined, undefined, undefined])
      expect(
        s.copy.files.every((f) => f.startsWith('/')),
        s.id,
      ).toBe(true)
      continue
    }
    // Waits too: what they wait for is their `unless`, looped by the engine (waitUntil).
    expect(s.unless, s.id).toBeTruthy()
    // A command that is not a wait runs something; no step loops in its own shell.
    if (!s.waitUntil) expect(s.run, s.id).toBeTruthy()
    expect(() => commandTask(s), s.id).not.toThrow()
    for (const cmd of [s.run ?? '', s.unless ?? '']) {
      expect(cmd, s.id).not.toMatch(/\bsleep\b|\$\(seq\b/)
      expect(spawnSync('bash', ['-n', '-c', cmd]).status, `${s.id}: ${cmd}`).toBe(0)
      for (const v of secrets) expect(cmd, s.id).not.toContain(v)
    }
  }
}
