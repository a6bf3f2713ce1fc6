// SPDX-License-Identifier: Apache-2.0
// --check shows the diff of a file that holds secrets too: secrets by name, and
// masked where the host's old copy holds one nobody can name any more.
import { describe, expect, it } from 'vitest'
import { redactor } from '../../installer/runner/log.ts'
import { maskSecrets } from '../../installer/tasks/_mask.ts'
import { fileTask } from '../../installer/tasks/file.ts'
import { fixtureModel } from '../helpers.ts'
import { FakeHost } from './fake-host.ts'
import { testCatalog } from '../helpers.ts'

describe('--check on files that hold secrets', () => {
  it('shows the diff with current secrets by name and an old, rotated one masked', async () => {
    // GIVEN nova.conf on the host with an old database password, and the rendered one
    const model = fixtureModel('aio')
    const redact = redactor(model.secrets, testCatalog)
    const pw = model.secrets.nova_database_password
    const host = new FakeHost('aio1')
    const old = `[DEFAULT]\ndebug = false\n[database]\nconnection = mysql+pymysql://nova:OLD-ROTATED-pw@10.0.0.11/nova\n[keystone_authtoken]\npassword = OLD-ROTATED-pw\n`
    host.files.set('/etc/nova/nova.conf', { content: old, mode: '640', owner: 'root', group: 'nova' })
    const rendered = old.replaceAll('OLD-ROTATED-pw', pw).replace('debug = false', 'debug = true')
    const task = fileTask({
      host: 'aio1',
      role: 'nova',
      path: '/etc/nova/nova.conf',
      content: rendered,
      owner: 'root',
      group: 'nova',
      mode: 0o640,
      format: 'ini',
      notify: [],
      setBy: {},
    })
    // WHEN checked
    const r = await task.apply({ transport: host, host: model.hosts[0]!, check: true, changedFiles: new Set(), log: () => {}, redact })
    // THEN the change is shown, the new password by its name, the old one nowhere
    expect(r.detail).toBe('content (secrets shown by name or masked)')
    expect(r.diff).toContain('-debug = false\n+debug = true')
    expect(r.diff).toContain('+connection = mysql+pymysql://nova:<secret:nova_database_password>@10.0.0.11/nova')
    expect(r.diff).toContain('-connection = mysql+pymysql://nova:«masked»@10.0.0.11/nova')
    expect(r.diff).toContain('-password = «masked»')
    expect(r.diff).not.toContain('OLD-ROTATED-pw')
    expect(r.diff).not.toContain(pw)
  })

  it('never shows a line it cannot read as a key and a value', () => {
    expect(maskSecrets('[client.cinder]\n\tkey = AQBxyz==\n\tcaps mon = "profile rbd"\n')).toBe(
      '[client.cinder]\n\tkey = «masked»\n\tcaps mon = "profile rbd"\n',
    )
    expect(maskSecrets('gAAAAABk-fernet-key-material=\n')).toBe('«line not shown: it may hold a secret»\n')
    expect(maskSecrets('AQBxyzCephKey==\nuser=admin\n')).toBe(
      '«line not shown: it may hold a secret»\n«line not shown: it may hold a secret»\n',
    )
    expect(maskSecrets("SECRET_KEY = 'abc'\nDEBUG = False\n")).toBe('SECRET_KEY = «masked»\nDEBUG = False\n')
  })
})
