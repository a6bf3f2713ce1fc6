// SPDX-License-Identifier: Apache-2.0
// Every error kind gives its documented exit code, and so does one error of every
// class; anything that is not a StackhouseError is a bug (70). A new kind, or a new
// error class under installer/, without a row here fails this test.
import { CommanderError } from 'commander'
import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { describeError, exitCodes } from '../../installer/cli/main.ts'
import { DeployFailed } from '../../installer/cli/deploy.ts'
import { VerifyFailed } from '../../installer/cli/verify.ts'
import type { DeployReport } from '../../installer/deploy.ts'
import { errorKinds, FixableError, StackhouseError, UsageError, type ErrorKind } from '../../installer/errors.ts'
import { GuestImageError } from '../../installer/guest-image/errors.ts'
import { InventoryError } from '../../installer/inventory/problems.ts'
import { KeystoneError } from '../../installer/openstack/keystone.ts'
import { OpenStackError } from '../../installer/openstack/session.ts'
import { packageRoot } from '../../installer/paths.ts'
import { TemplateError } from '../../installer/render/handlebars.ts'
import { IniSyntaxError } from '../../installer/render/ini.ts'
import { OverrideError, RenderValueError } from '../../installer/render/render.ts'
import { OutputDirError } from '../../installer/render/write.ts'
import { ConnectError } from '../../installer/runner/connect.ts'
import { SandboxError } from '../../installer/sandbox/errors.ts'
import { SecretOwnerError } from '../../installer/secrets/names.ts'
import { SecretsError } from '../../installer/secrets/store.ts'
import { TaskError } from '../../installer/tasks/types.ts'
import { TransportError } from '../../installer/transport/types.ts'
import { VsphereError } from '../../installer/vsphere/errors.ts'
import { CheckFailure } from '../../installer/verify/types.ts'
import { LabFileError } from '../../installer/labs/load.ts'
import { LabError } from '../../installer/labs/runner.ts'
import { LabCheckFailed } from '../../installer/cli/lab.ts'
import type { VerifyReport } from '../../installer/verify/types.ts'

/** The codes as `--help` documents them (test/cli/cli.test.ts checks the help text itself). */
const documented: Record<ErrorKind, number> = { input: 1, usage: 2, hosts: 4, verify: 5, unhealthy: 6, internal: 70 }

const unreachable = new TransportError(
  'cmp1',
  '10.0.0.21',
  'unreachable',
  'cannot connect over SSH: no route to the address',
  'check that the host is up',
)
const deployReport = {
  check: false,
  hosts: [],
  changes: [],
  failures: [{ host: 'cmp1', task: 'nova.db-sync', message: 'failed', log: 'cmp1.log' }],
  logDir: '.',
} satisfies DeployReport
const verifyReport: VerifyReport = {
  ok: false,
  checks: [{ id: 'compute', name: 'compute service', status: 'fail', seconds: 1, message: 'down' }],
  seconds: 1,
  kept: [],
}

/** One error of every class, by the kind it is. */
const byKind: Record<ErrorKind, Error[]> = {
  input: [
    new InventoryError([
      {
        file: 'inventory.yml',
        line: 3,
        column: 5,
        path: '/hosts/0/adress',
        message: 'unknown key "adress"',
        fix: 'did you mean "address"?',
        severity: 'error',
      },
    ]),
    new FixableError('nova-compute needs the vCenter password', { fix: 'stackhouse secrets set vsphere_password' }),
    new SandboxError('cannot create the sandbox host', { fix: 'install incus' }),
    new GuestImageError('mmdebstrap failed', { fix: 'install mmdebstrap' }),
    new TemplateError('roles/keystone/templates/keystone.conf.hbs', 17, '"x" not defined'),
    new OutputDirError('rendered', 'is a file; render writes a folder'),
    new IniSyntaxError(3, 'expected "key = value"'),
    new OverrideError('overrides/keystne/keystone.conf', 'matches no rendered file', 'did you mean overrides/keystone/keystone.conf?'),
    new RenderValueError('hosts.ctl1.address', 'a\nb'),
    new SecretsError('secrets.yaml', 'is not valid YAML', { fix: 'restore it from a backup' }),
    new LabFileError([
      { file: 'lab.yaml', line: 9, column: 10, path: '/minutes', message: 'must be a whole number, got "twenty"', severity: 'error' },
    ]),
    new VsphereError('vSphere refused Login: Login failure (InvalidLogin)', 'input', 'check the user and password', 'InvalidLogin'),
  ],
  usage: [
    new UsageError('inventory.yml already exists', 'choose another name'),
    new LabError('lab first-instance needs volumev3, which this cloud does not have', 'enable cinder'),
  ],
  hosts: [
    new TaskError('command failed with exit code 1', {
      host: 'ctl1',
      task: 'keystone.db-sync',
      command: 'keystone-manage db_sync',
      exitCode: 1,
      stderr: 'no database',
    }),
    unreachable,
    new ConnectError([unreachable]),
    new DeployFailed(deployReport),
    new KeystoneError(401, 'https://ctl1:5000/v3/auth/tokens', 'the password was refused'),
    new OpenStackError('compute', 'GET', 'https://ctl1:8774/v2.1/servers', 503, 'unavailable'),
    new LabCheckFailed('the check of launch could not run: timed out', 'hosts'),
  ],
  verify: [
    new VerifyFailed(verifyReport),
    new CheckFailure('nova-compute is down', { service: 'nova-compute', fix: 'systemctl restart nova-compute' }),
    new LabCheckFailed('launch: not done yet', 'verify'),
  ],
  unhealthy: [new StackhouseError('the cloud is not healthy', { kind: 'unhealthy' })],
  internal: [
    new StackhouseError('buildModel: the inventory should have been validated', { kind: 'internal' }),
    new SecretOwnerError('nova_database_password', 'nova', 'widget'),
  ],
}

