// `rseq build`: compiles the addon from the sources the package ships (native/, with its own binding.gyp)
// for this machine, for where no prebuild fits (musl, as on Alpine) or where a user wants their own build.
// native/binding.gyp makes two addons: the main one goes to build/Release/rseq.node, which the loader takes
// before any prebuild, and the fast-calls one, against the headers of the Node that runs the build, to
// build/Release/fast-calls/rseq_fast_calls.node, where lib/binding/fast-calls.ts looks beside a local build (another
// Node refuses to load it and runs N-API calls). node-gyp comes from npm (npx sets npm_config_node_gyp), else
// from wherever `require` finds it.
import { spawnSync } from 'node:child_process'
import { copyFileSync, existsSync, mkdirSync } from 'node:fs'
import * as path from 'node:path'
import { PACKAGE_ROOT, unsupportedPlatform } from '../binding/addon-loader'

export const NATIVE_SOURCES = path.join(PACKAGE_ROOT, 'native')
export const LOCAL_BUILD = path.join(PACKAGE_ROOT, 'build', 'Release', 'rseq.node')
/** What native/binding.gyp's targets make, in build/Release/, copied to the same places in the package's build/Release/. */
const BUILT_ADDONS = ['rseq.node', path.join('fast-calls', 'rseq_fast_calls.node')]

function findNodeGyp(): string | null {
  const fromNpm = process.env.npm_config_node_gyp
  if (fromNpm !== undefined && existsSync(fromNpm)) return fromNpm
  try {
    return require.resolve('node-gyp/bin/node-gyp.js', { paths: [process.cwd(), PACKAGE_ROOT] })
  } catch {
    return null
  }
}

/** Builds, reporting each step on `log`; returns the exit code for the command line. */
export function buildFromSource(log: (line: string) => void): number {
  const unsupported = unsupportedPlatform(process.platform, process.arch)
  if (unsupported !== null) {
    log(`rseq build: nothing to build: ${unsupported}; the portable JavaScript path serves this platform`)
    return 1
  }
  const nodeGyp = findNodeGyp()
  if (nodeGyp === null) {
    log('rseq build: node-gyp was not found; run this through npm (`npx rseq build`), which brings its own, or `npm install node-gyp`')
    return 1
  }
  log(`rseq build: node-gyp rebuild in ${NATIVE_SOURCES}`)
  const built = spawnSync(process.execPath, [nodeGyp, 'rebuild'], { cwd: NATIVE_SOURCES, stdio: 'inherit' })
  if (built.status !== 0) {
    log('rseq build: the build failed (above); it needs python3, make and a C++ compiler (Alpine: `apk add build-base python3`)')
    return 1
  }
  const missing = BUILT_ADDONS.filter((file) => !existsSync(path.join(NATIVE_SOURCES, 'build', 'Release', file)))
  if (missing.length > 0) {
    log(`rseq build: node-gyp succeeded but made no ${missing.join(' or ')} in ${path.join(NATIVE_SOURCES, 'build', 'Release')}`)
    return 1
  }
  for (const file of BUILT_ADDONS) {
    mkdirSync(path.dirname(path.join(path.dirname(LOCAL_BUILD), file)), { recursive: true })
    copyFileSync(path.join(NATIVE_SOURCES, 'build', 'Release', file), path.join(path.dirname(LOCAL_BUILD), file))
  }
  // A fresh process loads it as any application would, and says what it decided: the strategy, then the call path.
  const check = spawnSync(
    process.execPath,
    [
      '-e',
      `const r = require(${JSON.stringify(PACKAGE_ROOT)}).info(); console.log(r.strategy + ': ' + r.reason); console.log(r.callPath + ': ' + r.callPathReason)`,
    ],
    {
      encoding: 'utf8',
    },
  )
  const [strategy = '', callPath = ''] = check.stdout.trim().split('\n')
  const written = BUILT_ADDONS.map((file) => path.relative(process.cwd(), path.join(path.dirname(LOCAL_BUILD), file)) || file)
  log(`rseq build: wrote ${written.join(' and ')}; a new process now chooses ${strategy || check.stderr.trim()}`)
  if (callPath !== '') log(`rseq build: its call path is ${callPath}`)
  return check.status === 0 && !strategy.startsWith('portable') ? 0 : 1
}
