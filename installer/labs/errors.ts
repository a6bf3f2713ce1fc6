// SPDX-License-Identifier: Apache-2.0
// The labs' own error: a lab that cannot run on this cloud, a step that does not
// exist, or a lab's code that failed against the cloud.
import { StackhouseError } from '../errors.ts'

/** Usage (exit 2): a missing service, a wrong step; input (exit 1); hosts (exit 4): the lab's code failed against the cloud. */
export class LabError extends StackhouseError {
  constructor(message: string, fix: string, kind: 'usage' | 'input' | 'hosts' = 'usage') {
    super(message, { kind, fix })
    this.name = 'LabError'
  }
}
