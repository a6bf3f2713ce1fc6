// SPDX-License-Identifier: Apache-2.0
// MariaDB: the SQL database every OpenStack service keeps its state in.
import { defineRole, singleHost, type Model, type ModelHost } from '../../installer/role/index.ts'

// The names this role adds to the model, typed for every reader.
declare module '../../installer/role/index.ts' {
  interface SecretRegistry {
    mariadb_root_password: string
  }
}

/** The host every service's database URL points at (the first control host); no Galera cluster. */
function databaseHosts(model: Model): ModelHost[] {
  return model.hosts.filter((h) => h.address === model.database.host)
}

export default defineRole({
  name: 'mariadb',
  description: 'MariaDB SQL database for the OpenStack services',
  secrets: {
    mariadb_root_password: 'password',
  },
  ports: { mysql: 3306 },
  leftovers: ['/var/lib/mysql'],
  enabled: () => true,
  hosts: databaseHosts,
  // NOTE: python3-pymysql is the driver of every mysql+pymysql:// URL (install guide, Debian).
  users: ['mysql'],
  packages: () => ['mariadb-server', 'python3-pymysql'],
  files: ({ model }) => [
    {
      // Read after Debian's 50-server.cnf (bind-address = 127.0.0.1, utf8mb4), so these win.
      path: '/etc/mysql/mariadb.conf.d/99-openstack.cnf',
      vars: {
        // NOTE: MariaDB's own default (128M) on an all-in-one host that must fit 4 GiB;
        // a dedicated control host keeps more of the hot tables in memory.
        bufferPoolSize: singleHost(model) ? '128M' : '512M',
        // NOTE: the install guide's value; idle connections cost little, and every
        // API/conductor process keeps an SQLAlchemy pool (5 + 50 overflow).
        maxConnections: 4096,
      },
    },
  ],
  // mysql.service and mysqld.service are aliases of this unit in Debian 12.
  units: () => ['mariadb.service'],
})
