// SPDX-License-Identifier: Apache-2.0
// Host facts: gathered with one command per host before deploy renders, recorded
// in the state dir, and applied by every later command that loads the project.
import { noFileCopy } from './runner/fake-host.ts'
import { spawnSync } from 'node:child_process'
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { FixableError } from '../installer/errors.ts'
import { factHosts, factsCommand, gatherFacts, parseFacts, readFacts } from '../installer/facts.ts'
import { withFacts } from '../installer/model/facts.ts'
import { loadProject } from '../installer/project.ts'
import { render } from '../installer/render/render.ts'
import type { ExecResult, Transport } from '../installer/transport/types.ts'
import nova from '../roles/nova/role.ts'
import { fixtureModel, fixturesDir } from './helpers.ts'

/** A host that answers every command with `answer`, and records the commands. */
function answering(host: string, answer: ExecResult): Transport & { commands: string[] } {
  const commands: string[] = []
  return {
    host,
    address: '10.0.0.11',
    commands,
    exec: async (command) => (commands.push(command), answer),
    writeFile: async () => undefined,
    ...noFileCopy,
    close: async () => undefined,
  }
}

const stateDir = () => mkdtempSync(join(tmpdir(), 'stackhouse-facts-'))

describe('host facts', () => {
  it('are asked of compute hosts only, and only when the inventory leaves virt_type to them (without OVN)', () => {
    // GIVEN aio (virt_type auto), 3-node with Linux bridge (kvm) and vsphere (the VMware driver)
    // THEN only aio's compute host is asked
    expect(factHosts(fixtureModel('aio'))).toEqual(['aio1'])
    const lb = fixtureModel('3-node')
    expect(factHosts({ ...lb, backends: { ...lb.backends, network: 'linuxbridge' } })).toEqual([])
    expect(factHosts(fixtureModel('vsphere'))).toEqual([])
  })

  it('are asked of every OVN chassis (network and compute hosts), whose Open vSwitch datapath depends on the kernel', () => {
    // GIVEN 3-node (virt_type kvm) with OVN: ctl1 is a network host, cmp1 and cmp2 computes, sto1 neither
    const model = fixtureModel('3-node')
    expect(model.backends.network).toBe('ovn')
    expect(factHosts(model)).toEqual(model.hosts.filter((h) => h.groups.some((g) => g === 'network' || g === 'compute')).map((h) => h.name))
    expect(factHosts(model)).not.toEqual([])
  })

  it('choose the userspace datapath where the kernel has no openvswitch module, and only there', () => {
    const model = fixtureModel('3-node')
    const [a, b] = model.hosts
    const decided = withFacts(model, { [a!.name]: { kvm: true, ovsKernel: false }, [b!.name]: { kvm: true, ovsKernel: true } })
    expect(decided.hosts.map((h) => h.ovsDatapath)).toEqual(['netdev', ...model.hosts.slice(1).map(() => undefined)])
    // AND facts that say otherwise later take it back
    expect(withFacts(decided, { [a!.name]: { kvm: true, ovsKernel: true } }).hosts[0]!.ovsDatapath).toBeUndefined()
  })

  it('come from one command that bash parses and that answers here too', () => {
    expect(spawnSync('bash', ['-n', '-c', factsCommand]).status).toBe(0)
    const here = spawnSync('bash', ['-c', factsCommand], { encoding: 'utf8' })
    expect(here.stdout).toMatch(/^kvm=(yes|no)\ncontainer=(yes|no)\novs=(kernel|userspace)\n$/)
    expect(parseFacts('kvm=no\ncontainer=yes\novs=userspace\n')).toEqual({ kvm: false, container: true, ovsKernel: false })
    expect(parseFacts('kvm=yes\ncontainer=no\novs=kernel\n')).toEqual({ kvm: true, container: false, ovsKernel: true })
    expect(parseFacts('kvm=no\n')).toEqual({ kvm: false })
    expect(parseFacts('kvm=no\ncontainer=yes\n')).toEqual({ kvm: false, container: true })
    expect(parseFacts('kvm=yes\ncontainer=no\n')).toEqual({ kvm: true, container: false })
    expect(parseFacts('kvm=yes\n')).toEqual({ kvm: true })
    expect(parseFacts('Welcome!\n')).toBeUndefined()
  })

  it('are gathered with one command per host, recorded beside the others, and decide virt_type', async () => {
    // GIVEN the aio cloud, a recorded fact of a host no longer reached, and aio1 without KVM
    const dir = stateDir()
    writeFileSync(join(dir, 'facts.json'), JSON.stringify({ old1: { kvm: true, container: true, ovsKernel: false, junk: 1 } }))
    const model = fixtureModel('aio')
    const aio1 = answering('aio1', { code: 0, stdout: 'kvm=no\n', stderr: '' })
    // WHEN facts are gathered
    const facts = await gatherFacts(model, new Map([['aio1', aio1]]), dir)
    // THEN aio1 ran the one command, and both hosts' facts are recorded
    expect(aio1.commands).toEqual([factsCommand])
    expect(facts).toEqual({ aio1: { kvm: false }, old1: { kvm: true, container: true, ovsKernel: false } })
    expect(readFacts(dir)).toEqual(facts)
    // AND the model decides qemu for aio1, from the host
    expect(withFacts(model, facts).hosts[0]!.virtType).toEqual({ type: 'qemu', from: 'host' })
    // AND facts that change nothing leave the model as it is (deploy renders again only on a change)
    const decided = withFacts(model, facts)
    expect(withFacts(decided, facts)).toBe(decided)
  })

  it('stop the deploy, naming the host, when one cannot tell', async () => {
    // GIVEN aio1 answering something else WHEN facts are gathered THEN it fails with what to do, and records nothing
    const dir = stateDir()
    const aio1 = answering('aio1', { code: 127, stdout: '', stderr: 'bash: grep: command not found\n' })
    const error = await gatherFacts(fixtureModel('aio'), new Map([['aio1', aio1]]), dir).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(FixableError)
    expect((error as FixableError).message).toBe(
      "host aio1: could not read its facts (is KVM usable? is it a container? has its kernel Open vSwitch's datapath?) (exit code 127: bash: grep: command not found)",
    )
    expect((error as FixableError).fix).toMatch(/backends\.virt_type set to kvm or qemu/)
    expect(existsSync(join(dir, 'facts.json'))).toBe(false)
  })

  it('recorded by the last deploy are what an offline render shows; with none it says what it assumed', () => {
    // GIVEN a project folder with the aio inventory and no facts yet
    const dir = stateDir()
    copyFileSync(join(fixturesDir, 'inventories', 'aio.yml'), join(dir, 'inventory.yml'))
    const load = () => loadProject({ inventory: join(dir, 'inventory.yml'), localFiles: false, createSecrets: true })
    const conf = () => render({ ...load().model, config: {} }, [nova]).find((f) => f.path === '/etc/nova/nova-compute.conf')!.content
    // THEN render assumes kvm, and says so
    expect(conf()).toMatch(/no facts are recorded for this host yet:\n# kvm is assumed\..*\nvirt_type = kvm\n/)
    // WHEN a deploy has recorded that aio1 has no usable KVM THEN render shows qemu, decided by the host
    mkdirSync(join(dir, '.stackhouse'), { recursive: true })
    writeFileSync(join(dir, '.stackhouse', 'facts.json'), JSON.stringify({ aio1: { kvm: false } }))
    expect(conf()).toMatch(/KVM is not usable on this host .*\n.*\nvirt_type = qemu\n/)
  })
})
