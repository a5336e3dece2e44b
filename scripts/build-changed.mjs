#!/usr/bin/env node
// Brings dist/ (from lib/), build/Release/rseq.node and the fast-calls builds beside it (from native/ and the binding.gyp files) up to date before a
// test run, so that no suite ever runs what was built before an edit: the fixtures load dist/ and the
// addon, and a stale one would test old code and pass. Rebuilds only what is older than its sources, and
// the addon when it is not an ELF for this machine (a cross build left in build/ would not load, and every
// test would run the portable path); a failed build stops the run.
//   node scripts/build-changed.mjs
import { spawnSync } from 'node:child_process'
import { existsSync, readdirSync, rmSync, statSync } from 'node:fs'
import { createRequire } from 'node:module'
import * as path from 'node:path'
import { fileURLToPath } from 'node:url'

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
const require = createRequire(import.meta.url)

function files(at) {
  const full = path.join(root, at)
  if (!existsSync(full)) return []
  if (!statSync(full).isDirectory()) return [full]
  return readdirSync(full, { withFileTypes: true, recursive: true })
    .filter((entry) => entry.isFile())
    .map((entry) => path.join(entry.parentPath ?? entry.path, entry.name))
}

const mtimes = (paths) => paths.map((file) => statSync(file).mtimeMs)

function run(what, command, args) {
  process.stdout.write(`build-changed: ${what}\n`)
  const result = spawnSync(command, args, { cwd: root, stdio: 'inherit' })
  if (result.status !== 0) {
    process.stderr.write(
      `build-changed: ${command} ${args.join(' ')} failed (exit ${result.status ?? result.signal}); the tests would run a stale build, so they do not run\n`,
    )
    process.exit(1)
  }
}

// TypeScript emits every output on each build, so the oldest output dates the build. It never deletes one:
// an output whose source was moved or removed would still be loaded (and packed), so dist/ is made anew then.
const typescriptSources = [...files('lib').filter((file) => file.endsWith('.ts')), ...files('tsconfig.json')]
const orphan = files('dist').find((output) => {
  const source = path.relative(path.join(root, 'dist'), output).replace(/(\.d\.ts|\.js)(\.map)?$/, '.ts')
  return !existsSync(path.join(root, 'lib', source))
})
if (orphan !== undefined) {
  process.stdout.write(`build-changed: ${path.relative(root, orphan)} has no source in lib/ any more: dist/ is built anew\n`)
  rmSync(path.join(root, 'dist'), { recursive: true, force: true })
}
const emitted = files('dist')
if (emitted.length === 0 || Math.max(...mtimes(typescriptSources)) > Math.min(...mtimes(emitted))) {
  run(emitted.length === 0 ? 'dist/ is missing: tsc' : 'lib/ changed since dist/ was built: tsc', process.execPath, [
    require.resolve('typescript/bin/tsc'),
    '-p',
    'tsconfig.json',
  ])
}

// What the ELF header of a build says about it, as the package's loader reads it (dist/ is current now).
const { elfMismatch } = require(path.join(root, 'dist', 'binding', 'addon-loader.js'))

/** Why `file` is no addon for this machine, from its ELF header, or null when it is one (or is absent). */
function notForThisMachine(file) {
  if (!existsSync(file)) return null
  const mismatch = elfMismatch(file)
  return mismatch === null ? null : `${path.relative(root, file)} cannot be this machine's addon: ${mismatch}`
}

// The addon: configured again when a binding.gyp changed (sources added or flags changed) or when
// build/Release/rseq.node is not for this machine (build/ was configured for another), else built.
if (process.platform === 'linux') {
  const addon = path.join(root, 'build', 'Release', 'rseq.node')
  const configured = path.join(root, 'build', 'config.gypi')
  const nodeGyp = require.resolve('node-gyp/bin/node-gyp.js')
  // node-gyp must not download headers: npm's configured ones, or those installed beside this node.
  const prefix = path.resolve(path.dirname(process.execPath), '..')
  const headers = process.env.npm_config_nodedir ?? (existsSync(path.join(prefix, 'include', 'node', 'node_api.h')) ? prefix : undefined)
  const nodedir = headers === undefined ? [] : [`--nodedir=${headers}`]
  const gypFiles = ['binding.gyp', path.join('native', 'binding.gyp')].map((file) => path.join(root, file))
  const gypChanged = !existsSync(configured) || Math.max(...mtimes(gypFiles)) > statSync(configured).mtimeMs
  const nativeNewest = Math.max(...mtimes(files('native').filter((file) => /\.(cc|h)$/.test(file))))
  const rebuild = (why) => run(`${why}: node-gyp rebuild`, process.execPath, [nodeGyp, 'rebuild', ...nodedir])
  const foreign = notForThisMachine(addon)
  if (gypChanged) rebuild('a binding.gyp changed since the addon was configured')
  else if (foreign !== null) rebuild(foreign)
  else if (!existsSync(addon) || nativeNewest > statSync(addon).mtimeMs) {
    run('native/ changed since build/Release/rseq.node was built: node-gyp build', process.execPath, [nodeGyp, 'build', ...nodedir])
    // node-gyp build keeps the compiler build/ was configured with: configured for another machine, it
    // builds for that one again, and only a rebuild configures it for this one.
    const built = notForThisMachine(addon)
    if (built !== null) rebuild(built)
  }
  const left = notForThisMachine(addon)
  if (left !== null) {
    process.stderr.write(
      `build-changed: ${left} even after node-gyp rebuild; unset CC, CXX and LINK if they name a cross compiler, ` +
        'then run the tests again (they would run the portable path instead of the addon, so they do not run)\n',
    )
    process.exit(1)
  }
  // The fast-calls addon of every Node the runtime matrix runs the checkout in, each built against that Node's
  // headers (fetched from the npm registry on first use) into build/Release/fast-calls/: made again whenever the
  // addon's sources changed since the oldest of them.
  const fastCalls = path.join(root, 'build', 'Release', 'fast-calls')
  const fastBuilt = files(path.relative(root, fastCalls)).filter((file) => /^abi\d+\.node$/.test(path.basename(file)))
  const { FAST_CALLS_NODES } = await import('./fast-calls-build.mjs')
  if (fastBuilt.length !== FAST_CALLS_NODES.length || Math.max(nativeNewest, ...mtimes(gypFiles)) > Math.min(...mtimes(fastBuilt))) {
    for (const file of fastBuilt) rmSync(file)
    run(`the fast-calls builds of ${FAST_CALLS_NODES.join(', ')} are missing or older than native/`, process.execPath, [
      path.join(root, 'scripts', 'fast-calls-build.mjs'),
      '--out',
      fastCalls,
    ])
  }
  // A build for this machine can still fail to load (an undefined symbol after an edit): the loader would
  // then run a prebuild or the portable path in its place, and the tests would test that.
  const loaded = spawnSync(process.execPath, ['-e', `require(${JSON.stringify(addon)})`], { encoding: 'utf8' })
  if (loaded.status !== 0) {
    const why = (loaded.stderr || '').split('\n').find((line) => /Error/.test(line)) ?? `exit ${loaded.status ?? loaded.signal}`
    process.stderr.write(
      `build-changed: ${path.relative(root, addon)} was built but does not load (${why.trim()}); the tests would run without it, so they do not run\n`,
    )
    process.exit(1)
  }
}
