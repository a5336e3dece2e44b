// Node's V8 fast API calls (native/fast_calls/, lib/binding/fast-calls.ts) are taken only where they were
// verified: a fast-calls build for this Node's ABI, made against headers of a V8 the declarations were checked
// on, running in that very V8 with its fast calls on. Anything else keeps N-API calls and says why in info();
// RSEQ_CALL_PATH=fast makes such a process fail to load instead. (The runtime matrix, test/runtimes.test.ts,
// shows the fast callbacks taken from optimized code in Node 20 to 26 with the counting test build.)
import { copyFileSync, mkdirSync, readdirSync, rmSync, symlinkSync } from 'node:fs'
import * as path from 'node:path'
import { beforeAll, describe, expect, it } from 'vitest'
import { info, PerCpuCounter } from '../lib'
import { fastCellFor } from '../lib/binding/call-path'
import { native } from '../lib/binding/chosen-binding'
import { buildMismatch } from '../lib/binding/fast-calls'
import { USAGE_STRINGS } from '../lib/binding/usage-strings'
import { packageCopy, root } from './helpers/package-copy'
import { cleanEnvironment, runCommand, runCommandOk } from './helpers/run-node'
import { fetchRuntime, runtimes } from './helpers/runtimes'

const REPORT = "const { callPath, callPathReason } = require('rseq').info(); console.log(JSON.stringify({ callPath, callPathReason }))"

/** What `node` (this one, or `executable`) with `nodeArgs` reports of the call path, in a consumer of `installed`. */
async function callPathIn(installed: string, { nodeArgs = [] as string[], env = {}, executable = process.execPath } = {}) {
  const finished = await runCommand(executable, [...nodeArgs, '-e', REPORT], {
    cwd: path.join(installed, '..'),
    env: cleanEnvironment({ NODE_PATH: path.join(installed, '..'), ...env }),
    timeoutMs: 60_000,
  })
  return { status: finished.status, stderr: finished.stderr, ...(finished.status === 0 ? JSON.parse(finished.stdout) : {}) }
}

/** A consumer folder whose node_modules/rseq is a copy of the package with the checkout's build, and `arrange` done to its build/Release. */
function packageWithBuild(name: string, arrange: (release: string) => void): string {
  const copy = packageCopy(name)
  const release = path.join(copy, 'build', 'Release')
  mkdirSync(path.join(release, 'fast-calls'), { recursive: true })
  copyFileSync(path.join(root, 'build', 'Release', 'rseq.node'), path.join(release, 'rseq.node'))
  arrange(release)
  // require('rseq') from the folder above the copy resolves it by name.
  const consumer = path.join(root, 'test', '.build', `${name}-consumer`, 'node_modules')
  rmSync(path.dirname(consumer), { recursive: true, force: true })
  mkdirSync(consumer, { recursive: true })
  const installed = path.join(consumer, 'rseq')
  symlinkSync(copy, installed)
  return installed
}

const built = (file: string) => path.join(root, 'build', 'Release', 'fast-calls', file)

