#!/usr/bin/env node
// npm run bench:runtimes: rseq-bench's single-thread figures in every runtime of versions.json, one run per
// runtime and call path (Bun and Deno through their FFI, and through N-API with RSEQ_CALL_PATH=napi),
// printed as one Markdown table (ns/op, and the ratio to that runtime's empty N-API call; table.mjs), with the
// bare critical section of the C++ microbenchmark measured in the same run.
//   node scripts/runtimes/bench.mjs [--json FILE]    (docs/runtimes-bench.json; then node scripts/bench-tables.mjs)
// Each runtime measures its own baseline in the same run, so ratios compare across runtimes even though
// absolute figures on a shared machine drift.
import { execFileSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import * as os from 'node:os'
import * as path from 'node:path'
import { fileURLToPath } from 'node:url'
import { createRequire } from 'node:module'
import { fetchRuntime, runtimes } from './fetch.mjs'
import { runtimesRunLine, runtimesTable } from './table.mjs'

const require = createRequire(import.meta.url)

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..')
const benchCli = path.join(root, 'dist', 'cli', 'rseq-bench.js')
const scratch = mkdtempSync(path.join(os.tmpdir(), 'rseq-runtime-bench-'))

const reports = []
try {
  for (const runtime of runtimes) {
    const executable = fetchRuntime(runtime)
    const args =
      runtime.kind === 'deno' ? ['run', '--allow-read', '--allow-env', '--allow-ffi', '--allow-sys', '--allow-write', benchCli] : [benchCli]
    // Bun and Deno twice: through their FFI (their call path), and through N-API for comparison.
    for (const callPath of runtime.kind === 'node' ? [''] : ['', 'napi']) {
      const json = path.join(scratch, `${runtime.name}${callPath}.json`)
      process.stderr.write(`${runtime.name}${callPath ? ` (RSEQ_CALL_PATH=${callPath})` : ''}...\n`)
      const env = { ...process.env, RSEQ_CALL_PATH: callPath }
      execFileSync(executable, [...args, '--workers', '1', '--json', json], { cwd: root, env, stdio: ['ignore', 'ignore', 'inherit'] })
      reports.push({ runtime, report: JSON.parse(readFileSync(json, 'utf8')) })
    }
  }
} finally {
  rmSync(scratch, { recursive: true, force: true })
}
// The bare critical section, no JavaScript: what a call path adds to it is the call.
const { runSequenceBench } = require('../../dist/bench/native-sequence.js')
const bare = runSequenceBench(20_000_000, 1).rseqAddUncontended.nsPerOp

const recorded = { bareSequenceNs: bare, reports: reports.map(({ report }) => report) }
console.log(`${runtimesRunLine(recorded)}\n`)
console.log(runtimesTable(recorded))
const jsonAt = process.argv.indexOf('--json')
if (jsonAt !== -1) writeFileSync(process.argv[jsonAt + 1], JSON.stringify(recorded, null, 2) + '\n')
