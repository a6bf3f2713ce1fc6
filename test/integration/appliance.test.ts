// SPDX-License-Identifier: Apache-2.0
// Issue 11 end to end: build the appliance's images, boot its disk's root under
// systemd-nspawn on the sandbox bridges with an ovf-env.xml in the seed folder,
// and watch first boot reach Ready by itself; verify from this machine; then cut
// its power (SIGKILL) and boot it again: Ready, verified, no deploy run.
import { spawn } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { parse as parseYaml } from 'yaml'
import { buildAppliance, type BuildReport } from '../../appliance/build/build.ts'
import { ovfEnvironment } from '../../appliance/first-boot/environment.ts'
import {
  bootApplianceSandbox,
  cutPower,
  mountImageRoot,
  readApplianceStatus,
  unmountImageRoot,
  waitForApplianceSettled,
} from '../../appliance/sandbox.ts'
import { checkOva } from '../../appliance/ova/check.ts'
import { verifyDeployedCloud } from '../../installer/commands/verify.ts'
import { ensureMachinePackages } from '../../installer/machine-packages.ts'
import { httpFetch } from '../../installer/openstack/http.ts'
import { run } from '../../installer/run.ts'
import { loadProject } from '../../installer/project.ts'
import {
  createSandbox,
  destroySandbox,
  listSandboxes,
  sandboxPaths,
  startSandbox,
  type SandboxHost,
} from '../../installer/sandbox/index.ts'
import { sandboxLayer } from '../../installer/commands/layer.ts'
import { removeKnownHost, setKnownHost } from '../../installer/sandbox/ssh.ts'
import { readRecord } from '../../installer/sandbox/state.ts'
import { roles } from '../../roles/index.ts'
import { onSandboxHost } from './on-host.ts'

const tag = randomBytes(2).toString('hex')
/** Where reconfigure moves the appliance in the last test. */
const movedAddress = '10.77.0.23'
// Made per run, like every secret: the first boot's password, then reconfigure's new one.
const firstPassword = `pw-${randomBytes(12).toString('hex')}`
const newPassword = `pw-${randomBytes(12).toString('hex')}`
const good = `t-appl-${tag}`
const bad = `t-applbad-${tag}`
const fromLayer = `t-layer-${tag}`
const second = `t-appl2-${tag}`
const hostMode = `t-applhost-${tag}`
const work = mkdtempSync('/var/tmp/stackhouse-appliance-test-')
const rootMount = join(work, 'root')
let build: BuildReport
let host: SandboxHost

const waitFor = async <T>(what: string, ms: number, probe: () => Promise<T | undefined>): Promise<T> => {
  const deadline = Date.now() + ms
  for (;;) {
    const got = await probe().catch(() => undefined)
    if (got) return got
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise((r) => setTimeout(r, 3000))
  }
}

const onHost = onSandboxHost

const boot = (name: string, address: string, settings: Record<string, string>, waitForSsh = true) =>
  bootApplianceSandbox(name, { root: rootMount, address, settings, waitForSsh })

const publicKey = () => readFileSync(`${sandboxPaths.key}.pub`, 'utf8').trim()

