// SPDX-License-Identifier: Apache-2.0
import type { Problem } from './problems.ts'
import type { Inventory } from './schema.ts'
import type { InventorySource } from './source.ts'

export function checkRules(_inv: Inventory, _source: InventorySource): Problem[] {
  return []
}
