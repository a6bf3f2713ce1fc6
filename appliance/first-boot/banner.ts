// SPDX-License-Identifier: Apache-2.0
// What the console says about the appliance: a file in /etc/issue.d that getty
// shows above the login prompt (re-read with `agetty --reload`), the same status
// as JSON for programs, and guestinfo.stackhouse.status where VMware tools run.
import { spawnSync } from 'node:child_process'
import { existsSync, mkdirSync, renameSync, writeFileSync } from 'node:fs'
import { dirname } from 'node:path'

export type ApplianceStatus =
  | { state: 'configuring'; step: number; of: number; what: string }
  | { state: 'ready'; dashboard: string; keystone: string; credentials: string; labs: string; classSheet?: string }
  | { state: 'failed'; what: string; log: string; detail?: string; repair?: string }
  /** First boot in host mode: the network and SSH key are set, no cloud is here (a multi-host inventory names this VM). */
  | { state: 'host'; address: string }

export interface BannerPaths {
  issue: string
  json: string
}

export const bannerPaths: BannerPaths = {
  issue: '/etc/issue.d/50-stackhouse.issue',
  json: '/run/stackhouse/status.json',
}

/** The status in one line, as guestinfo carries it. */
export function statusLine(s: ApplianceStatus): string {
  if (s.state === 'configuring') return `Configuring (step ${s.step} of ${s.of}: ${s.what})`
  if (s.state === 'ready') return `Ready: ${s.dashboard}`
  if (s.state === 'host') return `Ready as a host: ssh root@${s.address} (no cloud here until a deploy names it)`
  return `Failed: ${s.what}, see ${s.log}`
}

/**
 * The text getty shows. Backslashes are getty's escapes, so text from settings
 * is never put here unescaped; \4{iface} is the interface's current address.
 */
export function issueText(s: ApplianceStatus, iface: string): string {
  const esc = (t: string) => t.replace(/\\/g, '\\\\')
  const head = `Stackhouse appliance (OpenStack Zed) on \\4{${esc(iface)}}\n`
  if (s.state === 'configuring') return `${head}${esc(statusLine(s))}\nThe console shows "Ready" when the cloud is verified.\n\n`
  if (s.state === 'host')
    return (
      `${head}Ready as a host for a multi-host cloud\n` +
      `  SSH: root@${esc(s.address)} with the key it was given\n` +
      `  No cloud is configured here: stackhouse deploy -i <inventory> on the deployer sets it up.\n\n`
    )
  if (s.state === 'ready')
    return (
      `${head}Ready\n` +
      `  Dashboard: ${esc(s.dashboard)}\n  Keystone:  ${esc(s.keystone)}\n  Labs:      ${esc(s.labs)}\n` +
      `  Credentials: ${esc(s.credentials)} (log in as root)\n` +
      `${s.classSheet ? `  Students:    ${esc(s.classSheet)}\n` : ''}\n`
    )
  return (
    `${head}Failed: ${esc(s.what)}\n${s.detail ? `  ${esc(s.detail)}\n` : ''}  See ${esc(s.log)}\n` +
    `${s.repair ? `  Repair: ${esc(s.repair)}\n` : ''}\n`
  )
}

function writeAtomic(path: string, text: string): void {
  mkdirSync(dirname(path), { recursive: true })
  writeFileSync(`${path}.tmp`, text, { mode: 0o644 })
  renameSync(`${path}.tmp`, path)
}

/** Show the status on the console, in the JSON file and in guestinfo. Never throws: the banner must not fail a boot. */
export function showStatus(s: ApplianceStatus, iface: string, paths: BannerPaths = bannerPaths): void {
  try {
    writeAtomic(paths.issue, issueText(s, iface))
    writeAtomic(paths.json, `${JSON.stringify({ ...s, line: statusLine(s), at: new Date().toISOString() })}\n`)
  } catch {
    // A read-only or missing /etc/issue.d: the log still has the status.
  }
  if (paths !== bannerPaths) return
  spawnSync('agetty', ['--reload'], { stdio: 'ignore', timeout: 5_000 })
  if (existsSync('/usr/bin/vmware-rpctool'))
    spawnSync('vmware-rpctool', [`info-set guestinfo.stackhouse.status ${statusLine(s)}`], { stdio: 'ignore', timeout: 5_000 })
}
