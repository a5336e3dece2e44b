// The package as users get it. `npm run prebuild` makes N-API prebuilds and, beside each, the fast-calls
// addon per Node ABI; `npm run package` packs them with dist/ and the native sources into the tarball to
// publish, which has no install script and nothing npm would make one from. That tarball installs and
// `npm ci`s with npm 12 under Node 22, 24 and 26 and with the npm bundled with Node 18, 20 and 22, with no
// compiler on PATH and not one warning; the README's example then runs exactly on the prebuild (glibc),
// through V8 fast calls in Node 20 to 26 and N-API calls in Node 18, which has no fast-calls build, and,
// with the prebuilds hidden, on the portable path, with the one warning that no native build loaded. Under
// Node 20, 22 and 24 each exporter's package then installs with a plain `npm install <package>` (no peer
// conflict, whichever OpenTelemetry line npm picks for that Node) and exports the same counts. And
// `npx rseq build` compiles both addons from the shipped sources where a user wants their own build.
// The prebuilds are made here, in a copy of the checkout (a fresh clone has none): the fast-calls builds
// need each Node's headers, which scripts/fast-calls-build.mjs fetches from the npm registry on first use.
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs'
import * as path from 'node:path'
import { beforeAll, describe, expect, it } from 'vitest'
// @ts-expect-error: a script of the package, without declarations
import { FAST_CALLS_ABIS, PREBUILDS } from '../scripts/package.mjs'
// @ts-expect-error: a script of the package, without declarations
import { FAST_CALLS_NODES, abiOf, headersOf } from '../scripts/fast-calls-build.mjs'
import { emulationRequired, missingCrossTools } from './helpers/emulation'
import { filesWithTimes } from './helpers/files-with-times'
import { nodeDirArgs, packageCopy, root } from './helpers/package-copy'
import { printedWarnings } from './helpers/printed-warnings'
import { cleanEnvironment, runCommand, runCommandOk } from './helpers/run-node'
import { fetchRuntime, runtimes } from './helpers/runtimes'

const ELF_MACHINE: Record<string, number> = { x64: 62, arm64: 183 }
const otherArch = process.arch === 'x64' ? 'arm64' : 'x64'
// Both architectures where the cross compiler is here (the aarch64 tests say why when it is not).
const arches = missingCrossTools() === null ? [process.arch, otherArch] : [process.arch]
// The tarball needs both prebuilds: without the cross compiler it cannot be made, which CI (which installs
// it) counts as a failure and a developer's machine as a skip.
const noTarball = arches.length < 2 && !emulationRequired
// 400 kB: the eight fast-calls builds (one per Node ABI of Node 20 to 26 for each architecture, stripped; about
// 9 kB each compressed) added 75 kB to a tarball that had to stay under 300 kB before; it was 384 kB with them.
const MAX_TARBALL_BYTES = 400_000

interface NpmRelease {
  name: string
  version: string
  package: string
  kind: 'node'
  binary: string
}
const versions = require('../scripts/runtimes/versions.json') as { npm: NpmRelease[]; installs: { node: string; npm: string }[] }
const installs = versions.installs.map(({ node, npm }) => ({
  node: runtimes.find((runtime) => runtime.name === node)!,
  npm: versions.npm.find((release) => release.name === npm)!,
}))

// A copy of the checkout with its local build, where the prebuilds are made and the tarball packed.
let copy: string
let tarball: string
// The copy's build/ before and after npm run prebuild.
let localBuild: Record<'before' | 'after', Record<string, string>>

beforeAll(async () => {
  copy = packageCopy('packaging', ['README.md', 'LICENSE', 'docs', 'lib', 'tsconfig.json', 'build'])
  const before = filesWithTimes(path.join(copy, 'build'))
  const args = arches.length === 2 ? [] : ['--arch', process.arch]
  await runCommandOk(process.execPath, [path.join(copy, 'scripts', 'prebuild.mjs'), ...args], { cwd: copy, timeoutMs: 600_000 })
  localBuild = { before, after: filesWithTimes(path.join(copy, 'build')) }
  // A fresh install has no local build: the prebuilds are what loads.
  rmSync(path.join(copy, 'build'), { recursive: true, force: true })
  if (!noTarball) {
    const out = await runCommandOk(process.execPath, [path.join(copy, 'scripts', 'package.mjs'), '--out', path.join(copy, 'out')], {
      cwd: copy,
    })
    tarball = out.trim()
  }
}, 600_000)

