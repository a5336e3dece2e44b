#!/usr/bin/env node
// npm run test:kernels: boots each kernel of matrix.json (Debian's own packages) under qemu-system with
// software emulation, runs test/fixtures/kernel-check.cjs inside, reads the results from the serial
// console and judges them. A boot that prints no result is a failure with its console shown.
//   node scripts/kernels/test-kernels.mjs [--only SUBSTRING] [--json FILE]
// --json records every boot's raw results (with its exit codes and whether it finished) and, at the top
// level, the commit and the hash of the sources measured (evidence.mjs); it refuses to record from a tree
// with uncommitted changes to those sources, so that the commit recorded is the code measured.
// Needs qemu-system-x86, qemu-system-arm, cpio, g++-aarch64-linux-gnu, dpkg-deb and apt-get (as .ci/run
// installs); downloads are cached in RSEQ_KERNEL_CACHE (default ~/.cache/rseq-kernels).
import { spawn } from 'node:child_process'
import { mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs'
import * as os from 'node:os'
import * as path from 'node:path'
import { fileURLToPath } from 'node:url'
import { aptFor, unpack } from './apt.mjs'
import { headCommit, MATRIX_INPUTS, sourcesHash, uncommittedInputs } from './evidence.mjs'
import { initramfsFor } from './initramfs.mjs'
import { judge } from './judge.mjs'

const here = path.dirname(fileURLToPath(import.meta.url))
const matrix = JSON.parse(readFileSync(path.join(here, 'matrix.json'), 'utf8'))
const cache = process.env.RSEQ_KERNEL_CACHE ?? path.join(os.homedir(), '.cache', 'rseq-kernels')
const BOOT_TIMEOUT_MS = 8 * 60_000

const QEMU = {
  arm64: (kernel, initramfs, append) => [
    'qemu-system-aarch64',
    '-M',
    'virt',
    '-cpu',
    'max,pauth-impdef=on',
    '-smp',
    '2',
    '-m',
    '2048',
    '-nographic',
    '-no-reboot',
    '-net',
    'none',
    '-kernel',
    kernel,
    '-initrd',
    initramfs,
    '-append',
    `console=ttyAMA0 panic=-1 quiet ${append}`,
  ],
  x64: (kernel, initramfs, append) => [
    'qemu-system-x86_64',
    '-cpu',
    'max',
    '-smp',
    '2',
    '-m',
    '2048',
    '-nographic',
    '-no-reboot',
    '-net',
    'none',
    '-kernel',
    kernel,
    '-initrd',
    initramfs,
    '-append',
    `console=ttyS0 panic=-1 quiet ${append}`,
  ],
}

function option(name) {
  const at = process.argv.indexOf(`--${name}`)
  return at === -1 ? undefined : process.argv[at + 1]
}

// Debian's 6.x images are under boot/, the 7.x ones under usr/lib/modules/<version>/.
function kernelImage(unpacked) {
  const found = []
  const walk = (dir) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const at = path.join(dir, entry.name)
      if (entry.isDirectory()) walk(at)
      else if (/^vmlinu[xz]/.test(entry.name)) found.push(at)
    }
  }
  walk(unpacked)
  if (found.length === 0) throw new Error(`no kernel image in ${unpacked}`)
  return found[0]
}

// Boots one kernel; resolves with the console output (poweroff -f ends qemu with 0 whatever happened, so
// only the markers printed by the checks say anything).
function boot(command) {
  return new Promise((resolve) => {
    const qemu = spawn(command[0], command.slice(1), { stdio: ['ignore', 'pipe', 'pipe'] })
    let console = ''
    qemu.stdout.on('data', (chunk) => (console += chunk))
    qemu.stderr.on('data', (chunk) => (console += chunk))
    const timer = setTimeout(() => qemu.kill('SIGKILL'), BOOT_TIMEOUT_MS)
    qemu.on('close', () => {
      clearTimeout(timer)
      resolve(console)
    })
  })
}

function parseConsole(text) {
  const results = {}
  const exits = {}
  for (const line of text.split(/\r?\n/)) {
    const result = /RSEQ-RESULT (\S+) (.*)$/.exec(line)
    if (result) {
      try {
        results[result[1]] = JSON.parse(result[2])
      } catch {
        results[result[1]] = { unparsable: result[2].slice(0, 200) }
      }
    }
    const exit = /RSEQ-EXIT (\S+) (\d+)/.exec(line)
    if (exit) exits[exit[1]] = Number(exit[2])
  }
  return { results, exits, done: text.includes('RSEQ-DONE'), kernel: /RSEQ-KERNEL (\S+)/.exec(text)?.[1] ?? null }
}

