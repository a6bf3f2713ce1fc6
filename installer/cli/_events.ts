// SPDX-License-Identifier: Apache-2.0
// How the CLI renders a library command's events: a table with one handler per
// event type (zx src/log.ts), so a new kind of event is a compile error here until
// the CLI decides how to show it.

/** One handler per `type` of the event union `E`. */
export type Handlers<E extends { type: string }> = { [K in E['type']]: (e: Extract<E, { type: K }>) => void }

/** A single `onEvent` callback that hands each event to its type's handler. */
export function render<E extends { type: string }>(handlers: Handlers<E>): (e: E) => void {
  return (e) => (handlers[e.type as E['type']] as (e: E) => void)(e)
}