/** Expects `file` to be an ELF shared object for `arch`. */
function expectSharedObject(file: string, arch: string): void {
  const header = readFileSync(file).subarray(0, 20)
  expect(header.subarray(0, 4).toString('latin1'), file).toBe('\x7fELF')
  expect(header.readUInt16LE(16), file).toBe(3) // ET_DYN
  expect(header.readUInt16LE(18), file).toBe(ELF_MACHINE[arch])
}

describe('npm run prebuild', () => {
  it('builds away from the local build: build/ holds exactly what it held before, file for file', () => {
    expect(Object.keys(localBuild.before)).toContain(path.join('Release', 'rseq.node'))
    expect(localBuild.after).toEqual(localBuild.before)
  })

  it.each(arches)('writes an ELF shared object for %s to prebuilds/linux-<arch>, tagged glibc', (arch) => {
    const dir = path.join(copy, 'prebuilds', `linux-${arch}`)
    expect(readdirSync(dir).filter((file) => file.endsWith('.node'))).toEqual(['rseq.glibc.node'])
    expectSharedObject(path.join(dir, 'rseq.glibc.node'), arch)
  })

  it.each(arches)('writes the fast-calls addon for %s once per Node ABI to prebuilds/linux-<arch>/fast-calls', (arch) => {
    const dir = path.join(copy, 'prebuilds', `linux-${arch}`, 'fast-calls')
    expect(readdirSync(dir).sort()).toEqual((FAST_CALLS_ABIS as string[]).map((abi) => `abi${abi}.node`).sort())
    for (const file of readdirSync(dir)) expectSharedObject(path.join(dir, file), arch)
  })

  it('builds for the ABIs npm run package requires: those of the Nodes the fast-calls declarations cover', () => {
    // The headers are in the runtime cache: the prebuilds above were built against them.
    expect((FAST_CALLS_NODES as string[]).map((name) => abiOf(headersOf(name)))).toEqual(FAST_CALLS_ABIS)
  })

  it('is what the package loads when there is no local build, with the fast-calls build of this Node beside it', async () => {
    const script = `const rseq = require(${JSON.stringify(copy)}); const { nativeFile } = require(${JSON.stringify(path.join(copy, 'dist', 'binding', 'chosen-binding.js'))}); process.stdout.write(rseq.info().strategy + ' ' + nativeFile + ' ' + rseq.info().callPath)`
    const out = await runCommandOk(process.execPath, ['-e', script], { env: cleanEnvironment() })
    // The Node running the tests is one of those with a fast-calls build (ESLint and vitest need Node 20 or later).
    const callPath = (FAST_CALLS_ABIS as string[]).includes(process.versions.modules) ? 'v8:fast' : 'napi'
    expect(out).toBe(`glibc ${path.join('prebuilds', `linux-${process.arch}`, 'rseq.glibc.node')} ${callPath}`)
  })
})

