// Builds the fast-calls addon (native/binding.gyp's rseq_fast_calls target, native/fast_calls/) for one Node:
// against that Node's own headers (the include/node of a node-linux-* package from the npm registry, fetched by
// scripts/runtimes/fetch.mjs, or an installed Node's), for one architecture, into DIR/abi<ABI>.node, named by
// the ABI the headers declare (NODE_MODULE_VERSION), which is what the package looks for beside its main addon
// (lib/binding/fast-calls.ts). Built in a staging copy of native/: the checkout's build/ is never touched.
//   node scripts/fast-calls-build.mjs --out DIR [--arch x64|arm64] [--node NAME ...] [--nodedir DIR] [--cxxflags FLAGS]
//     NAME: a Node of scripts/runtimes/versions.json (default: every one the fast-calls declarations cover)
import { execFileSync } from 'node:child_process'
import { copyFileSync, cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import * as os from 'node:os'
import * as path from 'node:path'
import { fileURLToPath } from 'node:url'
import { stripFor, toolchainEnv } from './cross-toolchain.mjs'
import { fetchRuntime, runtimeNamed } from './runtimes/fetch.mjs'

const require = createRequire(import.meta.url)
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')

/** The Nodes of the runtime matrix whose V8 the fast-calls declarations were verified on (native/fast_calls/v8_fast_api.h). */
export const FAST_CALLS_NODES = ['node20', 'node22', 'node24', 'node26']

/** The directory holding include/node for the runtime `name` of versions.json (fetched on first use). */
export function headersOf(name) {
  return path.resolve(path.dirname(fetchRuntime(runtimeNamed(name))), '..')
}

/** The Node ABI (NODE_MODULE_VERSION) of the headers under `nodeDir`. */
export function abiOf(nodeDir) {
  const header = readFileSync(path.join(nodeDir, 'include', 'node', 'node_version.h'), 'utf8')
  const found = /#define NODE_MODULE_VERSION (\d+)/.exec(header)
  if (found === null) throw new Error(`no NODE_MODULE_VERSION in ${nodeDir}/include/node/node_version.h`)
  return found[1]
}

/**
 * Builds the fast-calls addon against the headers under `nodeDir` for `arch` into `outDir`/abi<ABI>.node,
 * stripped unless `cxxflags` instruments it; answers the file.
 */
export function buildFastCalls({ nodeDir, arch = os.arch(), outDir, cxxflags = '' }) {
  const staging = mkdtempSync(path.join(os.tmpdir(), 'rseq-fast-calls-'))
  try {
    cpSync(path.join(root, 'native'), path.join(staging, 'native'), {
      recursive: true,
      filter: (from) => from !== path.join(root, 'native', 'build'),
    })
    symlinkSync(path.join(root, 'node_modules'), path.join(staging, 'node_modules')) // native/binding.gyp asks node-addon-api for its path
    writeFileSync(
      path.join(staging, 'binding.gyp'),
      JSON.stringify({ targets: [{ target_name: 'fast_calls_only', type: 'none', dependencies: ['native/binding.gyp:rseq_fast_calls'] }] }),
    )
    const env = { ...process.env, ...toolchainEnv(arch, 'fast-calls-build'), CXXFLAGS: cxxflags }
    delete env.npm_config_nodedir // the headers are the ones named here, never npm's configured ones
    execFileSync(
      process.execPath,
      [require.resolve('node-gyp/bin/node-gyp.js'), 'rebuild', `--nodedir=${nodeDir}`, `--arch=${arch}`, '--jobs=max', '--loglevel=warn'],
      {
        cwd: staging,
        env,
        stdio: ['ignore', 'ignore', 'inherit'],
      },
    )
    mkdirSync(outDir, { recursive: true })
    const file = path.join(outDir, `abi${abiOf(nodeDir)}.node`)
    copyFileSync(path.join(staging, 'build', 'Release', 'fast-calls', 'rseq_fast_calls.node'), file)
    if (cxxflags === '') execFileSync(stripFor(arch), [file])
    return file
  } finally {
    rmSync(staging, { recursive: true, force: true })
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const args = process.argv.slice(2)
  const values = (flag) => args.flatMap((arg, at) => (arg === flag ? [args[at + 1]] : []))
  const outDir = values('--out')[0]
  if (outDir === undefined) throw new Error('fast-calls-build: --out DIR is required')
  const arch = values('--arch')[0] ?? os.arch()
  const cxxflags = values('--cxxflags')[0] ?? ''
  const nodeDirs = values('--nodedir')
  const dirs = nodeDirs.length > 0 ? nodeDirs : (values('--node').length > 0 ? values('--node') : FAST_CALLS_NODES).map(headersOf)
  for (const nodeDir of dirs) console.log(buildFastCalls({ nodeDir, arch, outDir: path.resolve(outDir), cxxflags }))
}
