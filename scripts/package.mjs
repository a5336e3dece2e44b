#!/usr/bin/env node
// npm run package: the tarball to publish, made from a staging folder rather than from the checkout. The
// checkout's package.json builds the addon at `npm install` (its install and prepare scripts, a binding.gyp at
// the root); the published one must have neither, or npm 12 warns on every install of it and npm ci may run
// node-gyp. So the staged package holds the files the checkout's `files` lists (as npm itself selects them)
// and a package.json without scripts, devDependencies, allowScripts or `private`, with gypfile false; npm packs that.
// Its JavaScript is compiled again without comments (the declarations keep theirs, for editors): the
// tarball stays under 400 kB with both prebuilds and their eight fast-calls builds in it.
//   npm run package [-- --out DIR]      prints the tarball's path; DIR defaults to the checkout
// Publish with `npm publish <tarball>`; the checkout itself is private, so `npm publish` there refuses.
import { execFileSync } from 'node:child_process'
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import * as path from 'node:path'
import { createRequire } from 'node:module'
import { fileURLToPath } from 'node:url'

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
const require = createRequire(import.meta.url)
const npm = process.env.npm_execpath ? [process.execPath, process.env.npm_execpath] : ['npm']

function runNpm(args, cwd) {
  const [command, ...rest] = npm
  return execFileSync(command, [...rest, ...args], { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] })
}

/** The published manifest: the checkout's, less what only a checkout needs (allowScripts: its install's policy). */
export function publishedManifest(manifest) {
  const { scripts: _scripts, devDependencies: _dev, private: _private, allowScripts: _allow, ...published } = manifest
  return { ...published, gypfile: false }
}

/** The architectures with prebuilds, each built against glibc (scripts/prebuild.mjs). */
const PREBUILD_ARCHES = ['x64', 'arm64']
/**
 * The Node ABIs (NODE_MODULE_VERSION) of the fast-calls builds beside each prebuild: those of Node 20, 22, 24 and
 * 26, the FAST_CALLS_NODES of scripts/fast-calls-build.mjs (test/packaging.test.ts checks they agree). Named
 * here rather than read from those Nodes' headers, so that packing needs no download.
 */
export const FAST_CALLS_ABIS = ['115', '127', '137', '147']

/**
 * The native builds a tarball carries: per architecture, the N-API prebuild, tagged with its C library, and
 * the fast-calls addon once per Node ABI in fast-calls/ beside it (lib/binding/fast-calls.ts looks there).
 */
export const PREBUILDS = PREBUILD_ARCHES.flatMap((arch) => [
  `prebuilds/linux-${arch}/rseq.glibc.node`,
  ...FAST_CALLS_ABIS.map((abi) => `prebuilds/linux-${arch}/fast-calls/abi${abi}.node`),
])

/**
 * Exactly those, and nothing else under prebuilds/: a tarball missing a prebuild would give its users the
 * portable path, one missing a fast-calls build would give that Node N-API calls, an untagged prebuild is never
 * loaded, and anything else is weight.
 */
function checkPrebuilds() {
  // Each directory on the way to a build, with the entries it must hold.
  const expected = new Map()
  for (const file of PREBUILDS) {
    const parts = file.split('/')
    for (let depth = 1; depth < parts.length; depth++) {
      const dir = parts.slice(0, depth).join('/')
      expected.set(dir, new Set([...(expected.get(dir) ?? []), parts[depth]]))
    }
  }
  for (const [dir, entries] of expected) {
    const want = [...entries].sort()
    const found = existsSync(path.join(root, dir)) ? readdirSync(path.join(root, dir)).sort() : []
    if (found.join('\n') !== want.join('\n')) {
      throw new Error(
        `npm run package: ${dir} must hold ${want.join(', ')} alone, not [${found.join(', ')}]; run \`npm run prebuild\` ` +
          '(after removing prebuilds/) first: it builds the N-API prebuild of x64 and arm64 and, beside each, the fast-calls ' +
          'addon for Node 20, 22, 24 and 26 (against their headers, fetched from the npm registry on first use)',
      )
    }
  }
}

export function stagePackage(stage) {
  checkPrebuilds()
  rmSync(stage, { recursive: true, force: true })
  mkdirSync(stage, { recursive: true })
  // npm's own selection of the checkout's files (`files`, .npmignore rules, README and LICENSE).
  const [{ files }] = JSON.parse(runNpm(['pack', '--dry-run', '--json', '--ignore-scripts'], root))
  for (const { path: file } of files) {
    if (file === 'package.json') continue
    mkdirSync(path.dirname(path.join(stage, file)), { recursive: true })
    cpSync(path.join(root, file), path.join(stage, file))
  }
  // dist/ is compiled anew from lib/, never taken from the checkout, where an output of a moved or removed
  // module can outlive its source: the JavaScript without comments, the declarations with theirs.
  rmSync(path.join(stage, 'dist'), { recursive: true, force: true })
  const tsc = require.resolve('typescript/bin/tsc')
  const compile = (...options) =>
    execFileSync(
      process.execPath,
      [tsc, '-p', path.join(root, 'tsconfig.json'), '--sourceMap', 'false', '--outDir', path.join(stage, 'dist'), ...options],
      {
        stdio: 'inherit',
      },
    )
  compile('--removeComments', '--declaration', 'false')
  compile('--emitDeclarationOnly')
  const manifest = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8'))
  pruneDeclarations(stage, manifest)
  writeFileSync(path.join(stage, 'package.json'), JSON.stringify(publishedManifest(manifest), null, 2) + '\n')
}

/**
 * Removes the staged declarations that no entry point's types reach (the internals of the binding, the
 * registration, the store's file and directory): an editor never opens them, and the tarball is smaller.
 */
export function pruneDeclarations(stage, manifest) {
  const entries = Object.values(manifest.exports).flatMap((target) => (typeof target === 'object' && target.types ? [target.types] : []))
  const reached = new Set()
  const pending = entries.map((entry) => path.join(stage, entry))
  while (pending.length > 0) {
    const file = pending.pop()
    if (reached.has(file) || !existsSync(file)) continue
    reached.add(file)
    // `import ... from`, `export ... from`, `import('...')` in a type, and a bare `import '...'` (kept by tsc).
    for (const [, specifier] of readFileSync(file, 'utf8').matchAll(/(?:from\s+|import\(\s*|^import\s+)['"](\.{1,2}\/[^'"]+)['"]/gm)) {
      pending.push(path.resolve(path.dirname(file), `${specifier.replace(/\.js$/, '')}.d.ts`))
    }
  }
  const declarations = readdirSync(path.join(stage, 'dist'), { recursive: true })
    .map((entry) => path.join(stage, 'dist', String(entry)))
    .filter((file) => file.endsWith('.d.ts'))
  for (const file of declarations) if (!reached.has(file)) rmSync(file)
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const at = process.argv.indexOf('--out')
  const out = path.resolve(at === -1 ? root : process.argv[at + 1])
  const stage = path.join(root, '.package', 'rseq')
  stagePackage(stage)
  mkdirSync(out, { recursive: true })
  const [{ filename, size, entryCount }] = JSON.parse(runNpm(['pack', '--json', '--pack-destination', out, stage], root))
  process.stderr.write(`npm run package: ${entryCount} files, ${(size / 1000).toFixed(1)} kB\n`)
  process.stdout.write(`${path.join(out, filename)}\n`)
}