describe.skipIf(noTarball)('npm run package', () => {
  let entries: string[]
  let manifest: Record<string, unknown>
  beforeAll(async () => {
    entries = (await runCommandOk('tar', ['tzf', tarball])).trim().split('\n')
    manifest = JSON.parse(await runCommandOk('tar', ['xzf', tarball, '-O', 'package/package.json']))
  })

  it(`makes a tarball under ${MAX_TARBALL_BYTES / 1000} kB with both prebuilds, their fast-calls builds, dist/ and the native sources`, () => {
    expect(statSync(tarball).size).toBeLessThan(MAX_TARBALL_BYTES)
    expect(entries.filter((entry) => entry.endsWith('.node')).sort()).toEqual(
      (PREBUILDS as string[]).map((file) => `package/${file}`).sort(),
    )
    expect(entries.filter((entry) => entry.includes('/fast-calls/')).sort()).toEqual(
      ['x64', 'arm64']
        .flatMap((arch) => (FAST_CALLS_ABIS as string[]).map((abi) => `package/prebuilds/linux-${arch}/fast-calls/abi${abi}.node`))
        .sort(),
    )
    expect(entries.filter((entry) => entry.endsWith('.map'))).toEqual([])
    for (const file of [
      'package/dist/index.js',
      'package/dist/index.d.ts',
      'package/native/binding.gyp',
      'package/native/registration/thread_rseq.cc',
      'package/README.md',
      'package/LICENSE',
    ]) {
      expect(entries).toContain(file)
    }
  })

  it('has no install script, no binding.gyp at its root and gypfile false, so npm synthesizes none', () => {
    expect(entries).not.toContain('package/binding.gyp')
    expect(entries.filter((entry) => /^package\/[^/]+\.gyp$/.test(entry))).toEqual([])
    expect(manifest.scripts).toBeUndefined()
    expect(manifest.gypfile).toBe(false)
  })

  it('installs everywhere npm runs: no os or cpu restriction, not private, nothing only the checkout needs', () => {
    expect([manifest.os, manifest.cpu, manifest.private, manifest.devDependencies, manifest.allowScripts]).toEqual([
      undefined,
      undefined,
      undefined,
      undefined,
      undefined,
    ])
    expect(manifest.name).toBe('rseq')
  })
})

/** The README's example, as a user would paste it. */
function readmeExample(): string {
  const readme = readFileSync(path.join(root, 'README.md'), 'utf8')
  const example = /## Example\n+```js\n([\s\S]*?)```/.exec(readme)
  if (example === null) throw new Error('README.md has no ```js block under "## Example"')
  return example[1]
}

const NPM_NOISE = /install.script|allowScripts|node-gyp|gyp |prebuild|warn/i

/** Prints the call path (and why) of the main thread and of a worker, which decides its own. */
const CALL_PATH_REPORT = `const { Worker } = require('node:worker_threads')
const { info } = require('rseq')
const report = ({ callPath, callPathReason }) => ({ callPath, callPathReason })
const worker = new Worker(
  "const { callPath, callPathReason } = require('rseq').info(); require('node:worker_threads').parentPort.postMessage({ callPath, callPathReason })",
  { eval: true },
)
worker.once('message', (fromWorker) => console.log(JSON.stringify({ main: report(info()), worker: fromWorker })))
`

/** What the exporters print for the counts test/fixtures/exporters-consumer.cjs makes: the same in both Prometheus libraries. */
const EXPORTED_TEXT = `# HELP duration_seconds Time to answer
# TYPE duration_seconds histogram
duration_seconds_bucket{le="0.01"} 0
duration_seconds_bucket{le="0.1"} 10
duration_seconds_bucket{le="1"} 10
duration_seconds_bucket{le="+Inf"} 10
duration_seconds_sum 0.4
duration_seconds_count 10

# HELP requests_total Requests served
# TYPE requests_total counter
requests_total{route="/a"} 10
`

// The OpenTelemetry lines npm picks by each Node's version: the 3.x SDK declares Node >= 22.15 and takes
// @opentelemetry/api 1.10; the 2.x SDK takes Node 20 and api 1.9. The package's peer ranges take both lines.
const OPENTELEMETRY_LINES: Record<string, { sdk: RegExp; api: RegExp }> = {
  node20: { sdk: /^2\./, api: /^1\.9\./ },
  node22: { sdk: /^3\./, api: /^1\.10\./ },
  node24: { sdk: /^3\./, api: /^1\.10\./ },
}
// Once per Node: with the first npm the matrix pairs it with (a Node the matrix no longer installs with is an error).
for (const name of Object.keys(OPENTELEMETRY_LINES))
  if (!installs.some((install) => install.node.name === name))
    throw new Error(`scripts/runtimes/versions.json installs nothing with ${name}`)
