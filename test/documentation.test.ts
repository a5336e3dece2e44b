// The documentation cannot rot: its relative links and anchors resolve, the README stays a short guide
// that links every page, and the kernel tables and benchmark figures are what the recorded runs say.
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import * as os from 'node:os'
import * as path from 'node:path'
import * as semver from 'semver'
import { afterAll, describe, expect, it } from 'vitest'
import { root } from './helpers/package-copy'
import { runCommand } from './helpers/run-node'

const checkLinks = path.join(root, 'scripts', 'check-links.mjs')
const scratch = mkdtempSync(path.join(os.tmpdir(), 'rseq-links-'))
afterAll(() => rmSync(scratch, { recursive: true, force: true }))

describe('the link check (scripts/check-links.mjs)', () => {
  it('finds every relative link and anchor of README.md, docs/ and native/ resolving', async () => {
    const result = await runCommand(process.execPath, [checkLinks])
    expect(result.stderr).toBe('')
    expect(result.status).toBe(0)
    expect(result.stdout).toMatch(/^\d+ files, 0 broken links/)
  })

  it('names a missing file, a missing anchor and an anchor into a file that is not Markdown', async () => {
    const page = path.join(scratch, 'page.md')
    writeFileSync(path.join(scratch, 'other.md'), '# Other page\n\n## `info()` and friends\n\n<a id="explicit"></a>\n')
    writeFileSync(
      page,
      [
        '# Page',
        '[fine](other.md#info-and-friends) [fine too](other.md#explicit) [here](#page) [site](https://example.com/x#y)',
        '[gone](missing.md) [no anchor](other.md#nowhere) [not markdown](other.json#x)',
        '```',
        '[inside code](nowhere.md)',
        '```',
      ].join('\n'),
    )
    writeFileSync(path.join(scratch, 'other.json'), '{}')
    const result = await runCommand(process.execPath, [checkLinks, page])
    expect(result.status).toBe(1)
    const problems = result.stderr.trim().split('\n')
    expect(problems).toHaveLength(3)
    expect(problems[0]).toMatch(/\[gone\]\(missing\.md\): .*missing\.md does not exist/)
    expect(problems[1]).toMatch(/\[no anchor\]\(other\.md#nowhere\): .*has no heading or anchor #nowhere/)
    expect(problems[2]).toMatch(/\[not markdown\]\(other\.json#x\): #x points into a file that is not Markdown/)
  })
})

describe('README.md', () => {
  const readme = readFileSync(path.join(root, 'README.md'), 'utf8')

  it('is a guide of at most about 200 lines', () => {
    expect(readme.split('\n').length).toBeLessThanOrEqual(200)
  })

  it('links every page of docs/', () => {
    const pages = readdirSync(path.join(root, 'docs')).filter((name) => name.endsWith('.md'))
    expect(pages.length).toBeGreaterThan(0)
    for (const page of pages) expect(readme).toContain(`](docs/${page}`)
  })
})

describe('the kernel tables of README.md and docs/support.md', () => {
  it('are what docs/kernel-matrix.json records (scripts/kernels/tables.mjs --check)', async () => {
    const result = await runCommand(process.execPath, [path.join(root, 'scripts', 'kernels', 'tables.mjs'), '--check'])
    expect(result.stderr).toBe('')
    expect(result.status).toBe(0)
  })
})

describe('the benchmark figures of README.md and docs/benchmarks.md', () => {
  it('are what docs/rseq-bench.json and docs/runtimes-bench.json record (scripts/bench-tables.mjs --check)', async () => {
    const result = await runCommand(process.execPath, [path.join(root, 'scripts', 'bench-tables.mjs'), '--check'])
    expect(result.stderr).toBe('')
    expect(result.status).toBe(0)
  })
})

describe('the development Node of docs/development.md', () => {
  const section = /## Which Node\n([\s\S]*?)\n## /.exec(readFileSync(path.join(root, 'docs', 'development.md'), 'utf8'))![1]
  const floor = /Develop on Node (\d+\.\d+) or later/.exec(section)![1]

  it('names every locked devDependency that npm install on that Node warns about (EBADENGINE), and no other', () => {
    const lock = JSON.parse(readFileSync(path.join(root, 'package-lock.json'), 'utf8')) as {
      packages: Record<string, { engines?: { node?: string } }>
    }
    const warned = new Set<string>()
    for (const [where, entry] of Object.entries(lock.packages)) {
      const range = entry.engines?.node
      if (where !== '' && range !== undefined && !semver.satisfies(`${floor}.0`, range)) warned.add(where.replace(/^.*node_modules\//, ''))
    }
    // The section names scoped packages only; an unscoped one would need naming here too.
    const named = new Set(section.match(/@[\w-]+\/[\w-]+/g))
    expect([...named].sort()).toEqual([...warned].sort())
  })
})
