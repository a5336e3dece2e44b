#!/usr/bin/env node
// Checks that every relative link in the project's Markdown (README.md, docs/, the READMEs under native/ and lib/)
// leads somewhere: the file exists, and a #fragment names a heading (GitHub's slug of it) or an explicit
// <a id="…"> of the target page. Links to other sites are not fetched.
//   node scripts/check-links.mjs [FILE.md ...]    exits 1 and names each broken link
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs'
import * as path from 'node:path'
import { fileURLToPath } from 'node:url'

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')

/** The Markdown files whose links are checked: README.md, docs/*.md and every README.md under native/ and lib/. */
export function projectMarkdown() {
  const files = [path.join(root, 'README.md')]
  const docs = path.join(root, 'docs')
  for (const name of readdirSync(docs).sort()) if (name.endsWith('.md')) files.push(path.join(docs, name))
  const walk = (dir) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const at = path.join(dir, entry.name)
      if (entry.isDirectory()) walk(at)
      else if (entry.name === 'README.md') files.push(at)
    }
  }
  walk(path.join(root, 'native'))
  walk(path.join(root, 'lib'))
  return files
}

// Fenced code is not Markdown: a `[x](y)` inside it is code, and a `#` line inside it is no heading.
function withoutCode(text) {
  return text.replace(/^(```|~~~)[^\n]*\n[\s\S]*?^\1[^\n]*$/gm, '').replace(/`[^`\n]*`/g, (span) => span.replace(/[[\]()]/g, ' '))
}

// GitHub's heading ids: lower case, punctuation dropped (letters, digits, spaces, '-' and '_' stay),
// spaces to '-'; a repeated id gets -1, -2, ...
export function anchorsOf(text) {
  const anchors = new Set()
  const seen = new Map()
  const fenced = text.replace(/^(```|~~~)[^\n]*\n[\s\S]*?^\1[^\n]*$/gm, '')
  for (const match of fenced.matchAll(/^#{1,6}[ \t]+(.+?)[ \t#]*$/gm)) {
    const base = match[1]
      .replace(/<[^>]+>/g, '')
      .toLowerCase()
      .replace(/[^\p{L}\p{N}\s_-]/gu, '')
      .replace(/\s/g, '-')
    const count = seen.get(base) ?? 0
    seen.set(base, count + 1)
    anchors.add(count === 0 ? base : `${base}-${count}`)
  }
  for (const match of text.matchAll(/<a\s+(?:id|name)="([^"]+)"/g)) anchors.add(match[1])
  return anchors
}

/** Every broken relative link of `files`, as "file: [text](target): what is wrong". */
export function brokenLinks(files) {
  const problems = []
  const anchorCache = new Map()
  const anchorsOfFile = (file) => {
    if (!anchorCache.has(file)) anchorCache.set(file, anchorsOf(readFileSync(file, 'utf8')))
    return anchorCache.get(file)
  }
  for (const file of files) {
    const text = withoutCode(readFileSync(file, 'utf8'))
    for (const match of text.matchAll(/!?\[([^\]]*)\]\(([^)\s]+)(?:\s+"[^"]*")?\)/g)) {
      const target = match[2]
      if (/^[a-z][a-z0-9+.-]*:/i.test(target)) continue
      const [pathPart, fragment] = target.split('#', 2)
      const destination = pathPart === '' ? file : path.resolve(path.dirname(file), decodeURI(pathPart))
      const where = `${path.relative(root, file)}: [${match[1]}](${target})`
      if (!existsSync(destination)) {
        problems.push(`${where}: ${path.relative(root, destination)} does not exist`)
        continue
      }
      if (fragment === undefined) continue
      if (statSync(destination).isDirectory() || !destination.endsWith('.md')) {
        problems.push(`${where}: #${fragment} points into a file that is not Markdown`)
      } else if (!anchorsOfFile(destination).has(fragment)) {
        problems.push(`${where}: ${path.relative(root, destination)} has no heading or anchor #${fragment}`)
      }
    }
  }
  return problems
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const files = process.argv.length > 2 ? process.argv.slice(2).map((file) => path.resolve(file)) : projectMarkdown()
  const problems = brokenLinks(files)
  for (const problem of problems) process.stderr.write(`${problem}\n`)
  process.stdout.write(`${files.length} files, ${problems.length} broken links\n`)
  process.exitCode = problems.length === 0 ? 0 : 1
}
