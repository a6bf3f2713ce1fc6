// SPDX-License-Identifier: Apache-2.0
// The admin credentials an operator uses with the `openstack` client: an openrc
// to source and a clouds.yaml entry. Both mode 0600; their paths are printed, never their contents.
import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { stringify } from 'yaml'
import type { Model } from './model/types.ts'

export interface CredentialFiles {
  openrc: string
  cloudsYaml: string
}

export function writeCredentials(model: Model, dir: string): CredentialFiles {
  mkdirSync(dir, { recursive: true, mode: 0o700 })
  const auth = model.endpoints.keystone.public
  const openrc = join(dir, 'admin-openrc.sh')
  const cloudsYaml = join(dir, 'clouds.yaml')
  const env: Record<string, string> = {
    OS_AUTH_URL: auth,
    OS_IDENTITY_API_VERSION: '3',
    OS_USERNAME: 'admin',
    OS_PASSWORD: model.secrets.admin_password,
    OS_PROJECT_NAME: 'admin',
    OS_USER_DOMAIN_NAME: 'Default',
    OS_PROJECT_DOMAIN_NAME: 'Default',
    OS_REGION_NAME: model.region,
    OS_INTERFACE: 'public',
  }
  writeFileSync(openrc, `# Admin credentials of the ${model.name} cloud. Use: . ${openrc}\n${Object.entries(env).map(([k, v]) => `export ${k}='${v}'`).join('\n')}\n`, { mode: 0o600 })
  const clouds = {
    clouds: {
      [model.name]: {
        auth: { auth_url: auth, username: 'admin', password: model.secrets.admin_password, project_name: 'admin', user_domain_name: 'Default', project_domain_name: 'Default' },
        region_name: model.region,
        interface: 'public',
        identity_api_version: 3,
      },
    },
  }
  writeFileSync(cloudsYaml, stringify(clouds), { mode: 0o600 })
  return { openrc, cloudsYaml }
}
