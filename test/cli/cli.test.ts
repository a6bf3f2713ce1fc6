// SPDX-License-Identifier: Apache-2.0
// The CLI as a user runs it: bin/stackhouse.js in a child process (needs `npm run build`).
import { spawnSync } from 'node:child_process'
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync, mkdirSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import type { Command } from 'commander'
import { program } from '../../installer/cli/main.ts'
import { packageRoot } from '../../installer/paths.ts'
import { fixturesDir } from '../helpers.ts'

const bin = join(packageRoot, 'bin', 'stackhouse.js')

function run(args: string[], cwd: string, input?: string) {
  const r = spawnSync(process.execPath, [bin, ...args], {
    cwd,
    encoding: 'utf8',
    input,
    env: { ...process.env, NO_COLOR: '1', FORCE_COLOR: '0' },
  })
  return { code: r.status, stdout: r.stdout, stderr: r.stderr, all: r.stdout + r.stderr }
}

/** A fresh folder per test, all removed when the file is done. */
const scratches: string[] = []
const scratch = () => {
  const dir = mkdtempSync(join(tmpdir(), 'stackhouse-cli-'))
  scratches.push(dir)
  return dir
}
afterAll(() => scratches.forEach((d) => rmSync(d, { recursive: true, force: true })))
/** Every command and subcommand, read from the CLI's own tree, so a new one cannot miss its --help test. */
function commandPaths(cmd: Command, prefix: string[] = []): string[] {
  return cmd.commands.flatMap((c) => {
    const path = [...prefix, c.name()]
    return [path.join(' '), ...commandPaths(c, path)]
  })
}
const commands = commandPaths(program())