describe('V8 fast API calls', () => {
  it('are the call path of this Node, through the fast-calls build of its ABI, made for its V8', () => {
    const v8 = process.versions.v8.split('.').slice(0, 2).join('.')
    expect(info().callPath).toBe('v8:fast')
    expect(info().callPathReason).toBe(
      `Node: the addon's C entry points through V8 fast API calls (abi${process.versions.modules}.node, made for V8 ${v8})`,
    )
  })

  it("serve a counter through N-API only where the thread's handle table is full, and let any other error of making a handle through", () => {
    expect(fastCellFor(() => 0x7ffffff)).toBeNull() // a number that names no live handle: no cell
    const full = Object.assign(new RangeError('full'), { code: USAGE_STRINGS.HandleTableFullCode })
    expect(
      fastCellFor(() => {
        throw full
      }),
    ).toBeNull()
    // The addon's own refusal of a handle it cannot make: a gauge with no store behind its layout.
    const layout = native.bind(new BigInt64Array(new PerCpuCounter().buffer))
    expect(() => fastCellFor(() => native.gaugeHandle(layout, 0, 8, 0, 0))).toThrow(new TypeError(USAGE_STRINGS.GaugeHandleUsage))
  })

  it('are not used where node runs with V8 flags that keep optimized code from making them, and info() says so', async () => {
    const installed = path.join(root, 'test', '.build', 'fast-calls-checkout', 'node_modules', 'rseq')
    rmSync(path.dirname(path.dirname(installed)), { recursive: true, force: true })
    mkdirSync(path.dirname(installed), { recursive: true })
    symlinkSync(root, installed)
    for (const flag of ['--no-turbo-fast-api-calls', '--no-turbofan']) {
      expect(await callPathIn(installed, { nodeArgs: [flag] })).toEqual({
        status: 0,
        stderr: '',
        callPath: 'napi',
        callPathReason: `Node: an N-API function per counter and histogram, since V8 fast calls cannot be had: node runs with ${flag}, which keeps optimized code from making fast calls`,
      })
    }
    // V8 reads its flags with underscores as well.
    expect(await callPathIn(installed, { nodeArgs: ['--no-turbo_fast_api_calls'] })).toMatchObject({
      callPath: 'napi',
      callPathReason: expect.stringMatching(/node runs with --no-turbo_fast_api_calls, which keeps/),
    })
    // Insisting on them makes loading fail, naming the reason and the way out.
    const insisted = await callPathIn(installed, { nodeArgs: ['--no-turbo-fast-api-calls'], env: { RSEQ_CALL_PATH: 'fast' } })
    expect(insisted.status).not.toBe(0)
    expect(insisted.stderr).toMatch(
      /Error: RSEQ_CALL_PATH=fast: node runs with --no-turbo-fast-api-calls, which keeps optimized code from making fast calls; unset RSEQ_CALL_PATH to run N-API calls instead/,
    )
  })

  // The builds of the other Nodes the checkout made (scripts/build-changed.mjs): abi115 to abi147 but this Node's.
  const otherBuilds = () =>
    readdirSync(path.join(root, 'build', 'Release', 'fast-calls')).filter(
      (file) => /^abi\d+\.node$/.test(file) && file !== `abi${process.versions.modules}.node`,
    )

  it("refuse a build of another Node's ABI: it does not load, and N-API calls run", async () => {
    // Another Node's build where this Node looks for its own: the dynamic loader or Node refuses it (a symbol
    // of another V8 this one lacks, or no initializer for this ABI).
    const other = otherBuilds()[0]
    const installed = packageWithBuild('fast-calls-wrong-abi', (release) => {
      copyFileSync(built(other), path.join(release, 'fast-calls', `abi${process.versions.modules}.node`))
    })
    const report = await callPathIn(installed)
    expect(report).toMatchObject({ status: 0, stderr: '', callPath: 'napi' })
    expect(report.callPathReason).toMatch(
      new RegExp(
        `since V8 fast calls cannot be had: the fast-calls build .*abi${process.versions.modules}\\.node does not load \\(.*undefined symbol: _ZN2v8`,
      ),
    )
    // Loaded by hand, each of the other ABIs' builds is refused the same way, with an error and not a crash.
    for (const other of ['abi127.node', 'abi137.node', 'abi147.node']) {
      const loaded = await runCommand(
        process.execPath,
        ['-e', `try { require(${JSON.stringify(built(other))}) } catch (error) { console.log(error.message) }`],
        {
          timeoutMs: 30_000,
        },
      )
      expect({ other, status: loaded.status, stdout: loaded.stdout }).toEqual({
        other,
        status: 0,
        stdout: expect.stringMatching(/undefined symbol|did not self-register/),
      })
    }
  })

  it('say why where the package has no fast-calls build for this Node', async () => {
    const installed = packageWithBuild('fast-calls-none', () => {})
    expect(await callPathIn(installed)).toEqual({
      status: 0,
      stderr: '',
      callPath: 'napi',
      callPathReason: `Node: an N-API function per counter and histogram, since V8 fast calls cannot be had: there is no fast-calls build for this Node (ABI ${process.versions.modules}) beside rseq.node`,
    })
  })

  it('refuse a build made for another V8 major.minor than the one running (a test build pretending to run V8 11.4)', async () => {
    const installed = packageWithBuild('fast-calls-other-v8', () => {})
    const out = path.join(installed, 'build', 'Release', 'fast-calls')
    await runCommandOk(
      process.execPath,
      [
        path.join(root, 'scripts', 'fast-calls-build.mjs'),
        '--nodedir',
        path.resolve(path.dirname(process.execPath), '..'),
        '--out',
        out,
        '--cxxflags',
        `-DRSEQ_TEST_RUNNING_V8='"11.4.0"'`,
      ],
      { timeoutMs: 300_000 },
    )
    const v8 = process.versions.v8.split('.').slice(0, 2).join('.')
    expect(await callPathIn(installed)).toEqual({
      status: 0,
      stderr: '',
      callPath: 'napi',
      callPathReason: `Node: an N-API function per counter and histogram, since V8 fast calls cannot be had: the fast-calls build was made for V8 ${v8} and this process runs V8 11.4.0`,
    })
  }, 300_000)

  it("refuse a build whose V8 configuration (pointer compression, sandbox) is not this Node's", () => {
    const plain = { pointerCompression: false, sandbox: false }
    expect(buildMismatch(plain, process.config.variables as Record<string, unknown>)).toBeNull()
    expect(buildMismatch(plain, { v8_enable_pointer_compression: 1, v8_enable_sandbox: 0 })).toBe(
      "the fast-calls build was made for a V8 without pointer compression, and this Node's V8 is with it",
    )
    expect(buildMismatch({ pointerCompression: false, sandbox: true }, { v8_enable_pointer_compression: 'false' })).toBe(
      "the fast-calls build was made for a V8 with its sandbox, and this Node's V8 is without it",
    )
  })

  describe('a fast-calls build made against a V8 the declarations were not verified on (Node 18, V8 10.2)', () => {
    let node18: string
    let installed: string
    beforeAll(async () => {
      node18 = await fetchRuntime(runtimes.find((runtime) => runtime.name === 'node18')!)
      installed = packageWithBuild('fast-calls-unverified', () => {})
      // Built the way every fast-calls build is, against Node 18's own headers: it compiles (declaring nothing).
      await runCommandOk(
        process.execPath,
        [
          path.join(root, 'scripts', 'fast-calls-build.mjs'),
          '--node',
          'node18',
          '--out',
          path.join(installed, 'build', 'Release', 'fast-calls'),
        ],
        {
          timeoutMs: 300_000,
        },
      )
    }, 600_000)

    it('loads, refuses to connect, and Node 18 keeps N-API calls', async () => {
      expect(await callPathIn(installed, { executable: node18 })).toEqual({
        status: 0,
        stderr: '',
        callPath: 'napi',
        callPathReason:
          'Node: an N-API function per counter and histogram, since V8 fast calls cannot be had: the fast-calls build was made against V8 10.2, whose fast API layouts the package has not verified',
      })
    })
  })
})
