// The package as users get it. `npm run prebuild` makes N-API prebuilds; `npm run package` packs them with
// dist/ and the native sources into the tarball to publish, which has no install script and nothing npm
// would make one from. That tarball installs and `npm ci`s with npm 12 under Node 22, 24 and 26 and with
// the npm bundled with Node 18, 20 and 22, with no compiler on PATH and not one warning; the README's
// example then runs exactly on the prebuild (glibc) and, with the prebuilds hidden, on the portable path,
// with the one warning that no native build loaded; and `npx rseq build` compiles the addon from the
// shipped sources where a user wants their own build.
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs'
import * as path from 'node:path'
import { beforeAll, describe, expect, it } from 'vitest'
// @ts-expect-error: a script of the package, without declarations
import { PREBUILDS } from '../scripts/package.mjs'
import { emulationRequired, missingCrossTools } from './helpers/emulation'
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
const MAX_TARBALL_BYTES = 300_000

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

// A copy of the checkout, where the prebuilds are made and the tarball packed.
let copy: string
let tarball: string

beforeAll(async () => {
  copy = packageCopy('packaging', ['README.md', 'LICENSE', 'docs', 'lib', 'tsconfig.json'])
  const args = arches.length === 2 ? [] : ['--arch', process.arch]
  await runCommandOk(process.execPath, [path.join(copy, 'scripts', 'prebuild.mjs'), ...args], { cwd: copy, timeoutMs: 600_000 })
  rmSync(path.join(copy, 'build'), { recursive: true, force: true })
  if (!noTarball) {
    const out = await runCommandOk(process.execPath, [path.join(copy, 'scripts', 'package.mjs'), '--out', path.join(copy, 'out')], {
      cwd: copy,
    })
    tarball = out.trim()
  }
}, 600_000)

describe('npm run prebuild', () => {
  it.each(arches)('writes an ELF shared object for %s to prebuilds/linux-<arch>, tagged glibc', (arch) => {
    const dir = path.join(copy, 'prebuilds', `linux-${arch}`)
    expect(readdirSync(dir).filter((file) => file.endsWith('.node'))).toEqual(['rseq.glibc.node'])
    const header = readFileSync(path.join(dir, 'rseq.glibc.node')).subarray(0, 20)
    expect(header.subarray(0, 4).toString('latin1')).toBe('\x7fELF')
    expect(header.readUInt16LE(16)).toBe(3) // ET_DYN
    expect(header.readUInt16LE(18)).toBe(ELF_MACHINE[arch])
  })

  it('is what the package loads when there is no local build', async () => {
    const script = `const rseq = require(${JSON.stringify(copy)}); const { nativeFile } = require(${JSON.stringify(path.join(copy, 'dist', 'binding', 'chosen-binding.js'))}); process.stdout.write(rseq.info().strategy + ' ' + nativeFile)`
    const out = await runCommandOk(process.execPath, ['-e', script], { env: cleanEnvironment() })
    expect(out).toBe(`glibc ${path.join('prebuilds', `linux-${process.arch}`, 'rseq.glibc.node')}`)
  })
})

describe.skipIf(noTarball)('npm run package', () => {
  let entries: string[]
  let manifest: Record<string, unknown>
  beforeAll(async () => {
    entries = (await runCommandOk('tar', ['tzf', tarball])).trim().split('\n')
    manifest = JSON.parse(await runCommandOk('tar', ['xzf', tarball, '-O', 'package/package.json']))
  })

  it(`makes a tarball under ${MAX_TARBALL_BYTES / 1000} kB with both prebuilds, dist/ and the native sources`, () => {
    expect(statSync(tarball).size).toBeLessThan(MAX_TARBALL_BYTES)
    expect(entries.filter((entry) => entry.endsWith('.node')).sort()).toEqual(
      (PREBUILDS as string[]).map((file) => `package/${file}`).sort(),
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

    it('type-checks a TypeScript consumer against the installed declarations, every module they import present', async () => {
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
    })

    it('runs the README example on the prebuild: glibc on every thread, exact', async () => {
      const ran = await runExample()
      expect({ status: ran.status, stderr: ran.stderr }).toEqual({ status: 0, stderr: '' })
      const lines = ran.stdout.trim().split('\n')
      expect([lines[0], lines.at(-2), lines.at(-1)]).toEqual(['glibc', 'worker glibc', '1000006'])
    })

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
  },
)

describe.skipIf(noTarball)('npx rseq build, in an application that installed the tarball', () => {
  it('compiles the shipped sources into build/Release/rseq.node, which then loads before any prebuild', async () => {
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
    expect(existsSync(path.join(installed, 'build', 'Release', 'rseq.node'))).toBe(true)
    const doctor = JSON.parse(
      await runCommandOk(process.execPath, [path.join(installed, 'dist', 'cli', 'rseq.js'), 'doctor', '--json'], { cwd: project, env }),
    )
    expect([doctor.nativeBuild, doctor.mainThread.strategy]).toEqual([path.join('build', 'Release', 'rseq.node'), 'glibc'])
  }, 900_000)
})
