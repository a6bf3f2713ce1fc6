// SPDX-License-Identifier: Apache-2.0
// The pre-installed layer the appliance test builds is shared by the files after it
// (see order.ts); the machine is left as the run found it: a layer only where there was one.
import { removeSandboxLayer, sandboxLayer } from '../../installer/commands/layer.ts'

export default function setup(): () => void {
  const hadLayer = !!sandboxLayer()
  return () => {
    if (!hadLayer && sandboxLayer()) removeSandboxLayer()
  }
}
