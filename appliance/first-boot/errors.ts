// SPDX-License-Identifier: Apache-2.0
// First boot's own error: a step that failed (`what`), said in its own words on
// the console and in the log.

export class FirstBootError extends Error {
  constructor(
    readonly what: string,
    message: string,
  ) {
    super(message)
  }
}
