// SPDX-License-Identifier: Apache-2.0
// A deploy killed in the middle (the deployer process, SIGKILL, while apt runs
// on the host) can be re-run and completes.
import { spawn } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { deploy } from '../../installer/deploy.ts'
import { packageRoot } from '../../installer/paths.ts'
import { loadProject } from '../../installer/project.ts'
import { ensureSecrets } from '../../installer/secrets/store.ts'
import { createSandbox, destroySandbox, type SandboxHost } from '../../installer/sandbox/index.ts'
import { roles } from '../../roles/index.ts'
import { testCatalog } from '../helpers.ts'

const name = `t-int-${randomBytes(2).toString('hex')}`
let host: SandboxHost
let dir: string

/** Start `stackhouse deploy`, and kill it with SIGKILL once `marker` has been printed and `afterMs` passed. */
function deployAndKill(args: string[], marker: RegExp, afterMs: number): Promise<string> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [join(packageRoot, 'bin', 'stackhouse.js'), ...args], {
      cwd: dir,
      env: { ...process.env, NO_COLOR: '1' },
    })
    let output = ''
    let armed = false
    const onData = (b: Buffer) => {
      output += b.toString()
      if (!armed && marker.test(output)) {
        armed = true
        setTimeout(() => child.kill('SIGKILL'), afterMs)
      }
    }
    child.stdout.on('data', onData)
    child.stderr.on('data', onData)
    child.on('close', () => resolve(output))
  })
}

describe('an interrupted deploy', () => {
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'stackhouse-int-'))
    host = await createSandbox(name, { layer: false })
    writeFileSync(
      join(dir, 'inventory.yml'),
      `target: sandbox
hosts: [{ name: ${name}, address: ${host.address} }]
groups: { control: [${name}], network: [${name}], compute: [${name}], storage: [${name}] }
networks: { management: { cidr: 10.77.0.0/24, interface: host0 } }
backends: { block_storage: ceph }
`,
    )
    // A new cloud's secrets are made on purpose, as `stackhouse init` or `secrets generate` would.
    ensureSecrets(join(dir, 'secrets.yaml'), testCatalog)
  })
  afterAll(async () => {
    if (host) await destroySandbox(name)
  })

  it('is re-run and completes', async () => {
    // GIVEN a deploy killed 15 s into the package installation
    const killed = await deployAndKill(
      ['deploy', '-i', 'inventory.yml', '--only', 'mariadb', 'rabbitmq', 'memcached', 'keystone'],
      /mariadb\.packages/,
      15_000,
    )
    expect(killed).toContain('mariadb.packages')
    expect(killed).not.toContain('No changes')
    // WHEN it is run again THEN it completes, and a third run has nothing to do
    const project = loadProject({ inventory: join(dir, 'inventory.yml'), createSecrets: true })
    const again = await deploy(project, roles, { only: ['mariadb', 'rabbitmq', 'memcached', 'keystone'], renderer: 'silent' })
    expect(again.failures).toEqual([])
    const third = await deploy(project, roles, { only: ['mariadb', 'rabbitmq', 'memcached', 'keystone'], renderer: 'silent' })
    expect(third.changes).toEqual([])
  })
})
