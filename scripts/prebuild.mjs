// npm run prebuild: N-API prebuilds for linux-x64 and linux-arm64 into prebuilds/, with prebuildify, each
// tagged with the C library it was built against (rseq.glibc.node), so that no loader takes it for musl's.
// The arm64 one is cross-compiled with Debian's g++-aarch64-linux-gnu; on an arm64 host the roles swap.
//   npm run prebuild [-- --arch x64|arm64]   (default: both)
import { spawnSync } from 'node:child_process'
import { existsSync } from 'node:fs'
import { createRequire } from 'node:module'
import * as os from 'node:os'
import * as path from 'node:path'
import { fileURLToPath } from 'node:url'

const require = createRequire(import.meta.url)
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')

// Debian's toolchains build against glibc (lib/native-loader.ts loads these prebuilds on glibc only).
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

const at = process.argv.indexOf('--arch')
const arches = at === -1 ? ['x64', 'arm64'] : [process.argv[at + 1]]
for (const arch of arches) {
  if (!TRIPLETS[arch]) throw new Error(`npm run prebuild: --arch must be x64 or arm64, got ${arch}`)
  const dir = nodeDir()
  // node-gyp takes its options from npm's configuration variables too: every core unless told otherwise.
  const env = { npm_config_jobs: 'max', ...process.env, ...toolchainEnv(arch), ...(dir ? { npm_config_nodedir: dir } : {}) }
  const prebuildify = require.resolve('prebuildify/bin.js')
  const result = spawnSync(process.execPath, [prebuildify, '--napi', '--strip', '--tag-libc', PREBUILDS_LIBC, '--arch', arch], {
    cwd: root,
    env,
    stdio: 'inherit',
  })
  if (result.status !== 0) process.exit(result.status ?? 1)
  console.log(`prebuilds/linux-${arch}: built`)
}