describe('stackhouse CLI', () => {
  it('secrets generate makes the CA with a TLS inventory, and certs status shows it: names, days left, --json', () => {
    const dir = scratch()
    writeFileSync(join(dir, 'id_ed25519'), readFileSync(join(fixturesDir, 'inventories', 'id_ed25519')), { mode: 0o600 })
    writeFileSync(
      join(dir, 'inv.yml'),
      'name: tlscli\nhosts:\n  - { name: ctl1, address: 10.9.0.11, ssh: { key: id_ed25519 } }\ngroups: { control: [ctl1], network: [ctl1], compute: [ctl1], storage: [ctl1] }\ntls: { enabled: true }\n',
    )
    expect(run(['certs', 'status', '-i', 'inv.yml'], dir).stdout).toMatch(/no certificate yet: stackhouse deploy/)
    const gen = run(['secrets', 'generate', '-i', 'inv.yml'], dir)
    expect(gen.stdout).toMatch(/made the deployment's CA \(there was no CA\)/)
    expect(gen.stdout).toMatch(/made the api certificate \(there was none\)/)
    const human = run(['certs', 'status', '-i', 'inv.yml'], dir)
    expect(human.code).toBe(0)
    expect(human.stdout).toMatch(/^cert {2}CN=ctl1 {2}until \d{4}-\d\d-\d\d \(824 days left\)/m)
    expect(human.stdout).toMatch(/names: ctl1, 10\.9\.0\.11/)
    const json = JSON.parse(run(['certs', 'status', '-i', 'inv.yml', '--json'], dir).stdout) as {
      certificates: { isCa: boolean; daysLeft: number }[]
    }
    expect(json.certificates.map((c) => c.isCa).sort()).toEqual([false, true])
    expect(run(['secrets', 'generate', '-i', 'inv.yml'], dir).stdout).not.toMatch(/made/)
    // certs renew refuses, before touching anything, what it cannot renew: TLS off, or the operator's own certificate
    writeFileSync(
      join(dir, 'off.yml'),
      readFileSync(join(dir, 'inv.yml'), 'utf8').replace('tls: { enabled: true }', 'tls: { enabled: false }'),
    )
    const off = run(['certs', 'renew', '-i', 'off.yml'], dir)
    expect([off.code, off.stderr]).toEqual([2, expect.stringMatching(/TLS is off: there is no certificate to renew/)])
    writeFileSync(
      join(dir, 'own.yml'),
      readFileSync(join(dir, 'inv.yml'), 'utf8').replace(
        'tls: { enabled: true }',
        'tls: { enabled: true, certificate: .stackhouse/tls/api.crt, key: .stackhouse/tls/api.key }',
      ),
    )
    const own = run(['certs', 'renew', '-i', 'own.yml'], dir)
    expect([own.code, own.stderr]).toEqual([2, expect.stringMatching(/the certificate is your own \(tls.certificate\)/)])
  })

  it('has the commands a user looks for', () => {
    expect(commands).toEqual(
      expect.arrayContaining(['deploy', 'verify', 'sandbox layer build', 'sandbox layer show', 'secrets set', 'image build']),
    )
  })

  it.each(commands)('"%s --help" explains the command and exits 0', (cmd) => {
    const r = run([...cmd.split(' '), '--help'], scratch())
    expect(r.code).toBe(0)
    expect(r.stdout).toMatch(new RegExp(`^Usage: stackhouse ${cmd} `))
    expect(r.stdout).toContain('Exit codes:\n  0   success\n  1   a problem in your input')
  })

  it('init writes an inventory that validates, and refuses to overwrite it', () => {
    const dir = scratch()
    expect(run(['init', '--hosts', 'ctl1=10.0.0.11,cmp1=10.0.0.21,cmp2=10.0.0.22'], dir).code).toBe(0)
    const text = readFileSync(join(dir, 'inventory.yml'), 'utf8')
    expect(text).toContain('compute: [cmp1, cmp2]')
    // (editors that read YAML modelines find the schema this package ships)
    expect(text.split('\n')[0]).toBe(`# yaml-language-server: $schema=file://${join(packageRoot, 'inventory.schema.json')}`)
    const v = run(['validate', '-i', 'inventory.yml'], dir)
    expect(v.stdout).toContain('inventory.yml: valid (3 host(s), 4 group(s))')
    const again = run(['init'], dir)
    expect(again.code).toBe(2)
    expect(again.stderr).toContain('inventory.yml already exists')
    expect(readFileSync(join(dir, 'inventory.yml'), 'utf8')).toBe(text)
  })

  it('validate prints every error with file:line and exits 1, without a stack trace', () => {
    const dir = scratch()
    writeFileSync(join(dir, 'inv.yml'), 'hosts:\n  - name: a\n    adress: 10.0.0.1\n    tunel_address: 10.0.0.2\n')
    const r = run(['validate', '-i', 'inv.yml'], dir)
    expect(r.code).toBe(1)
    expect(r.stderr).toContain('inv.yml:4:5 /hosts/0/tunel_address: unknown key "tunel_address"')
    // (the inventory may be given without -i, too)
    expect(run(['validate', 'inv.yml'], dir).stderr).toBe(r.stderr)
    expect(r.stderr).toContain('inv.yml:3:5 /hosts/0/adress: unknown key "adress"\n  fix: did you mean "address"?')
    expect(r.stderr).not.toMatch(/\n\s+at /)
    const json = run(['validate', '-i', 'inv.yml', '--json'], dir)
    expect(json.code).toBe(1)
    expect(JSON.parse(json.stdout)).toMatchObject({
      valid: false,
      problems: [
        { line: 3, column: 5 },
        { line: 4, column: 5 },
      ],
    })
  })

  it('validate checks overrides/ and config: against the files that will render, creating no secret', () => {
    // GIVEN an inventory with a misspelt config: file and an override folder with a misspelt service
    const dir = scratch()
    writeFileSync(
      join(dir, 'inv.yml'),
      `${readFileSync(join(fixturesDir, 'inventories', 'aio.yml'), 'utf8').replace('key: id_ed25519', 'key: key')}config:\n  nova:\n    nova.con: { DEFAULT: { debug: true } }\n`,
    )
    writeFileSync(join(dir, 'key'), 'a key\n')
    mkdirSync(join(dir, 'overrides', 'keystne'), { recursive: true })
    writeFileSync(join(dir, 'overrides', 'keystne', 'keystone.conf'), '[DEFAULT]\ndebug = true\n')
    // WHEN validating THEN both are named, where they are, with the nearest right name
    const r = run(['validate', '-i', 'inv.yml'], dir)
    expect(r.code).toBe(1)
    expect(r.stderr).toMatch(
      /inv\.yml:\d+:5 \/config\/nova\/nova\.con: matches no rendered file\n {2}fix: did you mean config\.nova\.nova\.conf\?/,
    )
    expect(r.stderr).toContain(
      'overrides/keystne/keystone.conf:1:1: matches no rendered file\n  fix: did you mean overrides/keystone/keystone.conf?',
    )
    // AND --json carries the same problems, and no secrets file was made
    const json = JSON.parse(run(['validate', '-i', 'inv.yml', '--json'], dir).stdout) as { valid: boolean; problems: { file: string }[] }
    expect(json.valid).toBe(false)
    expect(json.problems.map((p) => p.file)).toEqual(['inv.yml', 'overrides/keystne/keystone.conf'])
    expect(readdirSync(dir).sort()).toEqual(['inv.yml', 'key', 'overrides'])
  })

  it('checks every file and folder argument before doing anything', () => {
    const dir = scratch()
    const inv = join(fixturesDir, 'inventories', 'aio.yml')
    // an inventory that is a folder, or a pipe (its secrets would land in /dev/fd)
    expect(run(['validate', '-i', dir], dir).stderr).toContain(`${dir}:1:1: is a folder, not an inventory file`)
    expect(run(['plan', '-i', '/dev/stdin'], dir, 'hosts: []\n').stderr).toContain(
      '/dev/stdin:1:1: is not a regular file (a pipe or a device?)',
    )
    // a secrets file that is a folder, or cannot be written
    mkdirSync(join(dir, 'sec'))
    const sec = run(['plan', '-i', inv, '--secrets', 'sec'], dir)
    expect([sec.code, sec.stderr]).toEqual([
      1,
      expect.stringContaining('sec: is a folder, not a secrets file\n  fix: name the file itself'),
    ])
    const ro = run(['secrets', 'generate', '-i', inv, '--secrets', '/proc/version/secrets.yaml'], dir)
    expect([ro.code, ro.stderr]).toEqual([1, expect.stringContaining('/proc/version/secrets.yaml: cannot be written (')])
    // an output folder that is a file
    writeFileSync(join(dir, 'out'), 'a file')
    const out = run(['render', '-i', inv, '--secrets', 's.yaml', '-o', 'out'], dir)
    expect([out.code, out.stderr]).toEqual([1, expect.stringContaining('out: is a file; render writes a folder')])
    // an image output folder that is a file, and init into a folder
    const img = run(['image', 'build', '--out', 'out'], dir)
    expect([img.code, img.stderr]).toEqual([2, expect.stringContaining('--out out: is a file, not a folder')])
    const init = run(['init', dir], dir)
    expect([init.code, init.stderr]).toEqual([2, expect.stringContaining(`${dir} is a folder`)])
    // a one-host --local deploy of a cloud with several hosts
    const local = run(['deploy', '-i', join(fixturesDir, 'inventories', '3-node.yml'), '--secrets', 's.yaml', '--local', '--check'], dir)
    expect([local.code, local.stderr]).toEqual([
      2,
      expect.stringContaining('--local deploys a one-host cloud on this machine; the run has 3 hosts'),
    ])
    // AND none of these is a stack trace
    for (const r of [sec, ro, out, img, init, local]) expect(r.stderr).not.toMatch(/\n\s+at /)
  })

  it('render writes per-host files with their modes and a manifest; refuses a foreign folder', () => {
    const dir = scratch()
    expect(run(['secrets', 'generate', '--secrets', 'secrets.yaml'], dir).code).toBe(0)
    const r = run(['render', '-i', join(fixturesDir, 'inventories', '3-node.yml'), '--secrets', 'secrets.yaml', '-o', 'out'], dir)
    expect(r.code, r.stderr).toBe(0)
    expect(readdirSync(join(dir, 'out')).sort()).toEqual(['.stackhouse-render', 'cmp1', 'cmp2', 'ctl1'])
    expect(readFileSync(join(dir, 'out', 'ctl1', 'MANIFEST'), 'utf8')).toContain('0644 root:root /etc/memcached.conf')
    expect(statSync(join(dir, 'out', 'ctl1', 'etc', 'memcached.conf')).mode & 0o777).toBe(0o644)
    mkdirSync(join(dir, 'mine'))
    writeFileSync(join(dir, 'mine', 'notes.txt'), 'precious')
    const refused = run(['render', '-o', 'mine', '--secrets', 'secrets.yaml'], dir)
    expect(refused.code).toBe(1)
    expect(readFileSync(join(dir, 'mine', 'notes.txt'), 'utf8')).toBe('precious')
  })

  it('render of the VMware drivers is refused with why and what instead (exit 1), not a bug (70), writing nothing', () => {
    // GIVEN the vSphere fixture: nova's VMware driver and cinder's VMDK driver, with Linux bridge networking
    const dir = scratch()
    const inv = join(fixturesDir, 'inventories', 'vsphere.yml')
    // WHEN rendering
    const r = run(['render', '-i', inv, '--secrets', 's.yaml', '-o', 'out'], dir)
    // THEN it exits 1 at the line that chose the driver, says why it cannot work and what to use instead
    expect(r.code, r.stderr).toBe(1)
    expect(r.stderr).toMatch(
      /vsphere\.yml:16:12 \/backends\/compute: compute backend "vmware" cannot give servers a network with network: linuxbridge/,
    )
    expect(r.stderr).toContain('fix: use compute: libvirt')
    expect(r.stderr).not.toContain('internal error')
    expect(r.stderr).not.toMatch(/\n\s+at /)
    // AND nothing was written: no rendered files, no secrets
    expect(existsSync(join(dir, 'out'))).toBe(false)
    expect(existsSync(join(dir, 's.yaml'))).toBe(false)
  })

  it('destroy of servers asks for --yes-i-really-mean-it before touching anything', () => {
    const dir = scratch()
    writeFileSync(
      join(dir, 'inv.yml'),
      'hosts:\n  - { name: ctl1, address: 10.0.0.11, ssh: { port: 1 } }\ngroups: { control: [ctl1], network: [ctl1], compute: [ctl1], storage: [ctl1] }\n',
    )
    const r = run(['destroy', '-i', 'inv.yml'], dir)
    expect(r.code).toBe(2)
    expect(r.stderr).toContain('this deletes every database, image and volume of the cloud on ctl1')
    expect(r.stderr).toContain('fix: run again with --yes-i-really-mean-it')
  })

  it('deploy to a loopback address is refused before any connection', () => {
    // GIVEN a host on loopback: no other host could ever reach it
    const dir = scratch()
    writeFileSync(
      join(dir, 'inv.yml'),
      'hosts:\n  - { name: ctl1, address: 127.0.0.1, ssh: { port: 1 } }\ngroups: { control: [ctl1], network: [ctl1], compute: [ctl1], storage: [ctl1] }\n',
    )
    // WHEN deploying THEN the inventory error names the line, nothing was changed, exit 1
    const r = run(['deploy', '-i', 'inv.yml'], dir)
    expect(r.code).toBe(1)
    expect(r.stderr).toContain('inv.yml:2:28 /hosts/0/address: 127.0.0.1 is a loopback address')
    expect(r.stderr).toContain('nothing was changed')
    expect(r.stderr).not.toMatch(/\n\s+at /)
  })

  it('deploy rejects an unknown --only role or --limit host before connecting', () => {
    // (a servers inventory: this test must never create a sandbox host)
    const dir = scratch()
    writeFileSync(
      join(dir, 'inv.yml'),
      'hosts:\n  - { name: ctl1, address: 10.0.0.11, ssh: { port: 1 } }\ngroups: { control: [ctl1], network: [ctl1], compute: [ctl1], storage: [ctl1] }\n',
    )
    const r = run(['deploy', '-i', 'inv.yml', '--only', 'keystnoe'], dir)
    expect(r.code).toBe(2)
    expect(r.stderr).toContain('--only: no role is named keystnoe\n  fix: did you mean "keystone"? roles and phases: prepare, mariadb,')
    const l = run(['deploy', '-i', 'inv.yml', '--limit', 'ctl1,ctl9'], dir)
    expect(l.code).toBe(2)
    expect(l.stderr).toContain('--limit: no host is named ctl9\n  fix: did you mean "ctl1"? hosts: ctl1')
  })

  it('colours its output when FORCE_COLOR asks, even into a pipe', () => {
    const dir = scratch()
    const plain = spawnSync(process.execPath, [bin, 'validate'], {
      cwd: dir,
      encoding: 'utf8',
      env: { ...process.env, NO_COLOR: '', FORCE_COLOR: '0' },
    })
    const forced = spawnSync(process.execPath, [bin, 'validate'], {
      cwd: dir,
      encoding: 'utf8',
      env: { ...process.env, NO_COLOR: '', FORCE_COLOR: '1' },
    })
    expect(plain.stdout).not.toContain('\x1b[')
    expect(forced.stdout).toContain('\x1b[32m✔\x1b[39m')
  })

  it('refuses --quiet with --verbose as a usage error, before anything is read', () => {
    const r = run(['deploy', '-i', join(fixturesDir, 'inventories', 'aio.yml'), '--quiet', '--verbose'], scratch())
    expect(r.code).toBe(2)
    expect(r.stderr).toContain('--quiet and --verbose ask for opposite things')
  })

  it('an unknown option is a usage error (exit 2)', () => {
    const r = run(['validate', '--frobnicate'], scratch())
    expect(r.code).toBe(2)
    expect(r.stderr).toContain("unknown option '--frobnicate'")
  })

  it('never prints a secret, except through "secrets show"', () => {
    const dir = scratch()
    const inv = join(fixturesDir, 'inventories', 'aio.yml')
    const p = ['-i', inv, '--secrets', 'secrets.yaml']
    const outputs = [
      run(['secrets', 'generate', ...p], dir),
      run(['validate', ...p], dir),
      run(['render', ...p, '-o', 'out'], dir),
      run(['render', ...p, '-o', 'out', '--json'], dir),
      run(['plan', ...p], dir),
      run(['plan', ...p, '--json'], dir),
      run(['secrets', 'list', ...p], dir),
      run(['secrets', 'list', ...p, '--json'], dir),
    ].map((r) => r.all)
    const values = Object.values(readSecretsFile(join(dir, 'secrets.yaml')))
    expect(values.length).toBeGreaterThan(20)
    for (const text of outputs) for (const v of values) expect(text).not.toContain(v)
    const shown = run(['secrets', 'show', 'admin_password', ...p], dir)
    expect(shown.stdout.trim()).toBe(readSecretsFile(join(dir, 'secrets.yaml')).admin_password)
  }, 60_000) // nine CLI runs: over 20 s on a busy 2-core machine

  it('never makes secrets as a side effect: only init, secrets generate and the built-in deploy do', () => {
    // GIVEN an inventory with no secrets file beside it (a typo in --secrets, another folder)
    const dir = scratch()
    const inv = join(fixturesDir, 'inventories', 'aio.yml')
    // WHEN read-only and deploying commands run THEN each refuses with the command that makes them, and none is made
    for (const args of [
      ['plan', '-i', inv, '--secrets', 'secretz.yaml'],
      ['render', '-i', inv, '--secrets', 'secretz.yaml', '-o', 'out'],
      ['deploy', '-i', inv, '--secrets', 'secretz.yaml', '--check'],
      ['secrets', 'show', 'admin_password', '--secrets', 'secretz.yaml'],
    ]) {
      const r = run(args, dir)
      expect(r.code, args.join(' ')).not.toBe(0)
      expect(r.stderr, args.join(' ')).toMatch(/secretz\.yaml(: does not exist| does not exist)/)
      expect(r.stderr).toMatch(/stackhouse secrets generate/)
    }
    expect(run(['secrets', 'list', '--secrets', 'secretz.yaml'], dir).stdout).toContain(
      'secretz.yaml does not exist; make it with: stackhouse secrets generate',
    )
    expect(readdirSync(dir)).toEqual([])
    // AND secrets generate makes them once: a second run changes nothing
    expect(run(['secrets', 'generate', '--secrets', 'secretz.yaml'], dir).stdout).toMatch(/generated \d+ secret\(s\)/)
    const first = readFileSync(join(dir, 'secretz.yaml'), 'utf8')
    expect(run(['secrets', 'generate', '--secrets', 'secretz.yaml'], dir).stdout).toContain('already holds every secret; nothing changed')
    expect(readFileSync(join(dir, 'secretz.yaml'), 'utf8')).toBe(first)
  })

  it('secrets set reads the value from standard input', () => {
    const dir = scratch()
    const r = run(['secrets', 'set', 'vsphere_password', '--secrets', 's.yaml'], dir, 'vc-pass\n')
    expect(r.code, r.stderr).toBe(0)
    expect(r.all).not.toContain('vc-pass')
    expect(readSecretsFile(join(dir, 's.yaml')).vsphere_password).toBe('vc-pass')
  })
})

function readSecretsFile(file: string): Record<string, string> {
  return Object.fromEntries(
    readFileSync(file, 'utf8')
      .split('\n')
      .filter((l) => /^\w+: /.test(l))
      .map((l) => [l.split(': ')[0], l.slice(l.indexOf(': ') + 2).replace(/^"|"$/g, '')]),
  )
}
