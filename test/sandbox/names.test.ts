// SPDX-License-Identifier: Apache-2.0
import { describe, expect, it } from 'vitest'
import { nspawnArgs } from '../../installer/sandbox/boot.ts'
import { networkFiles } from '../../installer/sandbox/configure.ts'
import { allocateAddress, checkHostName, fixedAddresses, interfaceNames, type InterfaceNames } from '../../installer/sandbox/names.ts'
import type { HostRecord } from '../../installer/sandbox/state.ts'

const used = (...pairs: [string, string][]) => new Map(pairs)

describe('allocateAddress', () => {
  it('gives aio1 the address of the built-in inventory', () => {
    expect(fixedAddresses().get('aio1')).toBe('10.77.0.11')
    expect(allocateAddress('aio1', used())).toBe('10.77.0.11')
  })

  it('gives other names the lowest free address from 10.77.0.11 up, leaving aio1 its own', () => {
    expect(allocateAddress('ctl1', used())).toBe('10.77.0.12')
    expect(allocateAddress('cmp1', used(['10.77.0.11', 'aio1'], ['10.77.0.12', 'ctl1']))).toBe('10.77.0.13')
    expect(allocateAddress('cmp2', used(['10.77.0.12', 'ctl1'], ['10.77.0.14', 'cmp1']))).toBe('10.77.0.13')
  })

  it('refuses aio1 when another host holds its address, naming that host', () => {
    expect(() => allocateAddress('aio1', used(['10.77.0.11', 'old1']))).toThrow(/aio1 needs 10\.77\.0\.11.*old1 has it/)
  })

  it('stops at .254 and says the network is full', () => {
    const all = used(...Array.from({ length: 256 }, (_, i): [string, string] => [`10.77.0.${i}`, `h${i}`]))
    expect(() => allocateAddress('one-more', all)).toThrow(/no free address left in 10\.77\.0\.0\/24/)
    const fixed = new Map<string, string>()
    const almost = used(...Array.from({ length: 243 }, (_, i): [string, string] => [`10.77.0.${i + 11}`, `h${i}`]))
    expect(allocateAddress('last', almost, fixed)).toBe('10.77.0.254')
  })
})

describe('interfaceNames', () => {
  it('uses sm-NAME and sp-NAME when they fit in 15 characters', () => {
    expect(interfaceNames('aio1')).toEqual({ management: 'sm-aio1', provider: 'sp-aio1', tunnel: 'st-aio1' })
    expect(interfaceNames('t-sbx-0a1b2c')).toEqual({
      management: 'sm-t-sbx-0a1b2c',
      provider: 'sp-t-sbx-0a1b2c',
      tunnel: 'st-t-sbx-0a1b2c',
    })
  })

  it('shortens long names to 15 characters with a hash, unique per name', () => {
    const a = interfaceNames('compute-node-0001')
    const b = interfaceNames('compute-node-0002')
    for (const n of [a.management, a.provider, b.management, b.provider]) expect(n.length).toBeLessThanOrEqual(15)
    expect(a.management).toMatch(/^sm-comput_[0-9a-f]{5}$/)
    expect(a.management).not.toBe(b.management)
    expect(interfaceNames('compute-node-0001')).toEqual(a)
  })

  it('never gives a shortened name that equals a full one ("_" is not allowed in host names)', () => {
    expect(interfaceNames('compute-node-0001').management).toContain('_')
    expect(() => checkHostName('comput_12345')).toThrow(/not a valid sandbox host name/)
  })
})

describe('checkHostName', () => {
  it.each(['aio1', 'ctl-1', 't-sbx-abc123', 'a'])('accepts %s', (n) => expect(() => checkHostName(n)).not.toThrow())
  it.each(['', 'Aio1', '-x', 'x-', 'a.b', 'a b', 'x'.repeat(64)])('rejects "%s"', (n) => expect(() => checkHostName(n)).toThrow())
})

describe('the tunnel network of sandbox hosts', () => {
  const rec = (interfaces: InterfaceNames): HostRecord => ({
    name: 'aio1',
    address: '10.77.0.11',
    interfaces,
    rootfs: { mode: 'overlay', path: '/var/lib/stackhouse/sandbox/hosts/aio1/root' },
    createdAt: '2026-12-04T00:00:00.000Z',
  })

  it('gives every new host a third veth, host2, and keeps hosts made before without one', () => {
    const veths = (r: HostRecord) => nspawnArgs(r).filter((a) => a.startsWith('--network-veth-extra='))
    expect(veths(rec(interfaceNames('aio1')))).toEqual([
      '--network-veth-extra=sm-aio1:host0',
      '--network-veth-extra=sp-aio1:host1',
      '--network-veth-extra=st-aio1:host2',
    ])
    expect(veths(rec({ management: 'sm-aio1', provider: 'sp-aio1' }))).toEqual([
      '--network-veth-extra=sm-aio1:host0',
      '--network-veth-extra=sp-aio1:host1',
    ])
  })

  it('brings host2 up inside without an address, for an inventory that names it', () => {
    const files = networkFiles('10.77.0.11')
    expect(files['etc/systemd/network/10-host2.network']).toBe(
      '[Match]\nName=host2\n\n[Link]\nRequiredForOnline=no\n\n[Network]\nKeepMaster=yes\nLinkLocalAddressing=no\nIPv6AcceptRA=no\n',
    )
    expect(files['etc/systemd/network/10-host0.network']).toContain('Address=10.77.0.11/24')
  })
})
