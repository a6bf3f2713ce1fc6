// SPDX-License-Identifier: Apache-2.0
import { describe, expect, it } from 'vitest'
import { LocalTransport } from '../../installer/transport/local.ts'
import { hostMemory, parseMemory, programName } from '../../installer/verify/memory.ts'

describe('host memory', () => {
  it('names programs as an operator knows them', () => {
    expect(programName('/usr/bin/python3 /usr/bin/nova-compute --config-file=/etc/nova/nova.conf')).toBe('nova-compute')
    expect(
      programName(
        '/usr/bin/python3 /bin/privsep-helper --config-file /etc/neutron/neutron.conf --privsep_context neutron.privileged.default',
      ),
    ).toBe('privsep-helper')
    expect(programName('/usr/bin/uwsgi_python311 --http-socket :5000 --ini /etc/keystone/keystone-uwsgi.ini ')).toBe('keystone-uwsgi')
    expect(
      programName('neutron-server: rpc worker (/usr/bin/python3 /usr/bin/neutron-server --config-file=/etc/neutron/neutron.conf)'),
    ).toBe('neutron-server: rpc worker')
    expect(programName('/usr/sbin/mariadbd ')).toBe('mariadbd')
    expect(programName('sshd: root@notty ')).toBe('sshd')
  })

  it('sums PSS and its anonymous part, and groups processes by program, largest first', () => {
    const m = parseMemory(
      'aio1',
      [
        '92160 90000 /usr/bin/python3 /bin/privsep-helper --privsep_context neutron.privileged.default',
        '90112 88000 /usr/bin/python3 /bin/privsep-helper --privsep_context neutron.privileged.link_cmd',
        '211968 150000 /usr/sbin/mariadbd ',
        'not a line',
        '4096 1024 /lib/systemd/systemd-journald ',
      ].join('\n'),
    )
    expect(m).toMatchObject({ host: 'aio1', pssMiB: 389, anonMiB: 321, processes: 4 })
    expect(m.largest.map((p) => [p.program, p.processes, p.mib])).toEqual([
      ['mariadbd', 1, 207],
      ['privsep-helper', 2, 178],
      ['systemd-journald', 1, 4],
    ])
  })

  it('reads a real host: this machine, through the local transport', async () => {
    const m = await hostMemory('here', new LocalTransport('here'))
    expect(m.processes).toBeGreaterThan(1)
    expect(m.pssMiB).toBeGreaterThan(10)
    expect(m.anonMiB).toBeLessThanOrEqual(m.pssMiB)
    // the test runner itself is among the programs
    expect(m.largest.some((p) => p.program === 'node' || p.program.startsWith('node'))).toBe(true)
  })
})
