#!/usr/bin/env node
// npm run test:under-load: the whole suite while busy loops keep every core busy, as on a shared CI host
// or a developer's machine doing other work. A test that blocks its vitest worker (a synchronous child
// process, say) fails the run here with vitest's RPC timeout even when every assertion passed.
//   node scripts/test-under-load.mjs [vitest arguments...]
import { spawn } from 'node:child_process'
import * as os from 'node:os'

const hogs = Array.from({ length: os.availableParallelism() }, () => spawn(process.execPath, ['-e', 'for (;;) {}'], { stdio: 'ignore' }))
const stopHogs = () => {
  for (const hog of hogs) hog.kill('SIGKILL')
}
process.on('exit', stopHogs)
process.on('SIGINT', () => process.exit(130))
process.on('SIGTERM', () => process.exit(143))

console.log(`test-under-load: ${hogs.length} busy loops running (pids ${hogs.map((hog) => hog.pid).join(', ')})`)
const vitest = spawn(
  process.execPath,
  [new URL('../node_modules/vitest/vitest.mjs', import.meta.url).pathname, 'run', ...process.argv.slice(2)],
  {
    stdio: 'inherit',
  },
)
vitest.on('exit', (code, signal) => {
  const stillBusy = hogs.every((hog) => hog.exitCode === null && hog.signalCode === null)
  stopHogs()
  if (!stillBusy) {
    console.error('test-under-load: a busy loop ended early, so the run was not under load')
    process.exit(1)
  }
  process.exit(code ?? (signal ? 1 : 0))
})
