// SPDX-License-Identifier: Apache-2.0
// The library's public surface changes only on purpose.
import { expect, it } from 'vitest'
import * as api from '../installer/index.ts'

it('exports exactly these names', () => {
  expect(Object.keys(api).sort()).toMatchInlineSnapshot(`
    [
      "InventoryError",
      "OverrideError",
      "StackhouseError",
      "buildModel",
      "buildSandboxLayer",
      "checkInventory",
      "cloudStatus",
      "createSandboxes",
      "defineRole",
      "deploy",
      "deployCloud",
      "destroyCloud",
      "destroySandboxes",
      "ensureSandboxHosts",
      "ensureSecrets",
      "formatIni",
      "formatProblem",
      "hostsIn",
      "inGroup",
      "iniGet",
      "iniValues",
      "initInventory",
      "inventorySchema",
      "listSandboxHosts",
      "loadInventory",
      "loadProject",
      "mergeIni",
      "openProject",
      "parseIni",
      "planHosts",
      "projectPaths",
      "readOverrides",
      "removeSandboxLayer",
      "render",
      "sandboxLayer",
      "secretCatalog",
      "setSecret",
      "startCloud",
      "startSandbox",
      "stopCloud",
      "stopSandbox",
      "validateProject",
      "verifyCloud",
      "verifyDeployedCloud",
      "waitUntilHealthy",
    ]
  `)
})
