// SPDX-License-Identifier: Apache-2.0
// govmomi's vCenter simulator for the tests (./simulator/main.go): built once per
// machine with Debian's Go from Debian's govmomi (installed here the way the other
// tests install chromium and shellcheck), started on loopback with a certificate of
// a CA made for the test, so the client's TLS verification stays on.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process'
import { createHash, randomBytes } from 'node:crypto'
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createInterface } from 'node:readline'
import { ensureMachinePackages } from '../../installer/machine-packages.ts'
import { ensureCa, ensureCertificate } from '../../installer/tls/ca.ts'
import { VsphereSession, type VsphereLogin } from '../../installer/vsphere/session.ts'

const source = join(import.meta.dirname, 'simulator', 'main.go')
const cacheDir = '/var/cache/stackhouse/vcsim'

export interface Simulator {
  /** https://127.0.0.1:<port>/sdk */
  url: string
  /** PEM of the CA that signed its certificate. */
  ca: string
  user: string
  password: string
  /** All of the above, as a login to it. */
  credentials: VsphereLogin
  /** A session logged in with `credentials`. */
  session(): Promise<VsphereSession>
  /** What the simulator wrote to stderr so far (a panic, when it crashed). */
  log(): string
  stop(): Promise<void>
}

/** The simulator's binary, built when its source changed (keyed by the source's hash). */
export async function buildSimulator(): Promise<string> {
  await ensureMachinePackages(['golang-go', 'golang-github-vmware-govmomi-dev'], { what: 'the vSphere simulator' })
  const hash = createHash('sha256').update(readFileSync(source)).digest('hex').slice(0, 16)
  const binary = join(cacheDir, `stackhouse-vcsim-${hash}`)
  if (existsSync(binary)) return binary
  mkdirSync(cacheDir, { recursive: true })
  // GOPATH mode: our one package beside Debian's Go sources, nothing fetched.
  const gopath = mkdtempSync(join(tmpdir(), 'stackhouse-vcsim-gopath-'))
  try {
    const pkg = join(gopath, 'src', 'stackhouse-vcsim')
    mkdirSync(pkg, { recursive: true })
    copyFileSync(source, join(pkg, 'main.go'))
    const r = spawnSync('go', ['build', '-o', `${binary}.partial`, 'stackhouse-vcsim'], {
      cwd: pkg,
      encoding: 'utf8',
      env: {
        ...process.env,
        GO111MODULE: 'off',
        GOPATH: `${gopath}:/usr/share/gocode`,
        GOPROXY: 'off',
        GOCACHE: join(cacheDir, 'go-build'),
      },
    })
    if (r.status !== 0) throw new Error(`building the vSphere simulator failed:\n${r.stderr}`)
    spawnSync('mv', ['-f', `${binary}.partial`, binary])
    return binary
  } finally {
    rmSync(gopath, { recursive: true, force: true })
  }
}

/** Start a simulator (a vCenter, or with `esx` a standalone ESXi host); `stop` ends it and removes its files. */
export async function startSimulator(opts: { user?: string; password?: string; esx?: boolean } = {}): Promise<Simulator> {
  const binary = await buildSimulator()
  const dir = mkdtempSync(join(tmpdir(), 'stackhouse-vcsim-'))
  const ca = ensureCa(dir, 'vsphere test')
  const cert = ensureCertificate(dir, 'vcsim', { dns: ['localhost'], ips: ['127.0.0.1'] })
  const user = opts.user ?? 'administrator@vsphere.local'
  // Made per run: the simulator accepts only this one.
  const password = opts.password ?? randomBytes(12).toString('base64url')
  const child: ChildProcess = spawn(binary, ['-l', '127.0.0.1:0', '-cert', cert.cert, '-key', cert.key, ...(opts.esx ? ['-esx'] : [])], {
    stdio: ['pipe', 'pipe', 'pipe'],
    // vcsim writes its datastores' files under TMPDIR.
    env: { ...process.env, TMPDIR: dir, VCSIM_USER: user, VCSIM_PASSWORD: password },
  })
  let stderr = ''
  child.stderr!.on('data', (b: Buffer) => (stderr += b.toString()))
  const url = await new Promise<string>((resolve, reject) => {
    const lines = createInterface({ input: child.stdout! })
    lines.once('line', (l) => resolve(l.trim()))
    child.once('exit', (code) => reject(new Error(`the vSphere simulator exited (${code}): ${stderr}`)))
    setTimeout(() => reject(new Error(`the vSphere simulator did not start in 60 s: ${stderr}`)), 60_000)
  })
  const pem = readFileSync(ca.cert, 'utf8')
  const credentials: VsphereLogin = { url, ca: pem, user, password }
  return {
    url,
    ca: pem,
    user,
    password,
    credentials,
    session: () => VsphereSession.login(credentials),
    log: () => stderr,
    async stop() {
      const exited = new Promise((r) => child.once('exit', r))
      child.stdin!.end()
      child.kill('SIGTERM')
      await exited
      rmSync(dir, { recursive: true, force: true })
    },
  }
}