describe('the appliance', () => {
  beforeAll(async () => {
    build = await buildAppliance({ outDir: join(work, 'out'), roles, keepRaw: true })
    // Mounted read-only, the disk's root is the appliance hosts' only layer.
    await mountImageRoot(build.raw!, rootMount)
  })
  afterAll(async () => {
    for (const n of [good, bad, fromLayer, second, hostMode]) if (readRecord(n)) await destroySandbox(n)
    removeKnownHost(movedAddress)
    await unmountImageRoot(rootMount)
    // The layer stays for the files after this one: layer-setup.ts removes it at the end of the run.
    rmSync(work, { recursive: true, force: true })
  })

  it('builds a compressed qcow2 and an OVA that passes the checker', async () => {
    const info = JSON.parse((await run('qemu-img', ['info', '--output=json', build.qcow2])).stdout) as {
      format: string
      'virtual-size': number
    }
    expect(info.format).toBe('qcow2')
    expect(info['virtual-size']).toBe(40 * 2 ** 30)
    expect(build.bytes.qcow2).toBeLessThan(info['virtual-size'] / 4)
    const check = await checkOva(build.ova)
    expect(check.problems).toEqual([])
    expect(check.members.map((m) => m.name)).toEqual([
      `stackhouse-${build.version}.ovf`,
      `stackhouse-${build.version}.mf`,
      `stackhouse-${build.version}-disk1.vmdk`,
    ])
  })

  it("starts from the pre-installed layer: the cloud's packages, built on a host that is gone, the base untouched", () => {
    const layer = sandboxLayer()!
    expect(layer.packages).toEqual(
      expect.arrayContaining([
        'mariadb-server',
        'keystone',
        'nova-api',
        'nova-compute-qemu',
        'neutron-l3-agent',
        'ceph-osd',
        'cinder-api',
        'openstack-dashboard',
      ]),
    )
    expect(listSandboxes().map((h) => h.name)).not.toContain('layer-build')
    expect(listSandboxes().map((h) => h.name)).not.toContain('appliance-build')
    expect(existsSync(join(sandboxPaths.baseRootfs, 'usr', 'sbin', 'mariadbd'))).toBe(false)
    expect(existsSync(join(layer.path, 'usr', 'sbin', 'mariadbd'))).toBe(true)
    expect(existsSync(join(rootMount, 'usr', 'sbin', 'mariadbd'))).toBe(true)
    for (const f of [
      'var/cache/apt/archives',
      'etc/machine-id',
      'etc/hostname',
      'etc/ssh/ssh_host_ed25519_key',
      'root/.ssh/authorized_keys',
    ])
      expect(existsSync(join(layer.path, f)), f).toBe(false)
  })

  it('gives a sandbox host made from the layer every package, its units off, and an identity of its own', async () => {
    const h = await createSandbox(fromLayer)
    try {
      expect(h.layer).toBe(sandboxLayer()!.path)
      const layer = sandboxLayer()!
      const installed = (
        await onHost(h, `dpkg-query -W -f='\${Package} \${db:Status-Abbrev}\\n' ${layer.packages.join(' ')} 2>/dev/null`)
      ).stdout
        .split('\n')
        .filter((l) => / ii/.test(l))
        .map((l) => l.split(' ')[0]!.split(':')[0])
      expect(layer.packages.filter((p) => !installed.includes(p))).toEqual([])
      // The packages enabled their units (some that no role names); the layer turned them off so that nothing starts unconfigured.
      for (const unit of [
        'mariadb.service',
        'rabbitmq-server.service',
        'nova-api.service',
        'apache2.service',
        'haproxy.service',
        'nova-serialproxy.service',
      ])
        expect((await onHost(h, `systemctl show -p UnitFileState -p ActiveState --value -- ${unit}`)).stdout, unit).toBe(
          'inactive\ndisabled',
        )
      expect((await onHost(h, 'cat /etc/hostname')).stdout).toBe(fromLayer)
      expect((await onHost(h, 'cat /etc/machine-id')).stdout).toMatch(/^[0-9a-f]{32}$/)
    } finally {
      await destroySandbox(fromLayer)
    }
  })

  it('carries no secret, host key or identity of the build', () => {
    expect(existsSync(join(rootMount, 'var/lib/stackhouse/appliance/secrets.yaml'))).toBe(false)
    expect(readdirSync(join(rootMount, 'etc/ssh')).filter((f) => f.startsWith('ssh_host_'))).toEqual([])
    expect(existsSync(join(rootMount, 'var/lib/rabbitmq/.erlang.cookie'))).toBe(false)
    expect(existsSync(join(rootMount, 'root/.ssh/authorized_keys'))).toBe(false)
    expect(readFileSync(join(rootMount, 'etc/machine-id'), 'utf8')).toBe('')
    expect(existsSync(join(rootMount, 'etc/apt/apt.conf.d/01proxy'))).toBe(false)
    // It says what it is: the commands that rewrite a machine's network run only where this is.
    expect(JSON.parse(readFileSync(join(rootMount, 'etc/stackhouse/appliance.json'), 'utf8'))).toMatchObject({ version: build.version })
    // The boot loader's menu names the root by the UUID the file system has.
    const uuid = /root=UUID=(\S+)/.exec(readFileSync(join(rootMount, 'boot/grub/grub.cfg'), 'utf8'))![1]
    expect(readFileSync(join(rootMount, 'etc/fstab'), 'utf8')).toContain(`UUID=${uuid}`)
  })

  it('boots under QEMU (TCG) from the qcow2, reads its settings from a CD, shows its address on the serial console, and takes the empty second disk for data', async () => {
    await ensureMachinePackages(['qemu-system-x86', 'genisoimage'], { what: 'the appliance QEMU test' })
    const dir = join(work, 'qemu')
    mkdirSync(join(dir, 'cd'), { recursive: true })
    // The iso transport as vSphere does it: ovf-env.xml on a CD.
    writeFileSync(
      join(dir, 'cd', 'ovf-env.xml'),
      ovfEnvironment({ hostname: 'qemu1', 'network.mode': 'static', 'network.address': '10.0.2.50/24', 'network.gateway': '10.0.2.2' }),
    )
    await run('genisoimage', ['-quiet', '-V', 'OVF ENV', '-J', '-r', '-o', join(dir, 'seed.iso'), join(dir, 'cd')])
    // The built image stays as it is: the VM writes to an overlay.
    await run('qemu-img', ['create', '-q', '-f', 'qcow2', '-F', 'qcow2', '-b', build.qcow2, join(dir, 'vm.qcow2')])
    // The OVA's second disk, empty, as vSphere makes it at deploy.
    await run('qemu-img', ['create', '-q', '-f', 'qcow2', join(dir, 'data.qcow2'), '8G'])
    const serial = join(dir, 'serial.log')
    const qemu = spawn(
      'qemu-system-x86_64',
      [
        '-accel',
        'tcg',
        '-m',
        '3072',
        '-smp',
        '2',
        '-display',
        'none',
        '-no-reboot',
        '-serial',
        `file:${serial}`,
        '-drive',
        `file=${join(dir, 'vm.qcow2')},if=virtio,format=qcow2`,
        '-drive',
        `file=${join(dir, 'data.qcow2')},if=virtio,format=qcow2`,
        '-cdrom',
        join(dir, 'seed.iso'),
        '-nic',
        'user,model=virtio-net-pci,restrict=on',
      ],
      { stdio: 'ignore' },
    )
    try {
      const started = Date.now()
      const banner = await waitFor('the banner with the address on the serial console', 15 * 60_000, async () => {
        const text = existsSync(serial) ? readFileSync(serial, 'latin1') : ''
        return /Stackhouse appliance \(OpenStack Zed\) on 10\.0\.2\.50/.exec(text)?.[0]
      })
      console.log(`QEMU (TCG): banner with the address after ${((Date.now() - started) / 1000).toFixed(0)} s`)
      expect(banner).toContain('10.0.2.50')
      // GRUB and the kernel talk on the serial line too: the console is where an evaluator looks.
      expect(readFileSync(serial, 'latin1')).toMatch(/Linux version 6\.1\./)
      // AND first boot made the blank second disk the home of Ceph's OSD and Swift's devices, before its deploy
      const data = await waitFor('the data disk on the serial console', 10 * 60_000, async () => {
        const text = readFileSync(serial, 'latin1')
        return /data disk mounted at \/var\/lib\/stackhouse\/data: [^\r\n]*/.exec(text)?.[0]
      })
      expect(data).toBe('data disk mounted at /var/lib/stackhouse/data: /var/lib/ceph/osd and /srv/node on it')
      expect(readFileSync(serial, 'latin1')).toMatch(/data disk \/dev\/vdb \(8 GiB\): formatting/)
    } finally {
      qemu.kill('SIGKILL')
    }
  })

  it('refuses bad settings on the console and in the log, and configures nothing', async () => {
    const h = await boot(bad, '10.77.0.22', { 'network.mode': 'static', admin_password: 'short' }, false)
    try {
      // Without an address the host is reached through nspawn, not SSH: read the root from here.
      const root = readRecord(bad)!.rootfs.path
      const issue = await waitFor('the failure banner', 120_000, async () => {
        const f = join(root, 'etc/issue.d/50-stackhouse.issue')
        return existsSync(f) && readFileSync(f, 'utf8').includes('Failed') ? readFileSync(f, 'utf8') : undefined
      })
      expect(issue).toMatch(/Failed: settings/)
      const log = readFileSync(join(root, 'var/log/stackhouse/appliance.log'), 'utf8')
      expect(log).toMatch(/setting stackhouse\.network\.address .*is empty, but network\.mode is static/)
      expect(log).toMatch(/setting stackhouse\.admin_password .*is 5 characters long/)
      expect(existsSync(join(root, 'var/lib/stackhouse/appliance/first-boot.json'))).toBe(false)
      expect(existsSync(join(root, 'var/lib/stackhouse/appliance/secrets.yaml'))).toBe(false)
      expect(h.address).toBe('10.77.0.22')
    } finally {
      await destroySandbox(bad)
    }
  })

  it('becomes a bare host with mode host: its name, address and SSH key from the settings, no cloud, and no first boot again', async () => {
    // GIVEN the settings create-hosts gives a clone: mode host, a name, an address and the deployer's key (with a comment of this test's)
    const [type, body] = publicKey().split(' ')
    const key = `${type} ${body} deployer-${tag}`
    const h = await boot(hostMode, '10.77.0.25', {
      mode: 'host',
      hostname: 'compute7',
      'network.mode': 'static',
      'network.address': '10.77.0.25/24',
      'network.gateway': '10.77.0.1',
      ssh_key: key,
    })
    try {
      // THEN it settles as a host, says so, and is reached over SSH with that key
      const status = await waitForApplianceSettled(h, 5 * 60_000)
      expect(status).toEqual({
        state: 'host',
        address: '10.77.0.25',
        line: expect.stringMatching(/^Ready as a host/),
        at: expect.any(String),
      })
      const facts = await onHost(
        h,
        'hostname; cat /root/.ssh/authorized_keys; ls /var/lib/stackhouse/appliance; systemctl is-enabled mariadb.service rabbitmq-server.service keystone.service apache2.service || true',
      )
      const [name, authorized, ...rest] = facts.stdout.trim().split('\n')
      expect(name).toBe('compute7')
      expect(authorized).toBe(key)
      expect(rest).toContain('host.json')
      expect(rest).not.toContain('first-boot.json')
      expect(rest).not.toContain('secrets.yaml')
      // AND no unit of the cloud is enabled: the deployer's inventory decides what runs here
      expect(rest.filter((l) => l === 'enabled')).toEqual([])
      // AND first boot does not run again at the next boot (the settings were read once)
      const again = await onHost(
        h,
        'systemctl start stackhouse-first-boot.service && systemctl show -p ConditionResult --value stackhouse-first-boot.service',
      )
      expect(again.stdout.trim()).toBe('no')
    } finally {
      await destroySandbox(hostMode)
    }
  })

  it('reaches Ready on its own at first boot, and verify from this machine passes', async () => {
    const started = Date.now()
    host = await boot(good, '10.77.0.21', {
      hostname: 'appliance',
      'network.mode': 'static',
      'network.address': '10.77.0.21/24',
      'network.gateway': '10.77.0.1',
      'cloud.floating_range': '10.77.0.150-10.77.0.199',
      admin_password: firstPassword,
      ssh_key: publicKey(),
      'labs.set': 'all',
      'labs.students': '2',
      // Every endpoint over https, from a CA first boot makes on the VM: verify below trusts only that CA.
      'cloud.tls': 'true',
    })
    const settledStatus = await waitForApplianceSettled(host, 30 * 60_000)
    const seconds = (Date.now() - started) / 1000
    if (settledStatus?.state !== 'ready')
      throw new Error(
        `first boot: ${JSON.stringify(settledStatus)}\n${(await onHost(host, "grep -v ' status: ' /var/log/stackhouse/appliance.log | tail -40")).stdout}`,
      )
    console.log(`first boot to Ready: ${seconds.toFixed(0)} s`)
    // A configure-only deploy: every package came with the image.
    const logs = join(readRecord(good)!.rootfs.path, 'var/lib/stackhouse/appliance/.stackhouse/logs')
    const deployLog = readdirSync(logs).filter((f) => !f.startsWith('verify-'))
    expect(deployLog).toHaveLength(1)
    const lines = readFileSync(join(logs, deployLog[0]!, 'appliance.log'), 'utf8')
    expect(lines).toMatch(/\[keystone\] keystone\.db-sync: changed/)
    expect(lines).not.toMatch(/\.packages: changed/)
    const project = machineProject()
    expect(project.model.secrets.admin_password).toBe(firstPassword)
    const report = await verifyDeployedCloud(project, {})
    expect(report.checks.filter((c) => c.status === 'fail').map((c) => `${c.id}: ${c.message}`)).toEqual([])
    // TLS: every catalog endpoint is https (verify above reached them, trusting only the VM's CA),
    // and the APIs do not answer plain http.
    expect(Object.values(project.model.endpoints).map((e) => new URL(e.public).protocol)).toEqual(
      Object.values(project.model.endpoints).map(() => 'https:'),
    )
    expect(project.model.dashboardUrl).toBe('https://10.77.0.21/horizon')
    const plain = await fetch('http://10.77.0.21:5000/v3', { signal: AbortSignal.timeout(10_000) }).then(
      (r) => `HTTP ${r.status}`,
      () => 'refused',
    )
    expect(plain).not.toBe('HTTP 200')
    const ca = join(readRecord(good)!.rootfs.path, 'var/lib/stackhouse/appliance/.stackhouse/tls/ca.key')
    expect(statSync(ca).mode & 0o777).toBe(0o600)
    // The password is gone from the guest's copy of the settings.
    const seed = join(readRecord(good)!.rootfs.path, 'etc/stackhouse/seed/ovf-env.xml')
    expect(readFileSync(seed, 'utf8')).toContain('oe:key="stackhouse.admin_password" oe:value=""')
    expect(readFileSync(seed, 'utf8')).not.toContain(firstPassword)
  })

  it('makes every secret afresh on each first boot: no secret is the same in two', async () => {
    const secretsOf = (name: string) => join(readRecord(name)!.rootfs.path, 'var/lib/stackhouse/appliance/secrets.yaml')
    const mine = parseYaml(readFileSync(secretsOf(good), 'utf8')) as Record<string, string>
    await boot(second, '10.77.0.23', { 'network.mode': 'static', 'network.address': '10.77.0.23/24', 'network.gateway': '10.77.0.1' })
    try {
      // Written before the deploy starts: the second VM is stopped once it has them.
      const text = await waitFor("the second VM's secrets", 180_000, async () =>
        existsSync(secretsOf(second)) ? readFileSync(secretsOf(second), 'utf8') : undefined,
      )
      const theirs = parseYaml(text) as Record<string, string>
      expect(Object.keys(theirs).sort()).toEqual(Object.keys(mine).sort())
      // The admin password was given to the first one; every generated secret differs.
      expect(Object.keys(mine).filter((k) => k !== 'admin_password' && mine[k] === theirs[k])).toEqual([])
    } finally {
      await destroySandbox(second)
    }
  })

  it('takes a new admin password and floating range after import (reconfigure), and still verifies', async () => {
    const r = await onHost(
      host,
      // The VM's own verify is repair's test below: here this machine checks what changed.
      'stackhouse appliance reconfigure --password-stdin --floating-range 10.77.0.150-10.77.0.189 --no-verify --json',
      `${newPassword}\n`,
    )
    expect(r.code, r.stderr).toBe(0)
    const result = JSON.parse(r.stdout) as { changed: string[]; applied: string[]; verified: boolean }
    expect(result.changed).toEqual(['admin_password', 'cloud.floating_range'])
    expect(result.applied.join('\n')).toMatch(/post-deploy\.public-network/)
    expect(result.verified).toBeUndefined()
    // The password never went on a command line, and the log does not hold it.
    expect((await onHost(host, `grep -c -F -- ${newPassword} /var/log/stackhouse/appliance.log || true`)).stdout).toBe('0')
    const project = machineProject()
    expect(project.model.secrets.admin_password).toBe(newPassword)
    expect(project.model.networks.provider!.allocation).toEqual({ start: '10.77.0.150', end: '10.77.0.189' })
    // From this machine, what the new password and range reach
    const only = ['identity.token', 'identity.endpoints', 'dashboard.login', 'network.router']
    const report = await verifyDeployedCloud(project, { only })
    expect(report.checks.filter((c) => c.status === 'pass').map((c) => c.id)).toEqual(expect.arrayContaining(only))
    expect(report.checks.filter((c) => c.status === 'fail').map((c) => `${c.id}: ${c.message}`)).toEqual([])
  })

  it('takes a new host name: the machine is renamed, and the cloud keeps its name for its services and its hypervisor', async () => {
    const r = await onHost(host, 'stackhouse appliance reconfigure --hostname lab-renamed --no-verify --json')
    expect(r.code, r.stderr).toBe(0)
    expect((JSON.parse(r.stdout) as { changed: string[] }).changed).toEqual(['hostname'])
    // nova-compute asks libvirt for the hypervisor's name when it starts: restarted, it must find the same one
    // (the cloud's name, canonical in /etc/hosts), not make a second compute node for the new name.
    const facts = await onHost(
      host,
      'systemctl restart nova-compute && hostname && getent hosts lab-renamed && sleep 45 && ' +
        "mysql -N nova -e 'select hypervisor_hostname, host from compute_nodes where deleted = 0'",
    )
    expect(facts.code, facts.stderr).toBe(0)
    const [name, resolved, ...nodes] = facts.stdout.trim().split('\n')
    expect(name).toBe('lab-renamed')
    expect(resolved!.split(/\s+/)).toEqual(['10.77.0.21', 'appliance', 'lab-renamed'])
    expect(nodes).toEqual(['appliance\tappliance'])
    const report = await verifyDeployedCloud(machineProject(), { only: ['compute.services', 'network.agents', 'volume.services'] })
    expect(report.checks.filter((c) => c.status === 'fail').map((c) => `${c.id}: ${c.message}`)).toEqual([])
  })

  it('repairs by deploying again: nothing had drifted, and it says so', async () => {
    const r = await onHost(host, 'stackhouse appliance repair --json')
    expect(r.code, r.stderr).toBe(0)
    const result = JSON.parse(r.stdout) as { changed: string[]; applied: string[]; verified: boolean }
    expect(result).toMatchObject({ changed: [], verified: true })
    // The test guest image is uploaded again only when it changed: nothing else may show.
    expect(result.applied).toEqual([])
  })

  it('runs the labs it carries on its own cloud, with no inventory named: lab test object-storage', async () => {
    const r = await onHost(host, 'stackhouse lab test object-storage --json')
    expect(r.code, r.stderr).toBe(0)
    expect(JSON.parse(r.stdout)).toMatchObject([{ lab: 'object-storage', ok: true, leftovers: '' }])
    // AND the lab guide, which first boot started, serves its page at the address the banner shows
    const status = JSON.parse((await onHost(host, 'cat /run/stackhouse/status.json')).stdout) as { labs?: string }
    // (https with the cloud's certificate: this process trusts only the VM's CA, since verify ran)
    expect(status.labs).toBe('https://10.77.0.21:8480/')
    expect((await httpFetch(status.labs!)).status).toBe(200)
    expect((await httpFetch(new URL('/api/me', status.labs).href)).status).toBe(401)
    // AND the class the settings asked for is there: a student logs in to the guide with the sheet's password
    const status2 = status as { classSheet?: string }
    expect(status2.classSheet).toMatch(/labs\/class\/credentials\.txt$/)
    const sheet = (await onHost(host, `cat ${status2.classSheet}`)).stdout
    const first = /^\s+1\s+user (lab-class-s01)\s+project \S+\s+password (\S+)$/m.exec(sheet)
    expect(first, sheet).toBeTruthy()
    expect(sheet).toMatch(/^\s+2\s+user lab-class-s02 /m)
    const login = await httpFetch(new URL('/api/login', status.labs).href, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: first![1], password: first![2] }),
    })
    expect(await login.json()).toMatchObject({ role: 'student', classId: 'class', number: 1 })
    expect(login.headers.get('set-cookie')).toMatch(/; Secure$/)
  })

  it('comes back by itself after a power cut: Ready, verified, and no deploy ran', async () => {
    const state0 = join(readRecord(good)!.rootfs.path, 'var/lib/stackhouse/appliance/.stackhouse')
    const deployLogs = () => readdirSync(join(state0, 'logs')).filter((f) => !f.startsWith('verify-'))
    const before = { logs: deployLogs(), last: readFileSync(join(state0, 'last-deploy.json'), 'utf8') }
    await cutPower(good)
    const started = Date.now()
    await startSandbox([good])
    const back = await waitForApplianceSettled(host, 15 * 60_000)
    console.log(`power cut to Ready: ${((Date.now() - started) / 1000).toFixed(0)} s`)
    // What the wait was made of (issue 11's target is 2 min): the slowest units, and what the banner waited for.
    const blame = await onHost(
      host,
      'systemd-analyze blame --no-pager | head -12; systemd-analyze critical-chain stackhouse-banner.service --no-pager | tail -n +3 | head -12',
    )
    const waits = await onHost(host, `grep -E 'waiting for|status:' /var/log/stackhouse/appliance.log | tail -n 12`)
    // The last unit waited for, last run: neutron-dhcp-agent, about 60 s after the others.
    const dhcp = await onHost(
      host,
      'systemctl show neutron-dhcp-agent.service -p NRestarts -p ExecMainStartTimestamp; grep -E "Synchroniz|MessagingTimeout|timed out|ERROR|Agent has just been revived|Starting" /var/log/neutron/neutron-dhcp-agent.log | tail -n 12',
    )
    console.log(`after the power cut:\n${blame.stdout}\n${waits.stdout}\n${dhcp.stdout}`)
    expect(back?.state, JSON.stringify(back)).toBe('ready')
    const report = await verifyDeployedCloud(machineProject(), {})
    expect(report.checks.filter((c) => c.status === 'fail').map((c) => `${c.id}: ${c.message}`)).toEqual([])
    expect(deployLogs()).toEqual(before.logs)
    expect(readFileSync(join(state0, 'last-deploy.json'), 'utf8')).toBe(before.last)
    // AND the lab guide is back: its unit is enabled and first boot's mark is there
    expect((await onHost(host, 'systemctl is-active stackhouse-labs.service')).stdout).toBe('active')
  })

  it('moves to another address with reconfigure: the cloud follows it, and verify from this machine passes there', async () => {
    // GIVEN the appliance at 10.77.0.21 WHEN reconfigure gives it 10.77.0.23 (the floating range stays on its network)
    const root = readRecord(good)!.rootfs.path
    const keys = readdirSync(join(root, 'etc/ssh'))
      .filter((f) => /^ssh_host_\w+_key\.pub$/.test(f))
      .map((f) =>
        readFileSync(join(root, 'etc/ssh', f), 'utf8')
          .split(' ')
          .slice(0, 2)
          .join(' '),
      )
    setKnownHost(movedAddress, keys)
    // The session over the old address ends when the network changes: the result goes to a file first.
    await onHost(host, 'stackhouse appliance reconfigure --address 10.77.0.23/24 --json > /run/stackhouse/move.json 2>&1').catch(
      () => undefined,
    )
    const moved = { ...host, address: movedAddress }
    const started = Date.now()
    // THEN the console says Ready again, at the new address
    const status = await waitFor('Ready at 10.77.0.23', 15 * 60_000, async () => {
      const s = await readApplianceStatus(moved).catch(() => undefined)
      return s?.state === 'failed' || (s?.state === 'ready' && s.dashboard.includes(movedAddress)) ? s : undefined
    })
    console.log(`reconfigure --address to Ready: ${((Date.now() - started) / 1000).toFixed(0)} s`)
    expect(status).toMatchObject({ state: 'ready', dashboard: 'https://10.77.0.23/horizon', labs: 'https://10.77.0.23:8480/' })
    expect(JSON.parse((await onHost(moved, 'cat /run/stackhouse/move.json')).stdout)).toEqual({
      changed: ['network.mode', 'network.address'],
      applied: [],
      moving: '10.77.0.23',
    })
    // AND verify from this machine passes against the new address, over https with a certificate
    // made again for it (the CA is the same), Ceph's volumes and Swift's objects included
    const project = machineProject()
    expect(project.model.hosts[0]!.address).toBe(movedAddress)
    const report = await verifyDeployedCloud(project, {})
    expect(report.checks.filter((c) => c.status === 'fail').map((c) => `${c.id}: ${c.message}`)).toEqual([])
    expect(Object.values(project.model.endpoints).every((e) => e.public.startsWith('https://10.77.0.23:'))).toBe(true)
    // AND the lab guide serves the new certificate
    expect((await httpFetch('https://10.77.0.23:8480/')).status).toBe(200)
    // AND a deploy there now changes nothing
    // (verify ran from this machine just now: the VM's own is skipped)
    const again = await onHost(moved, 'stackhouse appliance repair --no-verify --json')
    expect(again.code, again.stderr).toBe(0)
    expect(JSON.parse(again.stdout)).toEqual({ changed: [], applied: [] })
  })
})

