#!/usr/bin/env node
// The C and C++ half of `npm run lint` and `npm run format`: clang-format (the clang-format-node devDependency's
// binary, one version on every machine) over native/, the native benchmark and the C/C++ test fixtures, with
// the repository's .clang-format.
//   node scripts/native-format.mjs            lists each file that is not formatted; exit 1 if any
//   node scripts/native-format.mjs --write    formats them in place
import { execFileSync, spawnSync } from 'node:child_process'
import { readFileSync, writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import * as path from 'node:path'
import { fileURLToPath } from 'node:url'

const require = createRequire(import.meta.url)
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
const { clangFormatPath } = require('clang-format-node')
const PATTERNS = ['native/*.cc', 'native/*.h', 'scripts/native-bench/*.cc', 'test/fixtures/*.c', 'test/fixtures/*.cc', 'test/fixtures/*.h']

const files = execFileSync('git', ['ls-files', '--cached', '--others', '--exclude-standard', '--', ...PATTERNS], {
  cwd: root,
  encoding: 'utf8',
})
  .split('\n')
  .filter((file) => file !== '')
const write = process.argv.includes('--write')
const unformatted = []
for (const file of files) {
  const formatted = spawnSync(clangFormatPath, ['--style=file', `--assume-filename=${file}`], {
    cwd: root,
    input: readFileSync(path.join(root, file)),
    maxBuffer: 64 * 1024 * 1024,
  })
  if (formatted.status !== 0) throw new Error(`clang-format failed on ${file}: ${formatted.stderr}`)
  if (Buffer.compare(formatted.stdout, readFileSync(path.join(root, file))) === 0) continue
  if (write) writeFileSync(path.join(root, file), formatted.stdout)
  else unformatted.push(file)
}
if (unformatted.length > 0) {
  console.error(
    `native-format: ${unformatted.length} file(s) not formatted as .clang-format says; run \`npm run format\`:\n  ${unformatted.join('\n  ')}`,
  )
  process.exit(1)
}
console.log(`native-format: ${files.length} C and C++ files ${write ? 'formatted' : 'checked'}`)
