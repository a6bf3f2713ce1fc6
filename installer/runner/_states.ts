// SPDX-License-Identifier: Apache-2.0
// Before a host's tasks of a phase run, the runner reads the state of every file
// and unit they manage in one command: a no-change run spent most of its time on
// one round trip per file, then on one for the files and one for the units.
import { probe } from '../tasks/exec.ts'
import { fileStatesCommand, parseFileStates } from '../tasks/file.ts'
import { parseUnitStates, unitStatesCommand } from '../tasks/service.ts'
import type { FileState, Task, UnitState } from '../tasks/types.ts'
import type { Transport } from '../transport/types.ts'
import type { HostLog } from './log.ts'

/** What the tasks of a phase may use instead of looking themselves; a missing map means each task looks. */
export interface PhaseStates {
  fileStates?: Map<string, FileState | null>
  unitStates?: Map<string, UnitState>
}

/**
 * The files' and units' states in one round trip (file lines first, one per path, then
 * one per unit). Nothing when there are too few to save a round trip (a task looks
 * itself, one command either way) or when the answer does not fit.
 */
export async function readPhaseStates(tasks: readonly Task[], transport: Transport, log: HostLog): Promise<PhaseStates> {
  const paths = [...new Set(tasks.flatMap((t) => (t.filePath ? [t.filePath] : [])))]
  const units = [...new Set(tasks.flatMap((t) => (t.unit ? [t.unit] : [])))]
  if (paths.length + units.length < 2) return {}
  const command = [...(paths.length ? [fileStatesCommand(paths)] : []), ...(units.length ? [unitStatesCommand(units)] : [])].join('; ')
  const r = await probe({ transport, log: (l) => log.write(l) }, command)
  const lines = r.stdout.split('\n').filter(Boolean)
  if (r.code !== 0 || lines.length !== paths.length + units.length) return {}
  const fileStates = paths.length ? parseFileStates(paths, lines.slice(0, paths.length).join('\n')) : undefined
  const unitStates = units.length ? parseUnitStates(units, lines.slice(paths.length).join('\n')) : undefined
  return { ...(fileStates ? { fileStates } : {}), ...(unitStates ? { unitStates } : {}) }
}
