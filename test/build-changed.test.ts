// npm test never runs a stale build: before the suite, scripts/build-changed.mjs rebuilds dist/ from lib/
// and the addon from native/ when they are older than their sources, and a failed build stops the run.
import { appendFileSync, cpSync, readdirSync, readFileSync, utimesSync } from 'node:fs'
import * as path from 'node:path'
import { beforeAll, describe, expect, it } from 'vitest'
import { packageCopy, root } from './helpers/package-copy'
import { runCommand } from './helpers/run-node'

describe('scripts/build-changed.mjs, in a copy of the package built as npm install builds it', () => {
  let copy: string
  const buildChanged = () => runCommand(process.execPath, [path.join(copy, 'scripts', 'build-changed.mjs')], { cwd: copy })

  beforeAll(() => {
    copy = packageCopy('build-changed')
    cpSync(path.join(root, 'lib'), path.join(copy, 'lib'), { recursive: true })
    cpSync(path.join(root, 'tsconfig.json'), path.join(copy, 'tsconfig.json'))
    cpSync(path.join(root, 'build'), path.join(copy, 'build'), { recursive: true })
    // Built after its sources, as npm install leaves it: lib/, native/ and binding.gyp dated a minute ago.
    const earlier = new Date(Date.now() - 60_000)
    for (const source of ['lib', 'native', 'tsconfig.json', 'binding.gyp']) {
      for (const file of [source, ...entriesUnder(path.join(copy, source)).map((entry) => path.join(source, entry))]) {
        utimesSync(path.join(copy, file), earlier, earlier)
      }
    }
    const now = new Date()
    for (const built of ['dist', 'build']) {
      for (const entry of entriesUnder(path.join(copy, built))) utimesSync(path.join(copy, built, entry), now, now)
    }
  })

  it('does nothing when everything is newer than its sources', async () => {
    const result = await buildChanged()
    expect(result.status, result.stderr).toBe(0)
    expect(result.stdout).toBe('')
  })

  it('rebuilds dist/ when lib/ changed, so the suite runs the edit', async () => {
    appendFileSync(path.join(copy, 'lib', 'index.ts'), '\nexport const editedAfterTheBuild = 42\n')
    const result = await buildChanged()
    expect(result.status, result.stderr).toBe(0)
    expect(result.stdout).toMatch(/build-changed: lib\/ changed since dist\/ was built: tsc/)
    expect(readFileSync(path.join(copy, 'dist', 'index.js'), 'utf8')).toMatch(/editedAfterTheBuild = 42/)
  })

  it('stops the run, saying why, when the build fails', async () => {
    appendFileSync(path.join(copy, 'lib', 'index.ts'), '\nexport const broken: number = "not a number"\n')
    const result = await buildChanged()
    expect(result.status).toBe(1)
    expect(result.stderr).toMatch(/tsc .* failed \(exit \d+\); the tests would run a stale build, so they do not run/)
  })
})

function entriesUnder(at: string): string[] {
  try {
    return readdirSync(at, { recursive: true }).map(String)
  } catch {
    return [] // a file, not a folder
  }
}
