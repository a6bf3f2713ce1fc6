// SPDX-License-Identifier: Apache-2.0
// Bootstrap steps that several roles share, so each role's file says what,
// not how: run as the service user, wait for an API, own a directory, load
// the units a role writes itself. Commands are built with `sh` (installer/shell.ts):
// every value is quoted.
import { raw, sh, type ShellFragment } from '../shell.ts'
import type { BootstrapStep } from '../role/contract.ts'
import { scriptPath } from './scripts.ts'

export { argv, raw, sh, shellQuote } from '../shell.ts'

/** A command run as a service's system user (its logs then stay writable by it). */
export function asUser(user: string, command: string): string {
  return sh`su -s /bin/sh -c ${command} -- ${user}`
}

/** `command` as a fragment of a larger `sh` command line. */
export function cmd(command: string): ShellFragment {
  return raw(command)
}

/**
 * Wait until an HTTP endpoint answers (any status): services under uwsgi take seconds
 * to listen. The probe is roles/common/files/http-answers.py; the engine does the waiting.
 */
export function waitForHttp(id: string, url: string, seconds = 120): BootstrapStep {
  return {
    id,
    title: `wait for ${url}`,
    when: 'after-start',
    unless: sh`${scriptPath('http-answers.py')} ${url}`,
    waitUntil: { timeoutSeconds: seconds, intervalSeconds: 1 },
  }
}

/**
 * Apache modules and a site of the role's enabled, then Apache reloaded, unless all
 * are enabled already. `start`: Apache is started too when it is not running (the
 * role needs it now); otherwise a stopped Apache is left for its unit to start.
 */
export function apacheSite(
  id: string,
  title: string,
  site: string,
  modules: string[],
  opts: { when?: BootstrapStep['when']; start?: boolean } = {},
): BootstrapStep {
  const enabled = [...modules.map((m) => `/etc/apache2/mods-enabled/${m}.load`), `/etc/apache2/sites-enabled/${site}.conf`]
  return {
    id,
    title,
    ...(opts.when ? { when: opts.when } : {}),
    unless: enabled.map((p) => sh`[ -e ${p} ]`).join(' && '),
    run: sh`a2enmod -q ${modules} && a2ensite -q ${site} && systemctl ${opts.start ? 'reload-or-restart' : 'try-reload-or-restart'} apache2.service`,
  }
}

/** A directory with this owner and mode. */
export function directory(id: string, path: string, owner: string, mode: number): BootstrapStep {
  const m = mode.toString(8)
  return {
    id,
    title: `directory ${path}`,
    unless: sh`[ "$(stat -c '%U:%G %a' -- ${path} 2>/dev/null)" = ${`${owner}:${owner} ${m}`} ]`,
    run: sh`install -d -o ${owner} -g ${owner} -m ${m} -- ${path} && chown -- ${`${owner}:${owner}`} ${path} && chmod -- ${m} ${path}`,
  }
}

/**
 * `systemctl daemon-reload` when a unit file the role writes under /etc/systemd/system
 * is new or changed, or a drop-in of it (`dropIns`: full paths, `<unit>.d/<name>.conf`).
 * systemd reads a unit it never loaded on first use, but keeps an older version it did
 * load until it is told to reload.
 */
export function daemonReload(role: string, units: string[], dropIns: string[] = []): BootstrapStep {
  const loaded = units.map(
    (u) =>
      sh`[ "$(systemctl show -p LoadState --value -- ${u})" = loaded ] && [ "$(systemctl show -p NeedDaemonReload --value -- ${u})" = no ]`,
  )
  // NOTE: NeedDaemonReload stays "no" for a drop-in in a folder made after the unit was
  // loaded (seen with ovs-vswitchd's underlay): the unit's loaded drop-ins are compared.
  const read = dropIns.map((path) => {
    const unit = /\/([^/]+)\.d\/[^/]+\.conf$/.exec(path)?.[1]
    if (!unit) throw new Error(`${role}: ${path} is not a drop-in path (<unit>.d/<name>.conf)`)
    return sh`systemctl show -p DropInPaths --value -- ${unit} | tr ' ' '\\n' | grep -qxF -- ${path}`
  })
  return {
    id: `${role}.daemon-reload`,
    title: `systemctl daemon-reload (${[...units, ...dropIns.map((p) => p.split('/').slice(-2).join('/'))].join(', ')} changed)`,
    unless: [...loaded, ...read].join(' && '),
    run: 'systemctl daemon-reload',
  }
}

/**
 * A guard that holds when a database is at the newest migration the installed
 * package ships: `versionCommand` prints the database's revision (its last line is
 * compared: oslo.log may log to stdout before it), and the head is read from the
 * package's own alembic tree (`module`/alembic.ini), so the guard follows upgrades.
 * Run as `user`. For services whose manage tool has no "check" (nova, placement).
 */
export function atAlembicHead(user: string, versionCommand: string, module: string): string {
  return asUser(user, sh`[ "$(${raw(versionCommand)} | tail -n 1)" = "$(${scriptPath('alembic-head.py')} ${module})" ]`)
}