const exporterInstalls = new Set(Object.keys(OPENTELEMETRY_LINES).map((name) => installs.find((install) => install.node.name === name)))
// The one warning a user sees: @prometheus-io/client 0.16 declares Node 22 or later (it runs on Node 20: see below).
const PROMETHEUS_IO_ENGINE = /^npm warn EBADENGINE .*(Unsupported engine \{|package: '@prometheus-io\/client@|required: |current: |\}$)/

describe.skipIf(noTarball).each(installs)(
  'installing the tarball with npm $npm.version under Node $node.version, no compiler on PATH',
  ({ node, npm }) => {
    let project: string
    let npmCli: string
    let env: NodeJS.ProcessEnv

    const npmRun = (args: string[]) =>
      runCommand(path.join(project, 'bin', 'node'), [npmCli, ...args], { cwd: project, env, timeoutMs: 300_000 })
    const runExample = () => runCommand(path.join(project, 'bin', 'node'), ['example.js'], { cwd: project, env, timeoutMs: 120_000 })

    beforeAll(async () => {
      const nodeExecutable = await fetchRuntime(node)
      npmCli = await fetchRuntime(npm as never)
      project = path.join(root, 'test', '.build', `install-${node.name}-${npm.name}`)
      rmSync(project, { recursive: true, force: true })
      mkdirSync(path.join(project, 'bin'), { recursive: true })
      symlinkSync(nodeExecutable, path.join(project, 'bin', 'node'))
      writeFileSync(path.join(project, 'package.json'), JSON.stringify({ name: 'consumer', version: '1.0.0', private: true }))
      writeFileSync(path.join(project, 'example.js'), readmeExample())
      writeFileSync(path.join(project, 'call-path.js'), CALL_PATH_REPORT)
      const config = path.join(root, 'test', '.build', 'npm-config')
      mkdirSync(config, { recursive: true })
      for (const file of ['user', 'global']) writeFileSync(path.join(config, file), '')
      env = {
        ...cleanEnvironment(),
        // Only node itself: no cc, g++, make or python3 for anything to build with.
        PATH: path.join(project, 'bin'),
        // This machine's npm settings are not a user's: an empty configuration and a cache of the tests' own.
        npm_config_userconfig: path.join(config, 'user'),
        npm_config_globalconfig: path.join(config, 'global'),
        npm_config_cache: path.join(root, 'test', '.build', 'npm-cache'),
        npm_config_update_notifier: 'false',
        npm_config_fund: 'false',
        npm_config_audit: 'false',
      }
      for (const name of Object.keys(env))
        if (/^npm_(?!config_(userconfig|globalconfig|cache|update_notifier|fund|audit)$)/i.test(name)) delete env[name]
    }, 600_000)

    it('installs and reinstalls with `npm ci` without a warning, with nothing on PATH but node', async () => {
      for (const tool of ['cc', 'gcc', 'g++', 'make', 'python3']) expect(existsSync(path.join(project, 'bin', tool))).toBe(false)
      const installed = await npmRun(['install', tarball])
      expect(installed.status, installed.stderr).toBe(0)
      expect(installed.stdout + installed.stderr).not.toMatch(NPM_NOISE)
      rmSync(path.join(project, 'node_modules'), { recursive: true })
      const cleanInstall = await npmRun(['ci'])
      expect(cleanInstall.status, cleanInstall.stderr).toBe(0)
      expect(cleanInstall.stdout + cleanInstall.stderr).not.toMatch(NPM_NOISE)
      expect(existsSync(path.join(project, 'node_modules', 'rseq', 'build'))).toBe(false)
    })

    // Once: the tarball's declarations and this TypeScript are the same whichever npm unpacked them (and
    // test/module-formats.test.ts checks every subpath under each module resolution).
    it.runIf(node === installs[0].node && npm === installs[0].npm)(
      'type-checks a TypeScript consumer against the installed declarations, every module they import present',
      async () => {
        // Checked as TypeScript 6 will by default: an import of a module with no declarations is an error.
        const consumer = path.join(project, 'consumer.ts')
        writeFileSync(
          consumer,
          "import { MetricStore, PerCpuCounter, info, type CollectedMetric, type CounterSeries } from 'rseq'\n" +
            "const store: MetricStore = MetricStore.create()\nconst series: CounterSeries = store.counter('c_total').labels()\n" +
            'const collected: CollectedMetric[] = store.collect()\nexport const used = [new PerCpuCounter(), info().strategy, series, collected]\n',
        )
        const tsc = require.resolve('typescript/bin/tsc')
        const options = ['--noEmit', '--strict', '--noUncheckedSideEffectImports', '--module', 'node16', '--moduleResolution', 'node16']
        const types = ['--types', 'node', '--typeRoots', path.join(root, 'node_modules', '@types')]
        const checked = await runCommand(process.execPath, [tsc, ...options, ...types, consumer], { cwd: project })
        expect(checked.status, checked.stdout + checked.stderr).toBe(0)
      },
    )

    it('runs the README example on the prebuild: glibc on every thread, exact', async () => {
      const ran = await runExample()
      expect({ status: ran.status, stderr: ran.stderr }).toEqual({ status: 0, stderr: '' })
      const lines = ran.stdout.trim().split('\n')
      expect([lines[0], lines.at(-2), lines.at(-1)]).toEqual(['glibc', 'worker glibc', '1000006'])
    })

    const hasFastCalls = (FAST_CALLS_NODES as string[]).includes(node.name)
    it(
      hasFastCalls
        ? 'calls the prebuild through V8 fast calls, with the fast-calls build of its ABI, on every thread'
        : 'calls the prebuild through N-API, there being no fast-calls build for its ABI, on every thread',
      async () => {
        const ran = await runCommand(path.join(project, 'bin', 'node'), ['call-path.js'], { cwd: project, env, timeoutMs: 120_000 })
        expect({ status: ran.status, stderr: ran.stderr }).toEqual({ status: 0, stderr: '' })
        const { main, worker } = JSON.parse(ran.stdout) as Record<'main' | 'worker', { callPath: string; callPathReason: string }>
        expect(worker).toEqual(main)
        const abi = (await runCommandOk(path.join(project, 'bin', 'node'), ['-p', 'process.versions.modules'], { env })).trim()
        if (hasFastCalls) {
          expect(main.callPath).toBe('v8:fast')
          expect(main.callPathReason).toContain(`through V8 fast API calls (abi${abi}.node, made for V8 `)
        } else {
          expect(main.callPath).toBe('napi')
          expect(main.callPathReason).toContain(`there is no fast-calls build for this Node (ABI ${abi}) beside rseq.glibc.node`)
        }
      },
    )

    it('runs the README example on the portable path, exact, with the prebuilds hidden, and warns once that no native build loaded', async () => {
      const prebuilds = path.join(project, 'node_modules', 'rseq', 'prebuilds')
      renameSync(prebuilds, `${prebuilds}.hidden`)
      try {
        const ran = await runExample()
        const { warnings, otherOutput } = printedWarnings(ran.stderr)
        // One for the process, though its worker loads the package too.
        expect({ status: ran.status, otherOutput, codes: warnings.map((warning) => warning.code) }).toEqual({
          status: 0,
          otherOutput: '',
          codes: ['RSEQ_NATIVE_BUILD_NOT_LOADED'],
        })
        expect(warnings[0].message).toMatch(
          /: no native build was found \(.*\); reinstall rseq, or build the addon here with `npx rseq build`/,
        )
        const lines = ran.stdout.trim().split('\n')
        expect([lines[0], lines.at(-2), lines.at(-1)]).toEqual(['portable', 'worker portable', '1000006'])
        expect(lines[1]).toMatch(/^The portable JavaScript path runs .* because no native build was found/)
      } finally {
        renameSync(`${prebuilds}.hidden`, prebuilds)
      }
    })

    it.runIf(exporterInstalls.has(installs.find((install) => install.node === node && install.npm === npm)))(
      'installs each exporter with a plain `npm install <package>` after the tarball, and every exporter reports the same counts',
      async () => {
        // Once @prometheus-io/client is in the tree, npm repeats its engine warning on every install under Node 20.
        const engineWarned = Number(node.version.split('.')[0]) < 22
        let prometheusIoInstalled = false
        for (const name of ['prom-client', '@prometheus-io/client', '@opentelemetry/sdk-metrics']) {
          const installed = await npmRun(['install', name])
          const output = installed.stdout + installed.stderr
          expect(installed.status, output).toBe(0)
          expect(output).not.toMatch(/ERESOLVE|peer dep|npm error/i)
          prometheusIoInstalled ||= name === '@prometheus-io/client'
          const warnings = output.split('\n').filter((line) => /\bwarn\b/i.test(line))
          const expected = engineWarned && prometheusIoInstalled ? warnings.filter((line) => PROMETHEUS_IO_ENGINE.test(line)) : []
          expect(warnings, name).toEqual(expected)
          if (engineWarned && name === '@prometheus-io/client') expect(warnings, name).toHaveLength(5)
        }
        writeFileSync(path.join(project, 'exporters.cjs'), readFileSync(path.join(root, 'test', 'fixtures', 'exporters-consumer.cjs')))
        const ran = await runCommand(path.join(project, 'bin', 'node'), ['exporters.cjs'], { cwd: project, env, timeoutMs: 120_000 })
        expect({ status: ran.status, stderr: ran.stderr }).toEqual({ status: 0, stderr: '' })
        const report = JSON.parse(ran.stdout)
        const lines = OPENTELEMETRY_LINES[node.name]
        expect(report.versions['@opentelemetry/sdk-metrics']).toMatch(lines.sdk)
        expect(report.versions['@opentelemetry/api']).toMatch(lines.api)
        expect([report.promClient, report.prometheusIoClient]).toEqual([EXPORTED_TEXT, EXPORTED_TEXT])
        expect(report.openTelemetry).toEqual({
          errors: [],
          points: {
            requests_total: [10],
            duration_seconds: [{ buckets: { boundaries: [0.01, 0.1, 1], counts: [0, 10, 0, 0] }, count: 10, sum: 0.4 }],
          },
        })
      },
    )
  },
)

describe.skipIf(noTarball)('npx rseq build, in an application that installed the tarball', () => {
  it('compiles the shipped sources into build/Release/rseq.node and fast-calls/rseq_fast_calls.node, which then load before any prebuild', async () => {
    const project = path.join(root, 'test', '.build', 'install-build-from-source')
    rmSync(project, { recursive: true, force: true })
    mkdirSync(project, { recursive: true })
    writeFileSync(path.join(project, 'package.json'), JSON.stringify({ name: 'consumer', version: '1.0.0', private: true }))
    const npmCli = await fetchRuntime(versions.npm.find((release) => release.name === 'npm10.8') as never)
    const nodedir = nodeDirArgs()[0]?.replace('--nodedir=', '')
    const env = {
      ...cleanEnvironment(),
      npm_config_cache: path.join(root, 'test', '.build', 'npm-cache'),
      ...(nodedir ? { npm_config_nodedir: nodedir } : {}),
    }
    await runCommandOk(process.execPath, [npmCli, 'install', '--no-audit', '--no-fund', tarball], { cwd: project, env })
    const installed = path.join(project, 'node_modules', 'rseq')
    rmSync(path.join(installed, 'prebuilds'), { recursive: true })
    const built = await runCommand(process.execPath, [npmCli, 'exec', '--', 'rseq', 'build'], { cwd: project, env, timeoutMs: 600_000 })
    expect(built.status, built.stdout + built.stderr).toBe(0)
    expect(built.stdout).toMatch(/a new process now chooses glibc: /)
    // Only the main addon directly in build/Release, where node-gyp-build takes the first .node it lists.
    const release = path.join(installed, 'build', 'Release')
    expect(readdirSync(release).filter((file) => file.endsWith('.node'))).toEqual(['rseq.node'])
    expect(readdirSync(path.join(release, 'fast-calls'))).toEqual(['rseq_fast_calls.node'])
    const doctor = JSON.parse(
      await runCommandOk(process.execPath, [path.join(installed, 'dist', 'cli', 'rseq.js'), 'doctor', '--json'], { cwd: project, env }),
    )
    expect([doctor.nativeBuild, doctor.mainThread.strategy]).toEqual([path.join('build', 'Release', 'rseq.node'), 'glibc'])
    // The prebuilds are gone: a fast call goes through the fast-calls addon this build made for this Node.
    if ((FAST_CALLS_ABIS as string[]).includes(process.versions.modules)) {
      expect(built.stdout).toMatch(/its call path is v8:fast: /)
      expect([doctor.mainThread.callPath, doctor.mainThread.callPathReason]).toEqual([
        'v8:fast',
        expect.stringContaining('(rseq_fast_calls.node, made for V8 '),
      ])
    }
  }, 900_000)
})
