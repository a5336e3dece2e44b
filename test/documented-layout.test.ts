// The layout section of docs/development.md is the tree: every top-level entry of the repository is listed,
// the folders of native/ and lib/ are exactly those listed under them, every entry of the other folders is
// named in its description, and every file or folder the section names exists.
import { execFileSync } from 'node:child_process'
import { existsSync, readFileSync } from 'node:fs'
import * as path from 'node:path'
import { describe, expect, it } from 'vitest'
import { root } from './helpers/package-copy'

interface LayoutEntry {
  /** The names the row starts with: `native/`, or `eslint.config.mjs, .prettierrc.json`. */
  names: string[]
  /** The row's description, continuation lines included. */
  text: string
  /** The top-level folder a nested row (two spaces in) belongs to. */
  parent?: string
}

/** The rows of the fenced block under `## Layout`: a name column, then a description after two spaces or more. */
function layoutEntries(): LayoutEntry[] {
  const page = readFileSync(path.join(root, 'docs', 'development.md'), 'utf8')
  const block = /## Layout\n[\s\S]*?```\n([\s\S]*?)```/.exec(page)
  if (block === null) throw new Error('docs/development.md has no fenced block under "## Layout"')
  const entries: LayoutEntry[] = []
  let topLevel: string | undefined
  for (const line of block[1].split('\n').filter((text) => text.trim() !== '')) {
    const row = /^( {0,2})(\S.*?)(?: {2,}(.*))?$/.exec(line)
    if (row === null) {
      entries[entries.length - 1].text += ` ${line.trim()}`
      continue
    }
    const names = row[2].split(/,\s*/)
    if (row[1] === '') topLevel = names[0]
    entries.push({ names, text: row[3] ?? '', parent: row[1] === '' ? undefined : topLevel })
  }
  return entries
}

const tracked = execFileSync('git', ['ls-files'], { cwd: root, encoding: 'utf8' }).trim().split('\n')
const trackedTopLevel = new Set(tracked.map((file) => (file.includes('/') ? `${file.split('/')[0]}/` : file)))
/** The tracked entries directly in `folder` (`name/` for a folder). */
function trackedChildren(folder: string): string[] {
  const children = tracked
    .filter((file) => file.startsWith(`${folder}/`))
    .map((file) => file.slice(folder.length + 1))
    .map((rest) => (rest.includes('/') ? `${rest.split('/')[0]}/` : rest))
  return [...new Set(children)].sort()
}
/** Whether `relative` (a file, or a folder ending in /) is tracked, or exists as a build leaves it (dist/). */
function present(relative: string): boolean {
  const tracks = relative.endsWith('/') ? tracked.some((file) => file.startsWith(relative)) : tracked.includes(relative)
  return tracks || existsSync(path.join(root, relative))
}

// Names in a description that denote a file or folder: `fixtures/`, `bench.mjs`, `native/README.md`.
const PATH_TOKEN = /(?<![\w./:-])((?:[\w-]+\/)*[\w.-]+\.(?:mjs|cjs|js|ts|mts|sh|json|cc|h|gyp|md)|[\w-]+\/)(?![\w/-])/g

describe('the layout section of docs/development.md', () => {
  const entries = layoutEntries()
  const topLevel = entries.filter((entry) => entry.parent === undefined)

  it('lists every top-level file and folder of the repository, and nothing else at the top', () => {
    const listed = topLevel.flatMap((entry) => entry.names)
    expect([...listed].sort()).toEqual([...trackedTopLevel].sort())
  })

  it.each(['native', 'lib'])('lists exactly the folders of %s/ under it, and files of it that exist', (folder) => {
    const nested = entries.filter((entry) => entry.parent === `${folder}/`).flatMap((entry) => entry.names)
    const folders = trackedChildren(folder).filter((name) => name.endsWith('/'))
    expect(nested.filter((name) => name.endsWith('/')).sort()).toEqual(folders)
    for (const file of nested.filter((name) => !name.endsWith('/'))) expect(existsSync(path.join(root, folder, file)), file).toBe(true)
  })

  it.each(['examples', 'test', 'scripts'])('names every entry of %s/ in its description', (folder) => {
    const entry = topLevel.find((row) => row.names[0] === `${folder}/`)
    expect(entry, `${folder}/ is listed`).toBeDefined()
    const named = new Set(
      [...entry!.text.matchAll(PATH_TOKEN)].map((match) => path.posix.basename(match[1]) + (match[1].endsWith('/') ? '/' : '')),
    )
    const unnamed = trackedChildren(folder).filter((child) => !named.has(child) && !(child.endsWith('.test.ts') && folder === 'test'))
    expect(unnamed).toEqual([])
  })

  it('names no file or folder that does not exist', () => {
    const missing: string[] = []
    for (const entry of entries) {
      // A row names what is in its own folder (native/arch/ for the row arch/ under native/), a path from the
      // root, or a folder's files in parentheses after it: `runtimes/ (versions.json, fetch.mjs)`.
      const own = entry.names[0].endsWith('/') ? entry.names[0] : ''
      const base = `${entry.parent ?? ''}${own}`
      const groups = [...entry.text.matchAll(/([\w-]+\/) \(([^)]*)\)/g)]
      const inGroups = groups.flatMap(([, folder, names]) => [...names.matchAll(PATH_TOKEN)].map((match) => `${base}${folder}${match[1]}`))
      const rest = groups.reduce((text, [group]) => text.replace(group, ''), entry.text)
      const named = [...rest.matchAll(PATH_TOKEN)].map(([, token]) =>
        token.includes('/') && !token.endsWith('/') ? token : present(`${base}${token}`) ? `${base}${token}` : token,
      )
      for (const relative of [...inGroups, ...named]) if (!present(relative)) missing.push(`${entry.names.join(', ')}: ${relative}`)
    }
    expect(missing).toEqual([])
  })
})
