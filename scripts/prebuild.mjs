// npm run prebuild: N-API prebuilds for linux-x64 and linux-arm64 into prebuilds/, with prebuildify, each
// tagged with the C library it was built against (rseq.glibc.node), so that no loader takes it for musl's.
// The arm64 one is cross-compiled with Debian's g++-aarch64-linux-gnu; on an arm64 host the roles swap.
// prebuildify builds with node-gyp in a build/ of its own, here a staging copy of the sources in the
// temporary directory: the checkout's build/ is where the local build is looked for (by the package and by
// scripts/build-changed.mjs), and a cross build left there would neither load nor be rebuilt by `make`.
//   npm run prebuild [-- --arch x64|arm64]   (default: both)
import { spawnSync } from 'node:child_process'
import { cpSync, existsSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs'
import { createRequire } from 'node:module'
import * as os from 'node:os'
import * as path from 'node:path'
import { fileURLToPath } from 'node:url'

const require = createRequire(import.meta.url)
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')

// Debian's toolchains build against glibc (lib/binding/addon-loader.ts loads these prebuilds on glibc only).
const PREBUILDS_LIBC = 'glibc'
// Cross toolchains by target, as Debian names them.
const TRIPLETS = { x64: 'x86_64-linux-gnu', arm64: 'aarch64-linux-gnu' }
const DEBIAN_PACKAGES = { x64: 'g++-x86-64-linux-gnu', arm64: 'g++-aarch64-linux-gnu' }

function onPath(command) {
  return spawnSync('sh', ['-c', `command -v ${command}`], { stdio: 'ignore' }).status === 0
}

function toolchainEnv(arch) {
  if (arch === os.arch()) return {}
  const triplet = TRIPLETS[arch]
  if (!onPath(`${triplet}-g++`)) {
    throw new Error(
      `npm run prebuild: building for ${arch} needs ${triplet}-g++; install it with ` +
        `\`apt-get install ${DEBIAN_PACKAGES[arch]}\`, or build only this machine's with \`npm run prebuild -- --arch ${os.arch()}\``,
    )
  }
  return {
    CC: `${triplet}-gcc`,
    CXX: `${triplet}-g++`,
    LINK: `${triplet}-g++`,
    AR: `${triplet}-ar`,
    PREBUILD_STRIP_BIN: `${triplet}-strip`,
  }
}

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
  for (const entry of ['package.json', 'binding.gyp', 'native']) {
    cpSync(path.join(root, entry), path.join(staging, entry), {
      recursive: true,
      filter: (from) => from !== path.join(root, 'native', 'build'),
    })
  }
  symlinkSync(path.join(root, 'node_modules'), path.join(staging, 'node_modules'))
  return staging
}

/** Builds the prebuild for `arch` in `staging` into the checkout's prebuilds/; false when the build failed. */
function prebuild(arch, staging) {
  const dir = nodeDir()
  // node-gyp takes its options from npm's configuration variables too: every core unless told otherwise.
  const env = { npm_config_jobs: 'max', ...process.env, ...toolchainEnv(arch), ...(dir ? { npm_config_nodedir: dir } : {}) }
  const prebuildify = require.resolve('prebuildify/bin.js')
  const args = [prebuildify, '--napi', '--strip', '--tag-libc', PREBUILDS_LIBC, '--arch', arch, '--cwd', staging, '--out', root]
  return spawnSync(process.execPath, args, { cwd: staging, env, stdio: 'inherit' }).status === 0
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
    console.log(`prebuilds/linux-${arch}: built`)
  }
} finally {
  rmSync(staging, { recursive: true, force: true })
}
