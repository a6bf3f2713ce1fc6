// SPDX-License-Identifier: Apache-2.0
import { Command } from 'commander'
import { relative, resolve } from 'node:path'
import { buildGuestImage, defaultCacheDir } from '../guest-image/index.ts'
import { folderArgument } from './_options.ts'
import { err, out, style } from './_style.ts'

interface BuildFlags {
  out: string
  cache?: string
  force?: boolean
  json?: boolean
}

const build = new Command('build')
  .description('build the tiny test guest (Debian cloud kernel, busybox, dropbear) as guest.qcow2; reused when nothing changed')
  .option('--out <dir>', 'folder to write guest.qcow2 into', 'out')
  .option('--cache <dir>', `folder for the kernel .deb and built images (default: ${defaultCacheDir()})`)
  .option('--force', 'build even when the cache holds an image of the same inputs')
  .option('--json', 'print the result as JSON')
  .action(async (flags: BuildFlags) => {
    const log = flags.json ? undefined : (line: string) => err(style.dim(`  ${line}`, process.stderr))
    const image = await buildGuestImage({
      outDir: resolve(folderArgument(flags.out, '--out')),
      ...(flags.cache ? { cacheDir: resolve(folderArgument(flags.cache, '--cache')) } : {}),
      ...(flags.force ? { force: true } : {}),
      ...(log ? { log } : {}),
    })
    if (flags.json) return out(JSON.stringify(image, null, 2))
    const shown = relative(process.cwd(), image.qcow2).startsWith('..') ? image.qcow2 : relative(process.cwd(), image.qcow2)
    out(
      image.cached
        ? `${style.green('✔')} guest image unchanged: reused the cached build ${style.dim(`(key ${image.key}: same .deb versions and files)`)}`
        : `${style.green('✔')} guest image built in ${image.seconds.toFixed(1)} s ${style.dim(`(key ${image.key})`)}`,
    )
    out(`  path    ${shown}`)
    out(`  size    ${(image.bytes / 2 ** 20).toFixed(1)} MiB (${image.bytes} bytes)`)
    out(`  sha256  ${image.sha256}`)
    out(`  kernel  ${image.kernel.release} ${style.dim(`(${image.kernel.name} ${image.kernel.version})`)}`)
    out(`  upload: ${style.bold(`openstack image create tiny --disk-format qcow2 --container-format bare --min-ram 128 --file ${shown}`)}`)
  })

/** `stackhouse image build`: the test guest image that smoke tests boot in the cloud. */
export const imageCommand = new Command('image')
  .description('the tiny test guest image: DHCP, SSH key from metadata, a READY line on the serial console')
  .addCommand(build)