describe('exit codes', () => {
  it('the table has a documented code and a row for every error kind, and nothing else', () => {
    expect(Object.keys(documented).sort()).toEqual([...errorKinds].sort())
    expect(Object.keys(byKind).sort()).toEqual([...errorKinds].sort())
    for (const kind of errorKinds) expect(byKind[kind].length, kind).toBeGreaterThan(0)
    // (the CLI's table agrees, and adds only deploy --check's "pending", which is not an error)
    expect(exitCodes).toEqual({ ...documented, pending: 3 })
  })

  const rows = errorKinds.flatMap((kind) => byKind[kind].map((error) => ({ kind, name: error.name, error })))
  it.each(rows)('$kind: $name exits with the documented code', ({ kind, name, error }) => {
    expect(error).toBeInstanceOf(StackhouseError)
    expect((error as StackhouseError).kind).toBe(kind)
    expect(error.constructor.name).toBe(name)
    const { code, lines } = describeError(error)
    expect(code).toBe(documented[kind])
    // Only a bug shows a stack trace.
    if (kind !== 'internal') expect(lines.join('\n')).not.toMatch(/\n\s+at /)
  })

  it.each([new Error('boom'), new TypeError("Cannot read properties of undefined (reading 'name')"), 'a thrown string', undefined])(
    '%s, not a StackhouseError, is a bug: 70 with the stack',
    (thrown) => {
      const { code, lines } = describeError(thrown)
      expect(code).toBe(70)
      expect(lines[0]).toMatch(/^✖ internal error in Stackhouse .+: this is a bug, please report it/)
      if (thrown instanceof Error) expect(lines[1]).toBe(thrown.stack)
    },
  )

  it('commander has printed its own message: help exits 0, a usage mistake 2', () => {
    expect(describeError(new CommanderError(0, 'commander.helpDisplayed', ''))).toEqual({ code: 0, lines: [] })
    expect(describeError(new CommanderError(1, 'commander.unknownOption', "error: unknown option '--x'"))).toEqual({ code: 2, lines: [] })
  })

  // CheckSkipped is a signal inside verify; HttpError is the lab guide's answer to a browser: neither reaches the CLI.
  it('every error class under installer/ has a row (but the signals CheckSkipped and HttpError)', () => {
    const declared = sources(join(packageRoot, 'installer')).flatMap((text) =>
      [...text.matchAll(/class (\w+) extends (\w+)/g)].filter(([, , base]) => /Error$/.test(base!)).map(([, name]) => name!),
    )
    const covered = new Set(
      Object.values(byKind)
        .flat()
        .map((e) => e.constructor.name),
    )
    const signals = ['CheckSkipped', 'HttpError']
    expect(declared.filter((name) => !covered.has(name) && !signals.includes(name)).sort()).toEqual([])
  })
})

/** The text of every .ts file under `dir`. */
function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((d) => d.isFile() && d.name.endsWith('.ts'))
    .map((d) => readFileSync(join(d.parentPath, d.name), 'utf8'))
}
