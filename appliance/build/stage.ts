// SPDX-License-Identifier: Apache-2.0
// Stackhouse itself as the appliance carries it in /opt/stackhouse: the compiled
// code, the roles' templates and files, the appliance's own files, and the
// runtime dependencies from the lock file (no dev tools). Node.js is Debian's.
import { cpSync, existsSync, mkdirSync } from 'node:fs'
import { join, relative } from 'node:path'
import { packageRoot } from '../../installer/paths.ts'
import { run } from '../../installer/sandbox/_exec.ts'

/** What the appliance needs of the package, relative to its root. */
const parts = [
  'bin',
  'dist',
  'roles',
  'labs',
  // The lab guide's page, script and style (its server is compiled into dist/).
  'installer/labs/guide/static',
  'appliance/files',
  'appliance/README.md',
  'package.json',
  'package-lock.json',
  'README.md',
  'inventory.schema.json',
]

/** Copy Stackhouse into `dir` (made fresh) and install its runtime dependencies there. */
export async function stageStackhouse(dir: string, root = packageRoot): Promise<void> {
  if (!existsSync(join(root, 'dist', 'installer', 'cli', 'main.js')))
    throw new Error(`${join(root, 'dist')} is missing: run "npm run build" first`)
  mkdirSync(dir, { recursive: true })
  for (const p of parts) {
    if (!existsSync(join(root, p))) continue
    // The roles' and labs' TypeScript is compiled into dist/; only their templates, lab.yaml and files are read at run time.
    cpSync(join(root, p), join(dir, p), {
      recursive: true,
      filter: (src) => !(/^(roles|labs)\//.test(relative(root, src)) && src.endsWith('.ts')),
    })
  }
  await run('npm', ['ci', '--omit=dev', '--ignore-scripts', '--no-audit', '--no-fund', '--loglevel=error'], {
    cwd: dir,
    timeoutMs: 600_000,
  })
}