// Why a --json record was not written: shown as a sentence, not a stack.
class RecordingRefused extends Error {}

// The commit and sources hash a --json record is made from; throws when the inputs are not committed.
async function evidenceToRecord(jsonFile) {
  const uncommitted = await uncommittedInputs()
  if (uncommitted.length > 0) {
    throw new RecordingRefused(
      `refusing to record ${jsonFile}: the matrix's sources have uncommitted changes\n  ${uncommitted.join('\n  ')}\n` +
        `commit them (or stash them) first, so that the recorded commit is the code measured; the sources are ${MATRIX_INPUTS.join(', ')}`,
    )
  }
  const commit = await headCommit()
  if (commit === null)
    throw new RecordingRefused(`refusing to record ${jsonFile}: not in a git work tree, so no commit to tie the results to`)
  return { commit, sources: await sourcesHash() }
}

async function main() {
  const jsonFile = option('json')
  const evidence = jsonFile ? await evidenceToRecord(jsonFile) : null
  mkdirSync(cache, { recursive: true })
  const apt = aptFor(cache)
  const only = option('only')
  const rows = matrix.userlands
    .flatMap((userland) => matrix.kernels.map((kernel) => ({ ...kernel, userland })))
    .filter((row) => only === undefined || `${row.arch} ${row.package} ${row.cmdline ?? ''} ${row.userland.suite}`.includes(only))
  const images = {}
  const report = []
  const matrixStarted = Date.now()
  let passed = 0
  let failed = 0
  for (const row of rows) {
    const key = `${row.arch}-${row.userland.suite}`
    images[key] ??= initramfsFor(row.arch, row.userland.suite, { apt, cache, node: matrix.node })
    const kernel = kernelImage(unpack(apt.download(row.package), path.join(cache, 'unpacked', row.package)))
    const started = Date.now()
    const command = QEMU[row.arch](kernel, images[key], row.cmdline ?? '')
    let console = await boot(command)
    if (!console.includes('RSEQ-KERNEL')) {
      // The emulated machine died before the kernel started init (seen once here, an early oops under
      // software emulation, not reproducible): boot once more, and show what happened. Nothing of the
      // package had run yet; a boot that reached init is never retried.
      process.stdout.write(
        `retry ${row.arch} ${row.package}: no init on the first boot; its console ended with:\n${console.slice(-3000)}\n`,
      )
      console = await boot(command)
    }
    const seconds = (Date.now() - started) / 1000
    const parsed = parseConsole(console)
    const verdict = judge(row, parsed)
    const name = `${row.arch} ${row.package}${row.cmdline ? ` (${row.cmdline})` : ''}, ${row.userland.suite} userland`
    report.push({
      ...row,
      seconds,
      kernel: parsed.kernel,
      done: parsed.done,
      exits: parsed.exits,
      problems: verdict.problems,
      summary: verdict.summary,
      results: parsed.results,
    })
    if (verdict.problems.length === 0) {
      passed++
      process.stdout.write(`ok    ${name}  ${seconds.toFixed(0)} s  ${verdict.summary}\n`)
    } else {
      failed++
      process.stdout.write(
        `FAIL  ${name}  ${seconds.toFixed(0)} s\n  ${verdict.problems.join('\n  ')}\n--- console ---\n${console.slice(-6000)}\n---\n`,
      )
    }
  }
  const minutes = (Date.now() - matrixStarted) / 60_000
  if (evidence) {
    // The sources must still be those measured: the initramfs of each architecture and userland is built
    // when its first boot comes, so an edit during the run may have been measured in part.
    const now = await sourcesHash()
    if (now !== evidence.sources) {
      throw new RecordingRefused(
        `not recording ${jsonFile}: the sources changed during the run (they hashed to ${evidence.sources} at the start, ${now} now); re-run on a tree left alone`,
      )
    }
    const record = { date: new Date().toISOString(), node: matrix.node, ...evidence, minutes: Number(minutes.toFixed(1)), rows: report }
    writeFileSync(jsonFile, JSON.stringify(record, null, 2) + '\n')
  }
  process.stdout.write(`${passed} passed, ${failed} failed in ${minutes.toFixed(1)} minutes\n`)
  process.exitCode = failed === 0 && passed > 0 ? 0 : 1
}

main().catch((error) => {
  process.stderr.write(`test-kernels: ${error instanceof RecordingRefused ? error.message : error.stack}\n`)
  process.exitCode = 1
})
