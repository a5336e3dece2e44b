#!/usr/bin/env node
// Brings dist/ (from lib/) and build/Release/rseq.node (from native/ and the binding.gyp files) up to date before a
// test run, so that no suite ever runs what was built before an edit: the fixtures load dist/ and the
// addon, and a stale one would test old code and pass. Rebuilds only what is older than its sources;
// a failed build stops the run.
//   node scripts/build-changed.mjs
import { spawnSync } from 'node:child_process'
import { existsSync, readdirSync, statSync } from 'node:fs'
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
    process.stderr.write(`build-changed: ${command} ${args.join(' ')} failed (exit ${result.status ?? result.signal}); the tests would run a stale build, so they do not run\n`)
    process.exit(1)
  }
}

// TypeScript emits every output on each build, so the oldest output dates the build.
const typescriptSources = [...files('lib'), ...files('tsconfig.json')]
const emitted = files('dist')
if (emitted.length === 0 || Math.max(...mtimes(typescriptSources)) > Math.min(...mtimes(emitted))) {
  run(emitted.length === 0 ? 'dist/ is missing: tsc' : 'lib/ changed since dist/ was built: tsc', process.execPath, [
    require.resolve('typescript/bin/tsc'),
    '-p',
    'tsconfig.json',
  ])
}

// The addon: configured again when a binding.gyp changed (sources added or flags changed), else built.
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
  if (gypChanged) run('a binding.gyp changed since the addon was configured: node-gyp rebuild', process.execPath, [nodeGyp, 'rebuild', ...nodedir])
  else if (!existsSync(addon) || nativeNewest > statSync(addon).mtimeMs) {
    run('native/ changed since build/Release/rseq.node was built: node-gyp build', process.execPath, [nodeGyp, 'build', ...nodedir])
  }
}
