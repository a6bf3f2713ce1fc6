// SPDX-License-Identifier: Apache-2.0
// What rendered files may hold: no secret in a file others can read, and no
// value that breaks a line (a newline would add keys or sections to INI files).
import { describe, expect, it } from 'vitest'
import { render, RenderValueError } from '../../installer/render/render.ts'
import { confidentialValues } from '../../installer/secrets/names.ts'
import { roles } from '../../roles/index.ts'
import { fixtureModel, fixtureNames } from '../helpers.ts'
import { testCatalog } from '../helpers.ts'

describe('rendered files', () => {
  it.each(fixtureNames)('%s: no file readable by others holds a secret', (fixture) => {
    // GIVEN every file of every host, rendered with fake secrets
    const model = { ...fixtureModel(fixture), config: {} }
    const files = render(model, roles)
    const secrets = Object.entries(confidentialValues(model.secrets, testCatalog))
    // THEN a file that mentions a secret is 0640 or tighter (the Ceph fsid, an identifier, may be anywhere)
    const leaks = files
      .filter((f) => (f.mode & 0o004) !== 0)
      .flatMap((f) =>
        secrets.filter(([, v]) => f.content.includes(v)).map(([n]) => `${f.host}:${f.path} (mode ${f.mode.toString(8)}) holds ${n}`),
      )
    expect(leaks).toEqual([])
    // (the 3-node cloud runs Ceph: its fsid is in the world-readable ceph.conf, as Ceph has it)
    expect(files.some((f) => f.content.includes(model.secrets.ceph_fsid) && (f.mode & 0o004) !== 0)).toBe(fixture === '3-node')
  })

  it('refuses a value with a newline before it reaches any file', () => {
    // GIVEN a model whose region carries a second line (the schema refuses this; render refuses it again)
    const model = { ...fixtureModel('aio'), config: {}, region: 'RegionOne\n[database]\nconnection = sqlite://' }
    // WHEN rendering THEN the error names where the value is, with the newline escaped
    expect(() => render(model, roles)).toThrow(RenderValueError)
    expect(() => render(model, roles)).toThrow(
      'model.region: the value RegionOne\\n[database]\\nconnection = sqlite:// holds a control character',
    )
  })
})
