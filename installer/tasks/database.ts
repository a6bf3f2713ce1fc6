// SPDX-License-Identifier: Apache-2.0
// A MariaDB database and a user with all rights on it, password from secrets.
// Runs on the database host as root over MariaDB's unix socket (Debian's default).
import { sh } from '../shell.ts'
import { must, probe } from './exec.ts'
import { changed, ok, type Task } from './types.ts'

export interface DatabaseSpec {
  role: string
  database: string
  user: string
  password: string
  /** Address the services connect to; the check logs in there, as they will. */
  host: string
}

const sqlName = (s: string) => {
  if (!/^[A-Za-z0-9_]+$/.test(s)) throw new Error(`unsafe SQL name "${s}"`)
  return s
}

/**
 * A MariaDB string literal. NOTE: backslash is an escape character in MariaDB strings
 * (unless NO_BACKSLASH_ESCAPES), so it is doubled along with the quote.
 */
export function sqlString(s: string): string {
  return `'${s.replaceAll('\\', '\\\\').replaceAll("'", "''")}'`
}

export function databaseTask(spec: DatabaseSpec): Task {
  const id = `${spec.role}.database`
  const db = sqlName(spec.database)
  const user = sqlName(spec.user)
  return {
    id,
    title: `database ${db}, user ${user}`,
    async apply(ctx) {
      // Logging in as the user, over TCP, checks the user, its password and its grant at once.
      const login = await probe(ctx, sh`mysql -h ${spec.host} -u ${user} -e 'SELECT 1' -- ${db}`, { env: { MYSQL_PWD: spec.password } })
      if (login.code === 0) return ok
      if (ctx.check) return changed(`create or repair database ${db} and user ${user}`)
      // The password travels on stdin (SQL), not in the command line.
      const sql = [
        `CREATE DATABASE IF NOT EXISTS ${db} CHARACTER SET utf8mb4 COLLATE utf8mb4_general_ci;`,
        ...['%', 'localhost'].flatMap((h) => [
          `CREATE USER IF NOT EXISTS '${user}'@'${h}' IDENTIFIED BY ${sqlString(spec.password)};`,
          `ALTER USER '${user}'@'${h}' IDENTIFIED BY ${sqlString(spec.password)};`,
          `GRANT ALL PRIVILEGES ON ${db}.* TO '${user}'@'${h}';`,
        ]),
      ].join('\n')
      await must(ctx, id, 'mysql -u root', { stdin: `${sql}\n` })
      return changed(`database ${db} and user ${user}`)
    },
  }
}
