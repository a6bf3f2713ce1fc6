// SPDX-License-Identifier: Apache-2.0
// `stackhouse destroy`: sandbox hosts are removed whole; on servers, every unit
// is stopped, every package the cloud installed is purged, every file the deploy
// wrote is deleted (our own units among them), and so are the services' data and
// configuration folders.
import type { Project } from './project.ts'
import { filesByHostAndRole, render } from './render/render.ts'
import { placement, type Role } from './render/role.ts'
import { connectAll, type ConnectOptions } from './runner/connect.ts'
import { destroySandbox, listSandboxes } from './sandbox/index.ts'
import { shellQuote } from './shell.ts'
import { TaskError } from './tasks/types.ts'

/** What the packages leave behind after a purge: databases, images, rings, keys, logs. */
const leftovers = [
  '/var/lib/mysql', '/var/lib/rabbitmq', '/var/lib/ceph', '/etc/ceph', '/srv/node',
  '/var/lib/keystone', '/etc/keystone', '/var/lib/glance', '/etc/glance', '/var/lib/placement', '/etc/placement',
  '/var/lib/nova', '/etc/nova', '/var/lib/neutron', '/etc/neutron', '/var/lib/cinder', '/etc/cinder',
  '/var/lib/swift', '/etc/swift', '/var/lib/openstack-dashboard', '/etc/openstack-dashboard',
  '/var/log/nova', '/var/log/neutron', '/var/log/cinder', '/var/log/glance', '/var/log/keystone', '/var/log/placement', '/var/log/swift', '/var/log/ceph',
  '/etc/apt/apt.conf.d/90stackhouse-proxy',
  // Scripts the steps run (installer/render/scripts.ts): common ships some, and common's files stay.
  '/usr/local/libexec/stackhouse',
]

export interface DestroyReport {
  hosts: { host: string; how: 'sandbox removed' | 'purged' | 'no sandbox host'; packages: number }[]
}

/** What a server runs to be purged: units off, packages purged, files and data deleted. Stops at the first real failure. */
export function purgeScript(what: { units: string[]; packages: string[]; paths: string[] }): string {
  return [
    // NOTE: each tolerated failure in braces: `a && b || true && c` would hide a failed a or b.
    what.units.length ? `{ systemctl disable --now ${what.units.map(shellQuote).join(' ')} 2>/dev/null || true; }` : ':',
    'export DEBIAN_FRONTEND=noninteractive',
    what.packages.length ? `apt-get purge -y -q ${what.packages.map(shellQuote).join(' ')} >/dev/null` : ':',
    'apt-get autoremove --purge -y -q >/dev/null',
    // NOTE: roles/neutron registers its ebtables wrapper as an alternative; the link goes back to ebtables-nft.
    '{ update-alternatives --quiet --remove ebtables /usr/local/libexec/stackhouse/ebtables 2>/dev/null || true; }',
    `rm -rf -- ${what.paths.map(shellQuote).join(' ')}`,
    'systemctl daemon-reload',
  ].join(' && ')
}

export async function destroyCloud(project: Project, roles: readonly Role[], opts: ConnectOptions = {}): Promise<DestroyReport> {
  const { model } = project
  if (model.target === 'sandbox' && !opts.local) {
    const existing = new Set(listSandboxes().map((s) => s.name))
    const names = model.hosts.map((h) => h.name).filter((n) => existing.has(n))
    if (names.length) await destroySandbox(...names)
    return { hosts: model.hosts.map((h) => ({ host: h.name, how: existing.has(h.name) ? 'sandbox removed' : 'no sandbox host', packages: 0 })) }
  }
  const filesOf = filesByHostAndRole(render(model, roles, project.overrides))
  const transports = await connectAll(model, model.hosts, project.paths, opts)
  try {
    const hosts = await Promise.all(
      model.hosts.map(async (host) => {
        const mine = placement(model, roles).rolesOn(host.name)
        const ctx = { model, host }
        const units = mine.flatMap((r) => r.units(ctx))
        const packages = [...new Set(mine.flatMap((r) => r.packages(ctx)))]
        // NOTE: common's files are the host's own (/etc/hosts, apt sources): they stay.
        const written = mine.filter((r) => r.name !== 'common').flatMap((r) => filesOf(host.name, r.name)).map((f) => f.path)
        const r = await transports.get(host.name)!.exec(purgeScript({ units, packages, paths: [...leftovers, ...written] }))
        if (r.code !== 0) {
          const tail = r.stderr.trim().split('\n').slice(-5).join('\n')
          throw new TaskError(host.name, 'destroy.purge', `destroy on ${host.name} failed (exit code ${r.code})`, undefined, r.code, tail)
        }
        return { host: host.name, how: 'purged' as const, packages: packages.length }
      }),
    )
    return { hosts }
  } finally {
    await Promise.all([...transports.values()].map((t) => t.close()))
  }
}
