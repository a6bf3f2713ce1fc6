// SPDX-License-Identifier: Apache-2.0
// The surface labs import (labs/<id>/checks.ts): results, the context type, and
// the few reads and writes many labs share. Reads take the checker and name the
// student's project; writes take the student's own APIs. The helpers live in
// kit/, one file per service; labs import them from here only.
export { fail, notReady, pass, type CheckResult, type LabContext } from './context.ts'
export { guestImageName, publicNet } from '../postdeploy/names.ts'
export type { Cloud } from '../openstack/index.ts'
export { LabError } from './errors.ts'
export { httpFetch } from '../openstack/http.ts'
export { pingUntil } from '../verify/ping.ts'
export { pingFrom, secondSource, tcpAnswers } from './probe.ts'
export { waitFor } from './kit/wait.ts'
export { keypairOf, launchTinyServer, novaCall, serversNamed, serverState, waitForServer } from './kit/compute.ts'
export { defaultGroupId, ensureLabNetwork, ensureRoutedNetwork, externalNetworkId, owned } from './kit/network.ts'
export { snapshotsNamed, studentSwift, volumesNamed, type CinderVolume } from './kit/storage.ts'
export { identityCall, loginAs } from './kit/identity.ts'
export { deleteLabResources } from './kit/cleanup.ts'
