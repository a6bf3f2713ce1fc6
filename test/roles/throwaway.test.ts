// SPDX-License-Identifier: Apache-2.0
// A service is described in one place. GIVEN a role that exists only in a test
// fixture folder, WHEN it joins the list of roles, THEN render, plan, deploy's
// phases, the secrets, the model's endpoints, verify's expectations, backup and
// restore, and destroy's purge all know it — with no other file changed.
import { mkdtempSync, readFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { requiredDaemons } from '../../installer/daemons.ts'
import { backupHost, backupSources } from '../../installer/backup/backup.ts'
import { purgePlans } from '../../installer/destroy.ts'
import { resolveCloud } from '../../installer/plan/resolve.ts'
import { loadInventory } from '../../installer/inventory/load.ts'
import { buildModel } from '../../installer/model/build.ts'
import type { Model } from '../../installer/model/types.ts'
import type { Role } from '../../installer/role/index.ts'
import { buildPhases } from '../../installer/plan/phases.ts'
import { planHosts } from '../../installer/plan/plan.ts'
import { render } from '../../installer/render/render.ts'
import { placeholderSecrets, secretCatalog } from '../../installer/secrets/names.ts'
import { ensureSecrets } from '../../installer/secrets/store.ts'
import { apiHint } from '../../installer/verify/hints.ts'
import { roles as builtin } from '../../roles/index.ts'
import widget from '../fixtures/roles/widget/role.ts'
import { fixturesDir, withFixtureTls } from '../helpers.ts'

const roles = [...builtin, widget]
const catalog = secretCatalog(roles)

function model(): Model {
  const inventory = loadInventory(join(fixturesDir, 'inventories', '3-node.yml'))
  return withFixtureTls(buildModel(inventory, null, placeholderSecrets(catalog), roles))
}

describe('a role declared only in a fixture folder', () => {
  it('owns secrets that the catalog lists and a new secrets file holds', () => {
    expect(catalog.names).toContain('widget_database_password')
    expect(catalog.kindOf('widget_keystone_password' as never)).toBe('password')
    const file = join(mkdtempSync(join(tmpdir(), 'stackhouse-widget-')), 'secrets.yaml')
    expect(ensureSecrets(file, catalog).generated).toEqual(expect.arrayContaining(['widget_database_password', 'widget_keystone_password']))
    expect(readFileSync(file, 'utf8')).toMatch(/^widget_database_password: [A-Za-z0-9]{32}$/m)
    // Without the role, the same catalog has no such secret.
    expect(secretCatalog(builtin).has('widget_database_password')).toBe(false)
  })

  it('gives the model its endpoint, from its api declaration', () => {
    const e = (model().endpoints as Record<string, { port: number; public: string; type: string } | undefined>).widget
    expect(e).toMatchObject({
      type: 'widgeting',
      port: 9999,
      public: 'https://cloud.example.test:9999/v1',
      internal: 'https://10.1.0.11:9999/v1',
    })
  })

  it('is rendered from its own templates folder, with its secret in its file', () => {
    const m = model()
    const files = render(m, roles).filter((f) => f.role === 'widget')
    expect(files.map((f) => `${f.host}:${f.path}`)).toEqual(['ctl1:/etc/widget/widget.conf'])
    expect(files[0]!.content).toContain('bind_port = 9999')
    expect(files[0]!.content).toContain('widget:placeholder-widget_database_password@')
    expect(files[0]!.notify).toEqual(['widget-api.service', 'widget-engine.service'])
  })

  it('appears in the plan and in the deploy phases: packages, files, database, step, units, registration', () => {
    const m = model()
    const ctl1 = planHosts(m, roles).find((h) => h.host === 'ctl1')!
    expect(ctl1.roles.find((r) => r.role === 'widget')).toEqual({
      role: 'widget',
      packages: ['widget-api', 'widget-engine'],
      units: ['widget-api.service', 'widget-engine.service'],
      unitsOff: [],
      files: ['/etc/widget/widget.conf'],
    })
    const phases = buildPhases(m, roles, render(m, roles), { admin: () => Promise.reject(new Error('not called')) })
    const phase = phases.find((p) => p.id === 'widget')!
    expect(phase.hosts.map((h) => h.host.name)).toEqual(['ctl1'])
    expect(phase.hosts[0]!.tasks.map((t) => `${t.id}: ${t.title}`)).toEqual([
      'widget.file: /etc/widget/widget.conf',
      'widget.database: database widget, user widget',
      'widget.db-sync: widget-manage db_sync',
      'widget.service: widget-api.service',
      'widget.service: widget-engine.service',
      'widget.register: catalog: widget (widgeting)',
    ])
    // Its two packages go in by its own apt transaction, after the built-in roles' (it comes last).
    const packages = phases.find((p) => p.id === 'widget.packages')!
    expect(packages.hosts.find((h) => h.host.name === 'ctl1')!.tasks.map((t) => t.title)).toEqual(['2 packages'])
    expect(packages.needs).toContain('horizon.packages')
    expect(phases.find((p) => p.id === 'widget')!.needs).toContain('widget.packages')
  })

  it("is what verify waits for, and where verify's hints point", () => {
    const m = model()
    expect(requiredDaemons(m, roles).compute.map((d) => d.binary)).toContain('widget-engine')
    expect(requiredDaemons(m, builtin).compute.map((d) => d.binary)).not.toContain('widget-engine')
    expect(apiHint(m, 'widgeting')).toMatchObject({ service: 'widget-api', log: '/var/log/widget/widget-api.log' })
  })

  it('is backed up and restored: its database, its folder with its engine stopped, and its resync after', () => {
    const m = model()
    const plan = resolveCloud(m, roles)
    const sources = backupSources(plan)
    expect(sources.databases).toContain('widget')
    expect(sources.data.find((d) => d.role === 'widget')).toMatchObject({
      host: { name: 'ctl1' },
      paths: ['/var/lib/widget/blobs'],
      stopWhileCopied: ['widget-engine.service'],
    })
    expect(backupHost(plan, widget)?.name).toBe('ctl1')
    // AND restore's first deploy puts the folder back before the role's files
    const putBack = [{ role: 'widget', host: 'ctl1', archive: '/backup/data/widget.tar.gz', paths: ['/var/lib/widget/blobs'] }]
    const phases = buildPhases(m, roles, render(m, roles), { admin: () => Promise.reject(new Error('not called')), putBack })
    const tasks = phases.find((p) => p.id === 'widget')!.hosts.find((h) => h.host.name === 'ctl1')!.tasks
    expect(tasks.map((t) => t.id).slice(0, 2)).toEqual(['widget.put-back', 'widget.file'])
  })

  it('is purged by destroy: its units, packages, files and leftovers', () => {
    const m = model()
    const ctl1 = purgePlans(m, roles, render(m, roles)).get('ctl1')!
    expect(ctl1.units).toEqual(expect.arrayContaining(['widget-api.service', 'widget-engine.service']))
    expect(ctl1.packages).toEqual(expect.arrayContaining(['widget-api', 'widget-engine']))
    expect(ctl1.paths).toEqual(expect.arrayContaining(['/etc/widget/widget.conf', '/var/lib/widget', '/var/log/widget']))
    // Only the hosts that run it.
    expect(purgePlans(m, roles, render(m, roles)).get('cmp1')!.paths).not.toContain('/var/lib/widget')
  })
})
