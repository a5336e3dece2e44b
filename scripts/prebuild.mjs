// npm run prebuild: N-API prebuilds for linux-x64 and linux-arm64 into prebuilds/, with prebuildify, each
// tagged with the C library it was built against (rseq.glibc.node), so that no loader takes it for musl's.
// Beside each, in prebuilds/linux-<arch>/fast-calls/, the fast-calls addon built once per Node ABI
// (abi<ABI>.node, for each Node of FAST_CALLS_NODES, against that Node's headers: scripts/fast-calls-build.mjs),
// since it uses V8's own API, which is not stable across Node versions; a Node without one runs N-API.
// The arm64 builds are cross-compiled with Debian's g++-aarch64-linux-gnu; on an arm64 host the roles swap.
// prebuildify builds with node-gyp in a build/ of its own, here a staging copy of the sources in the
// temporary directory (as scripts/fast-calls-build.mjs does): the checkout's build/ is where the local build
// is looked for (by the package and by scripts/build-changed.mjs), and a cross build left there would
// neither load nor be rebuilt by `make`.
//   npm run prebuild [-- --arch x64|arm64]   (default: both)
import { spawnSync } from 'node:child_process'
import { cpSync, existsSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import * as os from 'node:os'
import * as path from 'node:path'
import { fileURLToPath } from 'node:url'
import { TRIPLETS, toolchainEnv } from './cross-toolchain.mjs'
import { FAST_CALLS_NODES, buildFastCalls, headersOf } from './fast-calls-build.mjs'

const require = createRequire(import.meta.url)
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')

// Debian's toolchains build against glibc (lib/binding/addon-loader.ts loads these prebuilds on glibc only).
const PREBUILDS_LIBC = 'glibc'
// node-gyp must not download headers: use npm's configured ones or those installed beside node.
function nodeDir() {
  if (process.env.npm_config_nodedir) return process.env.npm_config_nodedir
  const prefix = path.resolve(path.dirname(process.execPath), '..')
  return existsSync(path.join(prefix, 'include', 'node', 'node_api.h')) ? prefix : undefined
}

/**
 * A copy of what node-gyp builds from (package.json, the binding.gyp files, native/ without a `rseq build`
 * output) in the temporary directory, with the checkout's node_modules, for prebuildify to build in.
 */
function stagingCopy() {
  const staging = mkdtempSync(path.join(os.tmpdir(), 'rseq-prebuild-'))
  for (const entry of ['package.json', 'native']) {
    cpSync(path.join(root, entry), path.join(staging, entry), {
      recursive: true,
      filter: (from) => from !== path.join(root, 'native', 'build'),
    })
  }
  // The main addon alone: prebuildify takes the first .node it finds, and the fast-calls builds are made per
  // Node ABI below (scripts/fast-calls-build.mjs).
  writeFileSync(
    path.join(staging, 'binding.gyp'),
    JSON.stringify({ targets: [{ target_name: 'rseq_prebuild', type: 'none', dependencies: ['native/binding.gyp:rseq'] }] }),
  )
  symlinkSync(path.join(root, 'node_modules'), path.join(staging, 'node_modules'))
  return staging
}

/** Builds the prebuild for `arch` in `staging` into the checkout's prebuilds/; false when the build failed. */
function prebuild(arch, staging) {
  const dir = nodeDir()
  // node-gyp takes its options from npm's configuration variables too: every core unless told otherwise.
  const env = {
    npm_config_jobs: 'max',
    ...process.env,
    ...toolchainEnv(arch, 'npm run prebuild'),
    ...(dir ? { npm_config_nodedir: dir } : {}),
  }
  const prebuildify = require.resolve('prebuildify/bin.js')
  const args = [prebuildify, '--napi', '--strip', '--tag-libc', PREBUILDS_LIBC, '--arch', arch, '--cwd', staging, '--out', root]
  return spawnSync(process.execPath, args, { cwd: staging, env, stdio: 'inherit' }).status === 0
}

/**
 * Builds the fast-calls addon for `arch` for every Node of FAST_CALLS_NODES into prebuilds/linux-<arch>/fast-calls/,
 * emptied first so that it holds this run's builds alone (scripts/package.mjs requires exactly those); null, or
 * the Node it failed for and why.
 */
function prebuildFastCalls(arch) {
  const outDir = path.join(root, 'prebuilds', `linux-${arch}`, 'fast-calls')
  rmSync(outDir, { recursive: true, force: true })
  for (const name of FAST_CALLS_NODES) {
    try {
      // With the CXXFLAGS prebuildify's node-gyp builds the main addon with (the kernel matrix sets test flags):
      // both are made alike.
      buildFastCalls({ nodeDir: headersOf(name), arch, outDir, cxxflags: process.env.CXXFLAGS ?? '' })
    } catch (error) {
      // The compiler's output went to stderr already; this says which build it was and why it stopped.
      return { name, problem: (error instanceof Error ? error.message : String(error)).split('\n')[0] }
    }
  }
  return null
}

const at = process.argv.indexOf('--arch')
const arches = at === -1 ? ['x64', 'arm64'] : [process.argv[at + 1]]
for (const arch of arches) {
  if (!TRIPLETS[arch]) throw new Error(`npm run prebuild: --arch must be x64 or arm64, got ${arch}`)
}
const staging = stagingCopy()
try {
  for (const arch of arches) {
    if (!prebuild(arch, staging)) {
      process.stderr.write(
        `npm run prebuild: building prebuilds/linux-${arch} failed (the compiler's output is above); build/ is untouched\n`,
      )
      process.exitCode = 1
      break
    }
    const failed = prebuildFastCalls(arch)
    if (failed !== null) {
      process.stderr.write(
        `npm run prebuild: building prebuilds/linux-${arch}/fast-calls for ${failed.name} failed: ${failed.problem} ` +
          "(the compiler's output, if it ran, is above); build/ is untouched\n",
      )
      process.exitCode = 1
      break
    }
    console.log(`prebuilds/linux-${arch}: built, with fast-calls/ for ${FAST_CALLS_NODES.join(', ')}`)
  }
} finally {
  rmSync(staging, { recursive: true, force: true })
}
