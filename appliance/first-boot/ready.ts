// SPDX-License-Identifier: Apache-2.0
// The appliance's "Ready": where the dashboard, Keystone, the admin credentials,
// the lab guide and the class's credentials sheet are.
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { credentialFiles } from '../../installer/credentials.ts'
import { defaultGuidePort } from '../../installer/labs/guide/server.ts'
import { Classroom } from '../../installer/labs/classroom.ts'
import type { Project } from '../../installer/project.ts'
import type { ApplianceStatus } from './banner.ts'

/** "Ready", with where the dashboard, Keystone and the admin credentials are. */
export function readyStatus(project: Project): ApplianceStatus {
  return {
    state: 'ready',
    dashboard: project.model.dashboardUrl,
    keystone: project.model.endpoints.keystone.public,
    credentials: credentialFiles(project.paths.stateDir).adminOpenrc,
    labs: labGuideUrl(project),
    ...(existsSync(classSheet(project)) ? { classSheet: classSheet(project) } : {}),
  }
}

/** The class first boot makes when the settings ask for students (labs.set, labs.students). */
export const applianceClass = 'class'

/** Its credentials sheet: the students' logins (mode 0600). */
export const classSheet = (project: Project): string => join(new Classroom(project, applianceClass).dir, 'credentials.txt')

/** The lab guide's address: the dashboard's host, the guide's port. */
export function labGuideUrl(project: Project): string {
  // The guide serves https with the cloud's certificate when the dashboard does.
  const url = new URL(project.model.dashboardUrl)
  return `${url.protocol}//${url.hostname}:${defaultGuidePort}/`
}
