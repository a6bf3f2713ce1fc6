// SPDX-License-Identifier: Apache-2.0
// The provider (external) network as the neutron and ovn roles see it. An
// inventory may have none (the vsphere fixture): then there is no physnet.
import type { Model, ModelHost } from '../../installer/role/index.ts'

/** Physical network name of the provider network; '' when the inventory has none. */
export function physnet(model: Model): string {
  return model.networks.provider?.physnet ?? ''
}

/**
 * The host's NIC on the provider network: its own `interfaces.provider`, else
 * `networks.provider.interface`. Undefined when there is no provider network or
 * the host has no such NIC.
 */
export function providerInterface(model: Model, host: ModelHost): string | undefined {
  if (!model.networks.provider) return undefined
  return host.interfaces.provider ?? model.networks.provider.interface
}
