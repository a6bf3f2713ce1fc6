// SPDX-License-Identifier: Apache-2.0
// The small OpenStack client: a Keystone token, its catalog, one API per service.
import { ComputeApi } from './compute.ts'
import { ImageApi } from './image.ts'
import type { KeystoneClient } from './keystone.ts'
import { NetworkApi } from './network.ts'
import { ObjectStoreApi } from './object-store.ts'
import { OpenStackSession, type SessionOptions } from './session.ts'
import { VolumeApi } from './volume.ts'

export { KeystoneClient, KeystoneError, type Credentials, type CatalogEntry } from './keystone.ts'
export { OpenStackSession, OpenStackError, errorMessage, type Interface, type SessionOptions } from './session.ts'
export {
  ComputeApi,
  type ComputeService,
  type Flavor,
  type Keypair,
  type Server,
  type ServerSpec,
  type VolumeAttachment,
} from './compute.ts'
export {
  NetworkApi,
  type Agent,
  type FloatingIp,
  type Network,
  type Port,
  type Router,
  type SecurityGroup,
  type SecurityGroupRule,
  type Subnet,
} from './network.ts'
export { ImageApi, type Image, type ImageSpec } from './image.ts'
export { VolumeApi, type Volume, type VolumeService } from './volume.ts'
export { ObjectStoreApi } from './object-store.ts'

/** Every API of one session; each is a thin wrapper over it. */
export interface Cloud {
  session: OpenStackSession
  compute: ComputeApi
  network: NetworkApi
  image: ImageApi
  volume: VolumeApi
  objectStore: ObjectStoreApi
}

/** The APIs of a logged-in Keystone client, on the public endpoints unless told otherwise. */
export function cloud(keystone: KeystoneClient, opts: SessionOptions = {}): Cloud {
  const session = new OpenStackSession(keystone, opts)
  return {
    session,
    compute: new ComputeApi(session),
    network: new NetworkApi(session),
    image: new ImageApi(session),
    volume: new VolumeApi(session),
    objectStore: new ObjectStoreApi(session),
  }
}
