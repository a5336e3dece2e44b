// Under valgrind, which does not implement rseq(2): the package takes fallback cleanly, says why, and a
// small script passes memcheck with no error.
import { spawnSync } from 'node:child_process'
import * as path from 'node:path'
import { describe, expect, it } from 'vitest'
import { fixturesDir, runCommand } from './helpers/run-node'

const hasValgrind = spawnSync('valgrind', ['--version'], { stdio: 'ignore' }).status === 0
if (!hasValgrind) {
  if (process.env.RSEQ_REQUIRE_EMULATION === '1') throw new Error('valgrind is required here: apt-get install valgrind')
  console.warn('valgrind tests skipped: valgrind not found (apt-get install valgrind)')
}

describe.skipIf(!hasValgrind)('under valgrind memcheck', () => {
  it('passes the API checks with no memcheck error, in fallback with ENOSYS', async () => {
    const child = await runCommand('valgrind', ['-q', '--error-exitcode=99', process.execPath, path.join(fixturesDir, 'api-checks.cjs')], {
      timeoutMs: 300_000,
    })
    expect(child.status, child.stderr).toBe(0)
    const result = JSON.parse(child.stdout.trim().split('\n').pop()!)
    for (const [name, outcome] of Object.entries(result.checks)) expect(outcome, name).toBe(true)
    expect(result.info.strategy).toBe('fallback')
    expect(result.info.errno).toBe('ENOSYS')
    expect(result.info.reason).toMatch(/valgrind/)
  })
})
