// SPDX-License-Identifier: Apache-2.0
// The Python libraries go in first, in one transaction; after that a role's
// transaction unpacks nothing another role's service imports, so it no longer holds
// their unit starts and steps back. The command runs here for real in bash, with
// stand-in apt-get and apt-cache that print what Debian's print.
import { execFileSync } from 'node:child_process'
import { chmodSync, mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { librariesCommand, librariesTask, parseLibraries } from '../../installer/tasks/libraries.ts'
import { HostPackages, packagesTask } from '../../installer/tasks/packages.ts'
import { FakeHost, taskContext } from '../runner/fake-host.ts'
import { fixtureModel } from '../helpers.ts'

/** Runs the command in bash with an apt-get whose simulation prints `sim`, and an apt-cache that prints `show`. */
function runCommand(pkgs: string[], sim: string, show: string): string {
  const bin = mkdtempSync(join(tmpdir(), 'stackhouse-apt-'))
  writeFileSync(join(bin, 'apt-get'), `#!/bin/sh\n[ "$1" = -s ] || exit 9\ncat <<'EOF'\n${sim}\nEOF\n`)
  writeFileSync(join(bin, 'apt-cache'), `#!/bin/sh\necho "$*" > ${bin}/asked\ncat <<'EOF'\n${show}\nEOF\n`)
  for (const f of ['apt-get', 'apt-cache']) chmodSync(join(bin, f), 0o755)
  return execFileSync('bash', ['-c', librariesCommand(pkgs)], { encoding: 'utf8', env: { PATH: `${bin}:/usr/bin:/bin` } })
}

const ctx = (transport: FakeHost, check = false) => taskContext(transport, fixtureModel('aio').hosts[0]!, check)

/** A bare host where nova-api and neutron-common bring their own code and shared libraries. */
function bareHost(): FakeHost {
  const host = new FakeHost('aio1')
  host.apt.depends.set('nova-api', ['python3-nova', 'python3-oslo.config', 'libvirt0'])
  host.apt.depends.set('neutron-common', ['python3-neutron', 'python3-oslo.config', 'python3-osprofiler'])
  for (const [p, src] of Object.entries({
    'nova-api': 'nova',
    'python3-nova': 'nova',
    'neutron-common': 'neutron',
    'python3-neutron': 'neutron',
  }))
    host.apt.source.set(p, src)
  host.apt.source.set('python3-oslo.config', 'python-oslo.config')
  return host
}

describe('the Python libraries, first', () => {
  it("are the python3 packages apt would install that are not built from a named service package's source", () => {
    // GIVEN apt's simulation of nova-api, neutron-common and python3-pymysql (named by a role) on a bare host
    const sim = [
      'NOTE: This is only a simulation!',
      'Inst python3-oslo.config (1:9.0.0-2 Debian:12.8/stable [all])',
      'Inst python3-osprofiler:amd64 (3.4.3-2 Debian:12.8/stable [all])',
      'Inst python3-nova (2:26.2.2-1~deb12u4 Debian:12.8/stable [all])',
      'Inst python3-neutron (2:21.2.0-2 Debian:12.8/stable [all])',
      'Inst python3-pymysql (1.0.2-2 Debian:12.8/stable [all])',
      'Inst libvirt0 (9.0.0-4 Debian:12.8/stable [amd64])',
      'Inst nova-api (2:26.2.2-1~deb12u4 Debian:12.8/stable [all])',
      'Conf python3-oslo.config (1:9.0.0-2 Debian:12.8/stable [all])',
    ].join('\n')
    const show = [
      'Package: nova-api',
      'Source: nova',
      'Package: neutron-common',
      'Source: neutron (2:21.2.0-2)',
      'Package: python3-pymysql',
      'Source: pymysql',
      'Package: python3-oslo.config',
      'Source: python-oslo.config',
      'Package: python3-osprofiler',
      'Source: osprofiler',
      'Package: python3-nova',
      'Source: nova',
      'Package: python3-neutron',
      'Source: neutron (2:21.2.0-2)',
    ].join('\n')
    const named = ['nova-api', 'neutron-common', 'python3-pymysql']
    const out = runCommand(named, sim, show)
    // THEN the libraries are those, and each service's own code stays with its service
    expect(parseLibraries(named, out)).toEqual(['python3-oslo.config', 'python3-osprofiler', 'python3-pymysql'])
    // AND a package whose stanza has no Source line is its own source
    expect(parseLibraries(['python3-six'], 'inst python3-six\n@sources\nPackage: python3-six\n')).toEqual(['python3-six'])
  })

  it("install in one transaction before any role's, marked automatic, and a role's transaction then holds no unit start back", async () => {
    // GIVEN a bare host with nova's and neutron's packages missing
    const host = bareHost()
    const shared = new HostPackages(['nova-api', 'neutron-common'], [])
    // WHEN the libraries task runs
    await expect(librariesTask(shared).apply(ctx(host))).resolves.toEqual({
      status: 'changed',
      detail: 'install 2: python3-oslo.config python3-osprofiler',
    })
    // THEN it refreshed the lists, installed the two libraries (not python3-nova or python3-neutron), marked them automatic
    const installs = host.commands.filter((c) => /apt-get -y .* (install|update)/.test(c))
    expect(installs).toHaveLength(2)
    expect(installs[0]).toMatch(/apt-get -y .* update/)
    expect(installs[1]).toMatch(/ install python3-oslo.config python3-osprofiler /)
    expect(installs[1]).toContain('apt-mark auto python3-oslo.config python3-osprofiler >/dev/null')
    expect(shared.librariesFirst).toBe(true)
    // AND the lists are not refreshed again by the roles' transactions
    await packagesTask({ role: 'nova', packages: ['nova-api'], host: shared }).apply(ctx(host))
    expect(host.commands.at(-1)).not.toMatch(/ update\n/)

    // WHEN neutron's transaction is under way THEN a unit start of nova runs beside it
    let release!: () => void
    const held = new Promise<void>((r) => (release = r))
    host.onExec = async (c) => {
      if (c.includes(' install neutron-common')) await held
    }
    const installing = packagesTask({ role: 'neutron', packages: ['neutron-common'], host: shared }).apply(ctx(host))
    await new Promise((r) => setTimeout(r, 20))
    await expect(shared.whileSettled(async () => 'started')).resolves.toBe('started')
    release()
    await installing
    expect([...host.installed]).toEqual(expect.arrayContaining(['python3-neutron', 'python3-osprofiler', 'nova-api']))
  })

  it("run lines after a role's packages before any unit starts, while steps go on beside them", async () => {
    const host = bareHost()
    const shared = new HostPackages(['nova-api', 'neutron-common'], [])
    await librariesTask(shared).apply(ctx(host))
    let release!: () => void
    const held = new Promise<void>((r) => (release = r))
    host.onExec = async (c) => {
      if (c.includes(' install nova-api')) await held
    }
    const installing = packagesTask({ role: 'nova', packages: ['nova-api'], host: shared, after: ['a2dissite -q default-ssl'] }).apply(
      ctx(host),
    )
    await new Promise((r) => setTimeout(r, 20))
    // A step (a schema sync) runs; a unit start waits for the transaction, and its lines after
    await expect(shared.whileSettled(async () => 'synced')).resolves.toBe('synced')
    let started = false
    const start = shared.whileSettled(async () => (started = true), { systemd: true })
    await new Promise((r) => setTimeout(r, 20))
    expect(started).toBe(false)
    release()
    await Promise.all([installing, start])
    expect(started).toBe(true)
    const script = host.commands.find((c) => c.includes(' install nova-api'))!
    expect(script.indexOf('a2dissite -q default-ssl')).toBeGreaterThan(script.indexOf(' install nova-api'))
  })

  it('step aside when apt cannot resolve the packages: the role that names a missing one fails in its own task, and transactions stay exclusive', async () => {
    // GIVEN a role naming a package the archive does not have
    const host = bareHost()
    host.failing.set('apt-get -s', 'E: Unable to locate package stackhouse-no-such-package')
    host.failing.set('apt-get -y .* install stackhouse-no-such-package', 'E: Unable to locate package stackhouse-no-such-package')
    const shared = new HostPackages(['nova-api', 'stackhouse-no-such-package'], [])
    // WHEN the libraries task runs THEN it passes, says why it installed nothing, and leaves every transaction exclusive
    await expect(librariesTask(shared).apply(ctx(host))).resolves.toEqual({
      status: 'ok',
      detail: "apt cannot resolve the roles' packages: each role's transaction installs its own",
    })
    expect(shared.librariesFirst).toBe(false)
    expect(host.commands.filter((c) => /apt-get -y .* install /.test(c))).toEqual([])
    // AND the role's own task fails with apt's words
    await expect(
      packagesTask({ role: 'bogus', packages: ['stackhouse-no-such-package'], host: shared }).apply(ctx(host)),
    ).rejects.toMatchObject({ task: 'bogus.packages', stderr: 'E: Unable to locate package stackhouse-no-such-package' })
  })

  it('cost nothing on a host that has every package, and only read in check mode', async () => {
    // GIVEN a host with everything installed WHEN the task runs THEN it is ok with no command of its own
    const full = bareHost()
    for (const p of ['nova-api', 'neutron-common']) full.installed.add(p)
    const shared = new HostPackages(['nova-api', 'neutron-common'], [])
    await expect(librariesTask(shared).apply(ctx(full))).resolves.toEqual({ status: 'ok' })
    expect(full.commands).toHaveLength(1) // the packages' one look, shared with the roles' tasks
    expect(shared.librariesFirst).toBe(true)
    // AND in check mode, a bare host is told what would be installed, and nothing is
    const bare = bareHost()
    await expect(librariesTask(new HostPackages(['nova-api'], [])).apply(ctx(bare, true))).resolves.toEqual({
      status: 'changed',
      detail: 'install 1 library',
    })
    expect(bare.commands.filter((c) => c.includes('apt-get -y'))).toEqual([])
    expect(bare.installed.size).toBe(0)
  })
})
