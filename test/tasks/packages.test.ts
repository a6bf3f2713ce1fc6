// SPDX-License-Identifier: Apache-2.0
// The packages task looks in one round trip: which packages are installed and
// whether dpkg was left half-done, read by one command (run here for real in bash
// with stand-in dpkg tools) and answered by the recording host.
import { execFileSync, spawnSync } from 'node:child_process'
import { chmodSync, existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import {
  compileDeferred,
  HostPackages,
  packageStateCommand,
  packagesTask,
  parsePackageState,
  setSelections,
} from '../../installer/tasks/packages.ts'
import { FakeHost, taskContext } from '../runner/fake-host.ts'
import { fixtureModel } from '../helpers.ts'

/** Bash runs the command with a dpkg-query that knows `nova-api` (installed) and `swift` (removed, config left), and a dpkg whose audit says `audit`. */
function runCommand(pkgs: string[], audit: string): string {
  const bin = mkdtempSync(join(tmpdir(), 'stackhouse-dpkg-'))
  writeFileSync(
    join(bin, 'dpkg-query'),
    `#!/bin/sh
shift 2
for p in "$@"; do case "$p" in nova-api) printf 'nova-api ii \\n' ;; swift) printf 'swift rc \\n' ;; *) echo "dpkg-query: no packages found matching $p" >&2 ;; esac; done
exit 1
`,
  )
  writeFileSync(join(bin, 'dpkg'), `#!/bin/sh\nprintf '%s' ${JSON.stringify(audit)}\n`)
  for (const f of ['dpkg-query', 'dpkg']) chmodSync(join(bin, f), 0o755)
  return execFileSync('bash', ['-c', packageStateCommand(pkgs)], { encoding: 'utf8', env: { PATH: `${bin}:/usr/bin:/bin` } })
}

const ctx = (transport: FakeHost, check = false) => taskContext(transport, fixtureModel('aio').hosts[0]!, check)

describe('the packages task', () => {
  it('reads installed packages and unfinished dpkg work with one command', () => {
    const pkgs = ['nova-api', 'swift', 'glance-api']
    expect(parsePackageState(pkgs, runCommand(pkgs, ''))).toEqual({ missing: ['swift', 'glance-api'], interrupted: false })
    expect(parsePackageState(pkgs, runCommand(pkgs, 'The following packages are only half configured\nfoo\n'))).toEqual({
      missing: ['swift', 'glance-api'],
      interrupted: true,
    })
    // No packages: still the audit.
    expect(parsePackageState([], runCommand([], 'half configured\n'))).toEqual({ missing: [], interrupted: true })
    // An answer without the mark (the shell died halfway): dpkg's work is finished to be safe.
    expect(parsePackageState(['nova-api'], 'nova-api ii \n')).toEqual({ missing: [], interrupted: true })
  })

  it('on a host with everything installed costs one round trip and changes nothing', async () => {
    // GIVEN a host with the packages installed and dpkg idle
    const host = new FakeHost('aio1')
    for (const p of ['nova-api', 'glance-api']) host.installed.add(p)
    // WHEN the task runs THEN it is ok after one command
    const shared = new HostPackages(['nova-api', 'glance-api'], [])
    const tasks = [
      packagesTask({ role: 'nova', packages: ['nova-api'], host: shared }),
      packagesTask({ role: 'glance', packages: ['glance-api'], host: shared }),
    ]
    // WHEN each role's task runs THEN both are ok after one command between them
    for (const t of tasks) await expect(t.apply(ctx(host))).resolves.toEqual({ status: 'ok' })
    expect(host.commands).toHaveLength(1)
  })

  it("installs each role's packages in its own transaction, refreshing apt's lists once", async () => {
    // GIVEN a bare host and two roles' package tasks sharing the host's look
    const host = new FakeHost('aio1')
    const shared = new HostPackages(['nova-api', 'glance-api'], ['nova-common nova/active-api boolean false'])
    const nova = packagesTask({ role: 'nova', packages: ['nova-api'], host: shared })
    const glance = packagesTask({ role: 'glance', packages: ['glance-api'], host: shared })
    // WHEN both run, in order
    await expect(nova.apply(ctx(host))).resolves.toMatchObject({ status: 'changed', detail: 'install 1: nova-api' })
    await expect(glance.apply(ctx(host))).resolves.toMatchObject({ status: 'changed', detail: 'install 1: glance-api' })
    // THEN each installed only its own, with every debconf answer set first, and only the first refreshed the lists
    const installs = host.commands.filter((c) => c.includes(' install '))
    expect(installs).toHaveLength(2)
    expect(installs[0]).toMatch(/ install nova-api /)
    expect(installs[1]).toMatch(/ install glance-api /)
    expect(installs.map((c) => c.includes(' update'))).toEqual([true, false])
    expect(host.commands.filter((c) => c.includes('debconf-set-selections "$answers"'))).toHaveLength(2)
    expect([...host.installed].sort()).toEqual(['glance-api', 'nova-api'])
    // AND a re-run (a new look) installs nothing
    const again = new HostPackages(['nova-api', 'glance-api'], [])
    await expect(packagesTask({ role: 'nova', packages: ['nova-api'], host: again }).apply(ctx(host))).resolves.toEqual({ status: 'ok' })
  })

  it('finishes an interrupted dpkg run, and reports it in check mode', async () => {
    const host = new FakeHost('aio1')
    host.installed.add('nova-api')
    host.dpkgAudit = 'The following packages are only half configured\n'
    const task = (shared: HostPackages) => packagesTask({ role: 'nova', packages: ['nova-api'], host: shared })
    await expect(task(new HostPackages(['nova-api'], [])).apply(ctx(host, true))).resolves.toEqual({
      status: 'changed',
      detail: 'finish an interrupted dpkg run',
    })
    expect(host.commands).toHaveLength(1)
    await expect(task(new HostPackages(['nova-api'], [])).apply(ctx(host))).resolves.toEqual({
      status: 'changed',
      detail: 'finish an interrupted dpkg run',
    })
    expect(host.commands.at(-1)).toContain('dpkg --configure -a')
  })
})

describe("debconf's answers after a killed run", () => {
  /** Runs the task's script in a real bash, with stand-ins for the commands it calls: `debconf` says what debconf-set-selections does each call. */
  function runSetSelections(debconf: string[]): { code: number; stderr: string; calls: number; answers: string } {
    const bin = mkdtempSync(join(tmpdir(), 'stackhouse-debconf-'))
    const stub = (name: string, body: string) => writeFileSync(join(bin, name), `#!/bin/bash\n${body}\n`, { mode: 0o755 })
    for (const name of ['timeout', 'sleep']) stub(name, 'exit 0')
    debconf.forEach((d, i) => writeFileSync(join(bin, `answer-${i + 1}`), d))
    stub(
      'debconf-set-selections',
      `n=$(( $(cat ${bin}/calls 2>/dev/null || echo 0) + 1 )); echo $n > ${bin}/calls; cp "$1" ${bin}/answers
r=$(cat ${bin}/answer-$n); [ "$r" = ok ] && exit 0; echo "$r" >&2; exit 1`,
    )
    const r = spawnSync('bash', ['-c', setSelections], {
      input: 'keystone keystone/configure_db boolean false\n',
      env: { ...process.env, PATH: `${bin}:${process.env.PATH}` },
      encoding: 'utf8',
    })
    const read = (f: string) => (existsSync(join(bin, f)) ? readFileSync(join(bin, f), 'utf8') : '')
    return { code: r.status ?? -1, stderr: r.stderr, calls: Number(read('calls') || 0), answers: read('answers') }
  }

  it('waits while a maintainer script still holds debconf, then sets every answer', () => {
    const locked =
      'debconf: DbDriver "config": /var/cache/debconf/config.dat is locked by another process: Resource temporarily unavailable'
    const r = runSetSelections([locked, locked, 'ok'])
    expect(r).toMatchObject({ code: 0, calls: 3, answers: 'keystone keystone/configure_db boolean false\n' })
  })

  it('fails at once, with what debconf said, for anything but a lock', () => {
    const r = runSetSelections(['debconf: parse error on line 1', 'ok'])
    expect(r).toMatchObject({ code: 1, calls: 1 })
    expect(r.stderr).toContain('parse error on line 1')
  })
})

describe("an apt transaction and the services' own code on one host", () => {
  /** A promise and the function that settles it. */
  const gate = () => {
    let open!: () => void
    const p = new Promise<void>((r) => (open = r))
    return { p, open }
  }
  const tick = () => new Promise((r) => setTimeout(r, 5))

  it('never overlap: a unit start waits for the transaction, the next transaction waits for the start', async () => {
    const host = new HostPackages(['nova-compute', 'neutron-linuxbridge-agent'], [])
    const events: string[] = []
    // GIVEN a transaction under way (neutron's packages unpacking)
    const apt = gate()
    const install = host.transact(async () => {
      events.push('apt begins')
      await apt.p
      events.push('apt ends')
    })
    await tick()
    // WHEN a unit start comes along THEN it waits for the transaction to end
    const start = gate()
    const starting = host.whileSettled(async () => {
      events.push('start begins')
      await start.p
      events.push('start ends')
    })
    await tick()
    expect(events).toEqual(['apt begins'])
    apt.open()
    await install
    await tick()
    expect(events).toEqual(['apt begins', 'apt ends', 'start begins'])
    // AND a transaction that comes along while the unit starts waits for the start
    const next = host.transact(async () => {
      events.push('apt 2')
    })
    await tick()
    expect(events.at(-1)).toBe('start begins')
    start.open()
    await Promise.all([starting, next])
    expect(events).toEqual(['apt begins', 'apt ends', 'start begins', 'start ends', 'apt 2'])
  })

  it('once the libraries are in: steps run beside a transaction, unit work still waits for it and it for unit work', async () => {
    const host = new HostPackages(['nova-api', 'neutron-server'], [])
    const events: string[] = []
    // GIVEN a transaction that unpacks no library, under way
    const apt = gate()
    const install = host.transact(
      async () => {
        events.push('apt begins')
        await apt.p
        events.push('apt ends')
      },
      { exclusive: false },
    )
    await tick()
    // WHEN a schema sync and a unit start come along
    const sync = host.whileSettled(async () => void events.push('db sync'))
    const start = gate()
    const starting = host.whileSettled(
      async () => {
        events.push('start begins')
        await start.p
        events.push('start ends')
      },
      { systemd: true },
    )
    await sync
    await tick()
    // THEN the sync ran beside it, the start waits
    expect(events).toEqual(['apt begins', 'db sync'])
    apt.open()
    await install
    await tick()
    expect(events.at(-1)).toBe('start begins')
    // AND the next such transaction waits for the unit start, not for other work under way
    const slow = gate()
    const other = host.whileSettled(async () => {
      events.push('other begins')
      await slow.p
    })
    const next = host.transact(async () => void events.push('apt 2'), { exclusive: false })
    await tick()
    expect(events.at(-1)).toBe('other begins')
    start.open()
    await next
    expect(events.slice(-2)).toEqual(['start ends', 'apt 2'])
    slow.open()
    await other
  })

  it('lets starts run side by side, and a failed transaction frees the host', async () => {
    const host = new HostPackages([], [])
    const failed = host.transact(() => Promise.reject(new Error('E: Unable to locate package')))
    await expect(failed).rejects.toThrow('Unable to locate package')
    // Two starts at once, then a transaction: both starts were under way together
    let inside = 0
    let most = 0
    const start = () =>
      host.whileSettled(async () => {
        most = Math.max(most, ++inside)
        await tick()
        inside--
      })
    await Promise.all([start(), start(), host.transact(async () => expect(inside).toBe(0))])
    expect(most).toBe(2)
  })
})

describe("a role's unit tasks on a host", () => {
  const tick = () => new Promise((r) => setTimeout(r, 5))

  it('run together: a transaction asked for during the first waits for the last', async () => {
    const host = new HostPackages([], [])
    const events: string[] = []
    const batch = host.unitBatch(3)
    // GIVEN the first unit starting
    let next: Promise<void> | undefined
    await batch.run(async () => {
      events.push('start 1')
      // WHEN another role's transaction is asked for meanwhile
      next = host.transact(async () => void events.push('apt'), { exclusive: false })
      await tick()
    })
    // THEN the second and third start before it, with a step of the runner's between them
    await tick()
    await batch.run(async () => void events.push('start 2'))
    await batch.run(async () => void events.push('start 3'))
    await next
    expect(events).toEqual(['start 1', 'start 2', 'start 3', 'apt'])
  })

  it('waits for a transaction under way before its first task', async () => {
    const host = new HostPackages([], [])
    const events: string[] = []
    const install = host.transact(async () => {
      await tick()
      events.push('apt')
    })
    await host.unitBatch(1).run(async () => void events.push('start'))
    await install
    expect(events).toEqual(['apt', 'start'])
  })

  it('ends its hold on a failure, or when the next task does not come', async () => {
    const host = new HostPackages([], [])
    // A failed start: the transaction goes ahead
    const failing = host.unitBatch(2)
    await expect(failing.run(() => Promise.reject(new Error('Job for nova-api.service failed')))).rejects.toThrow('failed')
    await host.transact(async () => undefined)
    // A batch whose second task never runs (the runner stopped): held only for the linger
    const stopped = host.unitBatch(2, 50)
    await stopped.run(async () => undefined)
    const asked = Date.now()
    await host.transact(async () => undefined)
    expect(Date.now() - asked).toBeGreaterThanOrEqual(40)
  })
})

describe('byte-compiling deferred to the end of a transaction', () => {
  /** roles/common's py3compile in <dir>/apt-path, and a system py3compile in <dir>/bin that writes down its calls. */
  function stage() {
    const dir = mkdtempSync(join(tmpdir(), 'stackhouse-py3compile-'))
    for (const d of ['apt-path', 'bin']) execFileSync('mkdir', [join(dir, d)])
    const wrapper = readFileSync(join(import.meta.dirname, '../../roles/common/files/py3compile-later.sh'), 'utf8')
    writeFileSync(join(dir, 'apt-path/py3compile'), wrapper, { mode: 0o755 })
    writeFileSync(join(dir, 'bin/py3compile'), `#!/bin/sh\necho "$*" >> ${dir}/compiled\n`, { mode: 0o755 })
    const list = join(dir, 'state/py3compile.list')
    const compiled = () =>
      existsSync(join(dir, 'compiled')) ? readFileSync(join(dir, 'compiled'), 'utf8').split('\n').filter(Boolean).sort() : []
    const env = { PATH: `${join(dir, 'apt-path')}:${join(dir, 'bin')}:/usr/bin:/bin`, STACKHOUSE_PY3COMPILE_LIST: list }
    const maintainerScript = (...args: string[]) => spawnSync(join(dir, 'apt-path/py3compile'), args, { env, encoding: 'utf8' })
    return { dir, list, compiled, maintainerScript }
  }

  it('writes the calls down during apt, compiles each package once after it, and forgets the list', () => {
    const { dir, list, compiled, maintainerScript } = stage()
    // GIVEN the maintainer scripts of one transaction call py3compile (one package twice)
    for (const args of [
      ['-p', 'python3-oslo.db'],
      ['-p', 'python3-nova', '-V', '3.11-'],
      ['-p', 'python3-oslo.db'],
    ])
      expect(maintainerScript(...args).status).toBe(0)
    // THEN nothing is compiled yet, and the calls are written down
    expect(compiled()).toEqual([])
    expect(readFileSync(list, 'utf8')).toBe('-p python3-oslo.db\n-p python3-nova -V 3.11-\n-p python3-oslo.db\n')
    // WHEN the transaction ends (PATH as the SSH session's: the wrapper's folder is not on it)
    execFileSync('bash', ['-c', compileDeferred(list)], { env: { PATH: `${join(dir, 'bin')}:/usr/bin:/bin` } })
    // THEN each package is compiled once, with its own arguments, and the list is gone
    expect(compiled()).toEqual(['-p python3-nova -V 3.11-', '-p python3-oslo.db'])
    expect(existsSync(list)).toBe(false)
  })

  it('runs at once a call it could not replay word by word', () => {
    const { dir, list, maintainerScript } = stage()
    // A blank in a word, and no word at all (py3compile's own usage message)
    expect(maintainerScript('/usr/lib/python3/dist-packages/odd name').status).toBe(0)
    expect(maintainerScript().status).toBe(0)
    expect(readFileSync(join(dir, 'compiled'), 'utf8')).toBe('/usr/lib/python3/dist-packages/odd name\n\n')
    expect(existsSync(list)).toBe(false)
  })

  it('counts a list a killed transaction left as unfinished work', () => {
    const { list } = stage()
    const dpkg = mkdtempSync(join(tmpdir(), 'stackhouse-dpkg-'))
    writeFileSync(join(dpkg, 'dpkg'), '#!/bin/sh\n', { mode: 0o755 })
    const look = () =>
      execFileSync('bash', ['-c', packageStateCommand([], list)], { encoding: 'utf8', env: { PATH: `${dpkg}:/usr/bin:/bin` } })
    expect(parsePackageState([], look()).interrupted).toBe(false)
    execFileSync('mkdir', ['-p', join(list, '..')])
    writeFileSync(list, '-p python3-nova\n')
    expect(parsePackageState([], look()).interrupted).toBe(true)
  })
})
