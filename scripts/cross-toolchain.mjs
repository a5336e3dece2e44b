// The compilers node-gyp builds with for an architecture other than this machine's: Debian's cross toolchains.
import { spawnSync } from 'node:child_process'
import * as os from 'node:os'

// Cross toolchains by target, as Debian names them.
export const TRIPLETS = { x64: 'x86_64-linux-gnu', arm64: 'aarch64-linux-gnu' }
const DEBIAN_PACKAGES = { x64: 'g++-x86-64-linux-gnu', arm64: 'g++-aarch64-linux-gnu' }

function onPath(command) {
  return spawnSync('sh', ['-c', `command -v ${command}`], { stdio: 'ignore' }).status === 0
}

/** The environment node-gyp (and prebuildify's strip) build for `arch` with: nothing on this machine's own. */
export function toolchainEnv(arch, who) {
  if (!TRIPLETS[arch]) throw new Error(`${who}: --arch must be x64 or arm64, got ${arch}`)
  if (arch === os.arch()) return {}
  const triplet = TRIPLETS[arch]
  if (!onPath(`${triplet}-g++`)) {
    throw new Error(
      `${who}: building for ${arch} needs ${triplet}-g++; install it with ` +
        `\`apt-get install ${DEBIAN_PACKAGES[arch]}\`, or build only this machine's with \`--arch ${os.arch()}\``,
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

/** The strip of `arch`'s toolchain. */
export function stripFor(arch) {
  return arch === os.arch() ? 'strip' : `${TRIPLETS[arch]}-strip`
}
