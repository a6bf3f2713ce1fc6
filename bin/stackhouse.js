#!/usr/bin/env node
// SPDX-License-Identifier: Apache-2.0
// Runs the compiled CLI from dist/ (built by `npm install` / `npm run build`).
import { existsSync } from 'node:fs'

const entry = new URL('../dist/installer/cli/main.js', import.meta.url)
if (!existsSync(entry)) {
  process.stderr.write('stackhouse: dist/ is missing; run "npm install" (or "npm run build") in the Stackhouse folder first.\n')
  process.exit(2)
}
// A closed pipe (stackhouse … | head) is not an error.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (e) => {
    if (e.code === 'EPIPE') process.exit(process.exitCode ?? 0)
    throw e
  })
}
const { main } = await import(entry.href)
process.exitCode = await main(process.argv)
