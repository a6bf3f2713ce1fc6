// SPDX-License-Identifier: Apache-2.0
// Credentials an operator uses with the `openstack` client: an openrc to source
// per user (admin, demo) and a clouds.yaml with both. Mode 0600; their paths are
// printed, never their contents.
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { stringify } from 'yaml'
import type { Model } from './model/types.ts'
import { shellQuote } from './shell.ts'
import { mkdirPrivate } from './private-dir.ts'

export interface CredentialFiles {
  adminOpenrc: string
  demoOpenrc: string
  cloudsYaml: string
  /** The deployment's CA (PEM), which the openrc files and clouds.yaml name: only with TLS on. */
  caCert?: string
}

interface User {
  username: string
  password: string
  project: string
}

function users(model: Model): Record<'admin' | 'demo', User> {
  return {
    admin: { username: 'admin', password: model.secrets.admin_password, project: 'admin' },
    demo: { username: 'demo', password: model.secrets.demo_password, project: 'demo' },
  }
}

function openrc(model: Model, u: User, path: string, caCert: string | undefined): string {
  const env: Record<string, string> = {
    OS_AUTH_URL: model.endpoints.keystone.public,
    OS_IDENTITY_API_VERSION: '3',
    OS_USERNAME: u.username,
    OS_PASSWORD: u.password,
    OS_PROJECT_NAME: u.project,
    OS_USER_DOMAIN_NAME: 'Default',
    OS_PROJECT_DOMAIN_NAME: 'Default',
    OS_REGION_NAME: model.region,
    OS_INTERFACE: 'public',
    // The client verifies the endpoints against the deployment's CA (never --insecure).
    ...(caCert ? { OS_CACERT: caCert } : {}),
  }
  // NOTE: values quoted as the shell reads them, so sourcing the file never runs any part of one.
  // The comment shows the path with control characters replaced: a newline would end the comment.
  return `# ${u.username} of the ${model.name} cloud. Use: . ${shellQuote(path).replace(/[\x00-\x1f\x7f]/g, '?')}\n${Object.entries(env)
    .map(([k, v]) => `export ${k}=${shellQuote(v)}`)
    .join('\n')}\n`
}

/** Where writeCredentials puts the files in a state folder. */
export function credentialFiles(dir: string): CredentialFiles {
  return { adminOpenrc: join(dir, 'admin-openrc.sh'), demoOpenrc: join(dir, 'demo-openrc.sh'), cloudsYaml: join(dir, 'clouds.yaml') }
}

export function writeCredentials(model: Model, dir: string): CredentialFiles {
  mkdirPrivate(dir)
  const files: CredentialFiles = credentialFiles(dir)
  const ca = model.tls.pem?.ca
  if (ca) {
    files.caCert = join(dir, 'ca.crt')
    writeFileSync(files.caCert, ca, { mode: 0o644 })
  }
  const { admin, demo } = users(model)
  writeFileSync(files.adminOpenrc, openrc(model, admin, files.adminOpenrc, files.caCert), { mode: 0o600 })
  writeFileSync(files.demoOpenrc, openrc(model, demo, files.demoOpenrc, files.caCert), { mode: 0o600 })
  const entry = (u: User) => ({
    auth: {
      auth_url: model.endpoints.keystone.public,
      username: u.username,
      password: u.password,
      project_name: u.project,
      user_domain_name: 'Default',
      project_domain_name: 'Default',
    },
    region_name: model.region,
    interface: 'public',
    identity_api_version: 3,
    ...(files.caCert ? { cacert: files.caCert } : {}),
  })
  writeFileSync(files.cloudsYaml, stringify({ clouds: { [model.name]: entry(admin), [`${model.name}-demo`]: entry(demo) } }), {
    mode: 0o600,
  })
  return files
}
