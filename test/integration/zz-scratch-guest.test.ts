import { it } from 'vitest'
import { imageCommand } from '../../installer/cli/image.ts'
it('cli', async () => {
  process.chdir('/tmp')
  await imageCommand.parseAsync(['node', 'image', 'build', '--out', '/tmp/gi-cli-out'])
  await imageCommand.parseAsync(['node', 'image', 'build', '--out', '/tmp/gi-cli-out', '--json'])
  await imageCommand.parseAsync(['node', 'image', '--help']).catch(() => {})
}, 120000)
