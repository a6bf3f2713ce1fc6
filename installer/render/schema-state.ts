// SPDX-License-Identifier: Apache-2.0
// Fast answers about a service's database, for the guards of bootstrap steps.
// The manage tools (nova-manage, neutron-db-manage…) take 2–5 s each just to start,
// which made a no-change deploy spend most of its time asking them. A query over
// pymysql (which every service already uses) answers in a tenth of a second.
import type { Model } from '../model/types.ts'
import { raw, sh } from '../shell.ts'
import type { BootstrapStep } from '../role/contract.ts'
import type { DatabaseService } from './openstack.ts'
import { scriptPath } from './scripts.ts'

/** How a service logs in to its database; the password travels in the environment. */
export interface DatabaseLogin {
  host: string
  user: string
  database: string
  password: string
}

/** The variable roles/common/files/sql-rows.py reads the password from. */
const passwordVariable = 'STACKHOUSE_DB_PASSWORD'

/**
 * A command printing the rows of `query`, one line each (roles/common/files/sql-rows.py);
 * the step needs `env` from `databaseEnv`.
 */
export function sqlRows(login: DatabaseLogin, query: string): string {
  return sh`${scriptPath('sql-rows.py')} ${login.host} ${login.user} ${login.database} ${query}`
}

export function databaseEnv(login: DatabaseLogin): Record<string, string> {
  return { [passwordVariable]: login.password }
}

/** Where the schema state after the last migration is recorded on the host. */
export const schemaStateDir = '/var/lib/stackhouse/schema'

export interface Migration {
  login: DatabaseLogin
  /** The Debian package that ships the migrations (its version changes when they may). */
  package: string
  /** Rows that change whenever a migration runs: the alembic revisions of each database. */
  query: string
  /** @default schemaStateDir */
  stateDir?: string
}

/**
 * A schema migration step made fast to check. After it runs, the package's version
 * and the database's alembic revisions are recorded; while both are still the same,
 * the schema is where that migration left it: at the head of the installed package.
 * Anything else (a package upgrade, a database restored or dropped, no record yet)
 * falls back to the step's own check.
 * NOTE: a cloud whose own check passes gets its record then, also under --check:
 * the record is Stackhouse's cache on the host, not the cloud's configuration.
 */
export function fastMigration(step: BootstrapStep, m: Migration): BootstrapStep {
  if (step.run === undefined) throw new Error(`step ${step.id}: a migration needs the command that migrates`)
  const dir = m.stateDir ?? schemaStateDir
  const file = `${dir}/${step.id}`
  const state = sh`dpkg-query -W -f=${'${Version}\\n'} -- ${m.package} && ${raw(sqlRows(m.login, m.query))}`
  // NOTE: a record that cannot be made (say, no pymysql) leaves the step's own check in charge; it fails nothing.
  const record = sh`{ { mkdir -p -- ${dir} && s=$(${raw(state)}) && printf '%s\\n' "$s" > ${`${file}.new`} && mv -- ${`${file}.new`} ${file}; } 2>/dev/null || true; }`
  const current = sh`s=$(${raw(state)} 2>/dev/null) && [ -n "$s" ] && [ "$s" = "$(cat -- ${file} 2>/dev/null)" ]`
  return {
    ...step,
    env: { ...step.env, ...databaseEnv(m.login) },
    unless: step.unless ? `${current} || { ${step.unless} && ${record}; }` : current,
    run: `${step.run} && ${record}`,
  }
}

/** The alembic revisions of a database (and of others the same user may read), in one sorted list. */
export function alembicRevisions(...databases: string[]): string {
  for (const d of databases) if (!/^[a-z0-9_]+$/.test(d)) throw new Error(`unsafe database name "${d}"`)
  return databases.map((d) => `SELECT '${d}', version_num FROM ${d}.alembic_version`).join(' UNION ALL ') + ' ORDER BY 1, 2'
}

/** The login of a service's database user, as the deploy creates it (one user per service). */
export function serviceLogin(model: Model, service: DatabaseService, database: string = service): DatabaseLogin {
  return { host: model.database.host, user: service, database, password: model.secrets[`${service}_database_password`] }
}

/** A migration recorded by its package and its databases' alembic revisions. */
export function alembicMigration(model: Model, service: DatabaseService, databases: string[] = [service]): Migration {
  return { login: serviceLogin(model, service, databases[0]), package: `python3-${service}`, query: alembicRevisions(...databases) }
}
