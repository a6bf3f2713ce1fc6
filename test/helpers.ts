// SPDX-License-Identifier: Apache-2.0
// Shared test helpers: fixture models with fixed, obviously fake secrets.
import { spawnSync } from 'node:child_process'
import { join } from 'node:path'
import { expect } from 'vitest'
import { loadInventory } from '../installer/inventory/load.ts'
import { buildModel } from '../installer/model/build.ts'
import type { Model } from '../installer/model/types.ts'
import { render, type RenderedFile } from '../installer/render/render.ts'
import type { BootstrapStep, Role } from '../installer/role/index.ts'
import { commandTask } from '../installer/tasks/command.ts'
import { confidentialValues, secretCatalog, type Secrets } from '../installer/secrets/names.ts'
import { roles } from '../roles/index.ts'

/** The secrets of Stackhouse's own roles. */
export const testCatalog = secretCatalog(roles)

export const fixturesDir = join(import.meta.dirname, 'fixtures')

/** Every secret set to `fake-<name>`, so golden files are stable and show which secret went where. */
export function fakeSecrets(): Secrets {
  return Object.fromEntries(secretCatalog(roles).names.map((n) => [n, `fake-${n.replaceAll('_', '-')}`])) as unknown as Secrets
}

/** The model of test/fixtures/inventories/<name>.yml with fake secrets. */
export function fixtureModel(name: 'aio' | '3-node' | 'vsphere'): Model {
  const file = join(fixturesDir, 'inventories', `${name}.yml`)
  const inventory = loadInventory(file)
  return buildModel(inventory, `test/fixtures/inventories/${name}.yml`, fakeSecrets(), roles)
}

export const fixtureNames = ['aio', '3-node', 'vsphere'] as const

/**
 * Render one role for a fixture. Inline config for other services is dropped,
 * since an override that matches no rendered file is an error by design.
 */
export function renderRole(fixture: (typeof fixtureNames)[number], role: Role): RenderedFile[] {
  const model = fixtureModel(fixture)
  const config = role.name in model.config ? { [role.name]: model.config[role.name]! } : {}
  return render({ ...model, config }, [role])
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
  const secrets = Object.values(confidentialValues(model.secrets, secretCatalog(roles)))
  for (const s of steps) {
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