/** The appliance's cloud as this machine reaches it: its inventory and secrets, over SSH with the sandbox's key. */
function machineProject() {
  const root = readRecord(good)!.rootfs.path
  const dir = join(work, 'machine')
  mkdirSync(dir, { recursive: true })
  writeFileSync(join(dir, 'inventory.yml'), readFileSync(join(root, 'var/lib/stackhouse/appliance/inventory.yml')))
  writeFileSync(join(dir, 'secrets.yaml'), readFileSync(join(root, 'var/lib/stackhouse/appliance/secrets.yaml')), { mode: 0o600 })
  // The demo key verify logs into the test server with, as an evaluator would copy it from the appliance.
  mkdirSync(join(dir, '.stackhouse'), { recursive: true, mode: 0o700 })
  for (const f of ['demo-key', 'demo-key.pub'])
    writeFileSync(join(dir, '.stackhouse', f), readFileSync(join(root, 'var/lib/stackhouse/appliance/.stackhouse', f)), { mode: 0o600 })
  // With cloud.tls the VM's CA and its API certificate, which loading the project reads (and trusts the CA of).
  const tls = join(root, 'var/lib/stackhouse/appliance/.stackhouse/tls')
  if (existsSync(tls)) {
    mkdirSync(join(dir, '.stackhouse', 'tls'), { recursive: true, mode: 0o700 })
    for (const f of ['ca.crt', 'api.crt', 'api.key'])
      writeFileSync(join(dir, '.stackhouse', 'tls', f), readFileSync(join(tls, f)), { mode: 0o600 })
  }
  const p = loadProject({ inventory: join(dir, 'inventory.yml'), secrets: join(dir, 'secrets.yaml'), roles })
  return { ...p, paths: { ...p.paths, ssh: { key: sandboxPaths.key, knownHosts: sandboxPaths.knownHosts } } }
}
