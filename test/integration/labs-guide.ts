// SPDX-License-Identifier: Apache-2.0
// The lab guide in a real browser (Debian's chromium, driven by playwright-core)
// on the all-in-one cloud the suite deploys: a student logs in with their own
// Keystone user, starts a lab, presses Check before and after doing the step and
// takes a hint; the trainer, logged in as the cloud's admin in another browser
// context, watches the class grid change live, gives more time, solves a step and
// resets the student. Screenshots go to out/lab-guide/.
import { mkdirSync } from 'node:fs'
import { join } from 'node:path'
import { expect, it } from 'vitest'
import { createClass, removeClass, setTimeLimit } from '../../installer/labs/class.ts'
import { Classroom } from '../../installer/labs/classroom.ts'
import type { LabAction } from '../../installer/labs/context.ts'
import { startLabGuide } from '../../installer/labs/guide/server.ts'
import { loadLabs } from '../../installer/labs/load.ts'
import { LabRunner } from '../../installer/labs/runner.ts'
import { ensureMachinePackages } from '../../installer/machine-packages.ts'
import { packageRoot } from '../../installer/paths.ts'
import type { Project } from '../../installer/project.ts'

const shots = join(packageRoot, 'out', 'lab-guide')

export function labGuideTests(project: () => Project): void {
  it('lab guide in a browser: Check before and after a step, a hint, and the trainer grid changing live', async () => {
    await ensureMachinePackages(['chromium'], { what: 'the lab guide browser test' })
    const { chromium } = await import('playwright-core')
    mkdirSync(shots, { recursive: true })
    const labs = await loadLabs()
    const lab = labs.find((l) => l.file.id === 'object-storage')!
    const classId = `g${Date.now().toString(36).slice(-6)}`
    await createClass(project(), classId, 1)
    const s = await new Classroom(project(), classId).ensureStudent(1)
    const guide = await startLabGuide({ project: project(), labs, port: 0 })
    // NOTE: as root, Chromium runs only without its sandbox.
    const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox'] })
    try {
      // GIVEN a student logged in with their own Keystone user
      const student = await (await browser.newContext()).newPage()
      await student.goto(guide.url)
      await student.fill('#username', s.user.name)
      await student.fill('#password', s.password)
      await student.click('#login')
      await student.click('[data-lab="object-storage"]')
      // WHEN they start the lab THEN the first step shows, with a link to the dashboard
      await student.click('#start')
      await student.waitForSelector('#step[data-step="container"]')
      expect(await student.getAttribute('#dashboard-link', 'href')).toBe(project().model.dashboardUrl)
      // WHEN they press Check before doing anything THEN it says what is missing
      await student.click('#check')
      await student.waitForSelector('#result.fail')
      expect(await student.textContent('#result')).toMatch(/container/i)
      await student.click('#hint')
      await student.waitForSelector('#hints li')
      await student.screenshot({ path: join(shots, 'student-check-fails.png'), fullPage: true })

      // AND the trainer sees the student in the class grid, the step not done
      const trainer = await (await browser.newContext()).newPage()
      trainer.on('dialog', (d) => void d.accept())
      await trainer.goto(guide.url)
      await trainer.fill('#username', 'admin')
      await trainer.fill('#password', project().model.secrets.admin_password)
      await trainer.click('#login')
      await trainer.selectOption('#class', classId)
      await trainer.selectOption('#lab', 'object-storage')
      const row = 'tr[data-student="1"]'
      await trainer.waitForSelector(`${row} td.fail`)
      expect(await trainer.locator(`${row} td.pass`).count()).toBe(0)

      // WHEN the student does the step (here through the API, as the CLI would) and presses Check
      const ctx = await new LabRunner(lab, new Classroom(project(), classId), 1).ctx()
      await (lab.code[lab.file.steps[0]!.solve] as LabAction)(ctx)
      await student.click('#check')
      await student.waitForSelector('#result.pass')
      await student.waitForSelector('#step[data-step="container"] #next')
      expect(await student.textContent('#progress')).toMatch(/^1 of 5 steps done/)
      await student.screenshot({ path: join(shots, 'student-check-passes.png'), fullPage: true })
      // THEN the trainer's grid shows it within its refresh, without a reload
      await trainer.waitForSelector(`${row} td.pass`, { timeout: 15_000 })
      await trainer.screenshot({ path: join(shots, 'trainer-grid.png'), fullPage: true })

      // WHEN the class gets a time limit THEN both pages show the time left, and the trainer can add to it
      setTimeLimit(project(), classId, lab, 30)
      await trainer.waitForSelector(`${row} td.time:has-text("min left")`, { timeout: 15_000 })
      await trainer.click(`${row} button:has-text("+10 min")`)
      await trainer.waitForSelector(`${row} td.time:has-text("40 min left")`)
      await student.reload()
      await student.waitForSelector('#time-left:has-text("min left")')

      // WHEN the trainer solves the next step for the student THEN it shows as solved, not done by them
      await trainer.click(`${row} button:has-text("Solve 2")`)
      await trainer.waitForSelector(`${row} td.solved`, { timeout: 60_000 })
      // AND a reset clears the student's row
      await trainer.click(`${row} button:has-text("Reset")`)
      await trainer.waitForFunction((sel) => !document.querySelector(`${sel} td.pass, ${sel} td.solved`), row, { timeout: 60_000 })
      await trainer.screenshot({ path: join(shots, 'trainer-after-reset.png'), fullPage: true })
    } finally {
      await browser.close()
      await guide.close()
      await removeClass(project(), classId, labs)
    }
  })
}
