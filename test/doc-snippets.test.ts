// Every JavaScript example of README.md and docs/ runs as pasted: each ```js block is saved as a file of its
// own and run by node with nothing added, from inside the checkout (where `require('rseq')` is the package
// itself and the exporters' packages are installed). It must exit 0 with nothing on stderr; one that serves
// or exports periodically is stopped after two seconds of running without an error. Each runs in namespaces
// of its own (a private /dev/shm and network), so that the stores and ports the examples name (myapp.metrics,
// 9464) are never a developer's. ```ts blocks are signatures and ```sh blocks commands: not run here.
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import * as path from 'node:path'
import { beforeAll, describe, expect, it } from 'vitest'
import { root } from './helpers/package-copy'
import { cleanEnvironment, runCommand } from './helpers/run-node'

interface Snippet {
  file: string
  line: number
  code: string
}

/** The ```js blocks of a Markdown file, with the line each starts on. */
function snippetsOf(file: string): Snippet[] {
  const lines = readFileSync(path.join(root, file), 'utf8').split('\n')
  const snippets: Snippet[] = []
  for (let at = 0; at < lines.length; at++) {
    if (lines[at] !== '```js') continue
    const end = lines.indexOf('```', at + 1)
    if (end === -1) throw new Error(`${file}:${at + 1}: a \`\`\`js block that never closes`)
    snippets.push({ file, line: at + 1, code: lines.slice(at + 1, end).join('\n') + '\n' })
    at = end
  }
  return snippets
}

const pages = [
  'README.md',
  ...readdirSync(path.join(root, 'docs'))
    .filter((name) => name.endsWith('.md'))
    .map((name) => `docs/${name}`),
]
const snippets = pages.flatMap(snippetsOf)
// Inside the checkout, so that require('rseq') resolves to the package by its own name.
const scratch = path.join(root, 'test', '.build', 'doc-snippets')

// Stops a snippet still running after 2 s (a server, a periodic exporter) with status 0; one that ends sooner ends
// as it would alone. An uncaught error exits 1 before that.
const RUNNER = "setTimeout(() => process.exit(0), 2000).unref()\nrequire(require('node:path').resolve(process.argv[2]))\n"

beforeAll(() => {
  rmSync(scratch, { recursive: true, force: true })
  mkdirSync(scratch, { recursive: true })
  writeFileSync(path.join(scratch, 'run-for-a-while.cjs'), RUNNER)
})

describe('the JavaScript examples of the documentation', () => {
  it('are found where the docs show code: the README and the API reference', () => {
    expect(new Set(snippets.map((snippet) => snippet.file))).toEqual(new Set(['README.md', 'docs/api.md']))
  })

  it.each(snippets.map((snippet) => [`${snippet.file}:${snippet.line}`, snippet] as const))('%s runs as pasted', async (_, snippet) => {
    const script = path.join(scratch, `${snippet.file.replace(/\W/g, '-')}-${snippet.line}.js`)
    writeFileSync(script, snippet.code)
    const inNamespaces = `mount -t tmpfs tmpfs /dev/shm && exec "$0" run-for-a-while.cjs "$1"`
    const ran = await runCommand(
      'unshare',
      ['--map-root-user', '--mount', '--net', 'sh', '-c', inNamespaces, process.execPath, path.basename(script)],
      { cwd: scratch, env: cleanEnvironment(), timeoutMs: 60_000 },
    )
    expect({ status: ran.status, stderr: ran.stderr }).toEqual({ status: 0, stderr: '' })
  })
})
