// The kernel matrix's judge (scripts/kernels/judge.mjs) fails every boot that does not show what the
// package promises there: it is given real recorded boots of docs/kernel-matrix.json, each broken in one
// way, and must name the field and the value it wanted. A missing result is a failure, never a skip.
import { readFileSync } from 'node:fs'
import * as path from 'node:path'
import { describe, expect, it } from 'vitest'
import { expectedRegistrationLength, judge } from '../scripts/kernels/judge.mjs'
import { root } from './helpers/package-copy'

// A boot as docs/kernel-matrix.json records it: the matrix.json row, and what its console printed.
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- a boot as its JSON records it: checking its shape is the judge's work, tested here
type Boot = Record<string, any>

const matrix: { rows: Boot[] } = JSON.parse(readFileSync(path.join(root, 'docs', 'kernel-matrix.json'), 'utf8'))
const RUNS = ['default', 'own', 'pinned', 'instrumented', 'signals']

function recorded(arch: string, release: string, suite: string): Boot {
  const row = matrix.rows.find(
    (candidate) =>
      candidate.arch === arch && candidate.kernel?.startsWith(release) && !candidate.cmdline && candidate.userland.suite === suite,
  )
  if (!row) throw new Error(`docs/kernel-matrix.json has no ${arch} ${release} boot with the ${suite} userland`)
  return row
}

// What a boot recorded before the judge grew stricter lacks, filled in as the current checks print it on
// such a kernel: the exit codes and RSEQ-DONE, what the drains took, and the counter indexed by mm_cid.
// A boot recorded since has them all, and is left as it is.
function asPrintedNow(row: Boot): Boot {
  const boot = structuredClone(row)
  boot.exits ??= Object.fromEntries(RUNS.map((label) => [label, 0]))
  boot.done ??= true
  for (const label of ['default', 'own']) {
    const run = boot.results[label]
    run.drain.taken ??= run.drain.takenPlusLeft
    const filled = run.main.mmCid
    run.mmCidCount ??= {
      expected: run.count.expected / 2,
      observed: run.count.expected / 2,
      mmCid: filled,
      workers: [0, 1].map((id) => ({ mmCid: filled, currentMmCid: filled ? id : -1 })),
    }
  }
  return boot
}

function problemsOf(boot: Boot): string[] {
  return judge(boot, { results: boot.results, exits: boot.exits, done: boot.done, kernel: boot.kernel }).problems
}

/** The problems the judge finds in `row` (as printed now) once `change` has broken it. */
function problemsAfter(row: Boot, change: (boot: Boot) => void): string[] {
  const boot = asPrintedNow(row)
  change(boot)
  return problemsOf(boot)
}

function expectProblem(problems: string[], pattern: RegExp): void {
  expect(problems).toContainEqual(expect.stringMatching(pattern))
}

const x64Kernel7 = recorded('x64', '7.2.13', 'sid')
const x64Kernel7Bookworm = recorded('x64', '7.2.13', 'bookworm')
const x64Kernel612 = recorded('x64', '6.12', 'sid')
const x64Kernel61 = recorded('x64', '6.1.', 'bookworm')
const arm64Regression = recorded('arm64', '7.0.13', 'sid')

describe('the kernel judge on recorded boots', () => {
  it.each([
    ['x86_64 7.2.13 with glibc 2.43', x64Kernel7],
    ['x86_64 6.12 with glibc 2.43', x64Kernel612],
    ['arm64 7.0.13 (does not restart) with glibc 2.43', arm64Regression],
  ])('passes the %s boot', (_, row) => {
    expect(problemsOf(asPrintedNow(row))).toEqual([])
  })

  it('passes every boot of docs/kernel-matrix.json, given what the current checks print besides', () => {
    for (const row of matrix.rows)
      expect([row.kernel, row.userland.suite, problemsOf(asPrintedNow(row))]).toEqual([row.kernel, row.userland.suite, []])
  })
})

describe('the kernel judge on a kernel that restarts sequences (x86_64 7.2.13, glibc 2.43)', () => {
  it('fails a drain that took nothing while the adders added', () => {
    expectProblem(
      problemsAfter(x64Kernel7, (boot) => (boot.results.default.drain.taken = 0)),
      /^default\.drain\.taken 0, expected more than 0 while the adders added \d+/,
    )
  })

  it("fails a thread that did not take V8 fast calls in the matrix's Node", () => {
    expectProblem(
      problemsAfter(x64Kernel7, (boot) => (boot.results.default.worker.callPath = 'napi')),
      /^default\.worker\.callPath 'napi', expected 'v8:fast' \(the matrix's Node 20 with its fast-calls prebuild\)$/,
    )
  })

  it('fails a test build whose adds never entered through the fast C callback', () => {
    expectProblem(
      problemsAfter(x64Kernel7, (boot) => (boot.results.instrumented.count.fastEntries = 0)),
      /^instrumented\.count\.fastEntries 0, expected more than 0: the adds enter through V8 fast calls$/,
    )
  })

  it('fails drains that took one less than was added', () => {
    const problems = problemsAfter(x64Kernel7, (boot) => (boot.results.own.drain.takenPlusLeft = boot.results.own.drain.added - 1))
    expectProblem(problems, /^own\.drain\.takenPlusLeft \d+, expected \d+ \(own\.drain\.added\)$/)
  })

  it.each(['exchange', 'snapshot'])(
    "fails drain mode '%s': membarrier's rseq commands make it 'fence' on every kernel of the matrix",
    (mode) => {
      const problems = problemsAfter(x64Kernel7, (boot) => {
        boot.results.default.drain.mode = mode
        boot.results.default.main.drain = mode
        boot.results.own.main.drain = mode
      })
      for (const where of ['default.drain.mode', 'default.main.drain', 'own.main.drain']) {
        expectProblem(problems, new RegExp(`^${where.replaceAll('.', '\\.')} '${mode}', expected 'fence' \\(membarrier has rseq commands`))
      }
    },
  )

  it("fails glibc 2.43 registering 32 bytes where the kernel's feature size is 33", () => {
    const problems = problemsAfter(x64Kernel7, (boot) => (boot.results.default.main.registration = { length: 32, mode: 'historical' }))
    expectProblem(problems, /^default\.main\.registration\.length 32, expected 33 \(glibc 2\.43, feature size 33\)$/)
  })

  it("fails glibc 2.36 registering the kernel's 33 bytes: before 2.41 glibc registers 32", () => {
    const problems = problemsAfter(
      x64Kernel7Bookworm,
      (boot) => (boot.results.default.main.registration = { length: 33, mode: 'extended' }),
    )
    expectProblem(problems, /^default\.main\.registration\.length 33, expected 32 \(glibc 2\.36, feature size 33\)$/)
  })

  it("fails a 33-byte registration calling itself 'historical'", () => {
    const problems = problemsAfter(x64Kernel7, (boot) => (boot.results.default.worker.registration.mode = 'historical'))
    expectProblem(problems, /^default\.worker\.registration\.mode 'historical', expected 'extended' \(33 bytes\)$/)
  })

  it('fails the package registering its own area shorter than the feature size rounded up to AT_RSEQ_ALIGN', () => {
    const problems = problemsAfter(x64Kernel7, (boot) => (boot.results.own.main.registration = { length: 33, mode: 'extended' }))
    expectProblem(problems, /^own\.main\.registration\.length 33, expected 64 \(strategy own, feature size 33, alignment 64\)$/)
  })

  it.each(['count', 'drain', 'histogram', 'compareAndMax', 'ownRegistrations', 'mmCidCount'])(
    'fails a run that printed no %s, instead of skipping it',
    (field) => {
      expectProblem(
        problemsAfter(x64Kernel7, (boot) => delete boot.results.default[field]),
        new RegExp(`^default\\.${field}: missing from the results$`),
      )
    },
  )

  it.each([
    ['count', 'observed'],
    ['count', 'expected'],
    ['histogram', 'sumUnits'],
    ['ownRegistrations', 'after'],
  ])('fails a %s result without its %s, rather than compare two missing values as equal', (field, part) => {
    const problems = problemsAfter(x64Kernel7, (boot) => delete boot.results.default[field][part])
    expectProblem(problems, new RegExp(`^default\\.${field}\\.${part}: missing from the results$`))
  })

  it('fails a test build whose count printed no aborts where the kernel restarts sequences', () => {
    expectProblem(
      problemsAfter(x64Kernel7, (boot) => delete boot.results.instrumented.count.aborts),
      /^instrumented\.count\.aborts: missing from the results$/,
    )
  })

  it('fails a boot whose doctor printed no feature size, which the registration lengths depend on', () => {
    expectProblem(
      problemsAfter(x64Kernel7, (boot) => delete boot.results.doctor.kernel.featureSize),
      /^doctor\.kernel\.featureSize: missing from the results$/,
    )
  })

  it('fails a drain result without what the drains took', () => {
    expectProblem(
      problemsAfter(x64Kernel7, (boot) => delete boot.results.default.drain.taken),
      /^default\.drain\.taken missing, expected more than 0/,
    )
  })

  it('fails info().mmCid false on a 6.3+ kernel where rseq is live', () => {
    const problems = problemsAfter(x64Kernel7, (boot) => (boot.results.default.main.mmCid = false))
    expectProblem(problems, /^default\.main\.mmCid false, expected true \(strategy glibc on Linux 7\.2\.13/)
  })

  it('fails a counter indexed by mm_cid that a worker did not index by mm_cid on a 6.3+ kernel', () => {
    const problems = problemsAfter(x64Kernel7, (boot) => (boot.results.own.mmCidCount.workers[1] = { mmCid: false, currentMmCid: -1 }))
    expectProblem(problems, /^own\.mmCidCount\.workers\.1\.mmCid false, expected true \(strategy own on Linux 7\.2\.13/)
    expectProblem(problems, /^own\.mmCidCount\.workers\.1\.currentMmCid -1, expected an id of 0 or more/)
  })

  it('fails a counter indexed by mm_cid that lost one update', () => {
    expectProblem(
      problemsAfter(x64Kernel7, (boot) => (boot.results.default.mmCidCount.observed -= 1)),
      /^default\.mmCidCount\.observed \d+, expected \d+ \(default\.mmCidCount\.expected\)$/,
    )
  })

  it('fails a count off by one', () => {
    const problems = problemsAfter(x64Kernel7, (boot) => (boot.results.default.count.observed = boot.results.default.count.expected - 1))
    expectProblem(problems, /^default\.count\.observed 159995, expected 159996 \(default\.count\.expected\)$/)
  })

  it('fails a self-test verdict other than the one matrix.json expects', () => {
    const problems = problemsAfter(x64Kernel7, (boot) => (boot.results.default.main.selfTest.verdict = 'does-not-restart'))
    expectProblem(problems, /^default\.main\.selfTest\.verdict 'does-not-restart', expected 'restarts' \(matrix\.json expects restarts\)$/)
  })

  it('fails an instrumented build that shows no aborts where the kernel restarts sequences', () => {
    expectProblem(
      problemsAfter(x64Kernel7, (boot) => (boot.results.instrumented.count.aborts = 0)),
      /^instrumented\.count\.aborts 0, expected more than 0/,
    )
  })

  it('fails a test build under SIGPROF that shows no aborts where the kernel restarts sequences', () => {
    expectProblem(
      problemsAfter(x64Kernel7, (boot) => (boot.results.signals.count.aborts = 0)),
      /^signals\.count\.aborts 0, expected more than 0/,
    )
  })

  it('fails a boot whose checks did not finish, or whose run exited non-zero', () => {
    const problems = problemsAfter(x64Kernel7, (boot) => {
      boot.done = false
      boot.exits.own = 1
    })
    expectProblem(problems, /^done false, expected true/)
    expectProblem(problems, /^exits\.own 1, expected 0/)
  })

  it('fails a record without the exit codes of its runs', () => {
    expectProblem(
      problemsAfter(x64Kernel7, (boot) => delete boot.exits),
      /^exits: missing from the record/,
    )
  })
})

describe('the kernel judge and mm_cid by kernel release', () => {
  it('fails info().mmCid false on Linux 6.12 where rseq is live', () => {
    const problems = problemsAfter(x64Kernel612, (boot) => (boot.results.pinned.info.mmCid = false))
    expectProblem(problems, /^pinned\.info\.mmCid false, expected true \(strategy glibc on Linux 6\.12\./)
  })

  it('fails info().mmCid true on Linux 6.1, which does not fill mm_cid', () => {
    const problems = problemsAfter(x64Kernel61, (boot) => (boot.results.default.main.mmCid = true))
    expectProblem(problems, /^default\.main\.mmCid true, expected false \(strategy glibc on Linux 6\.1\./)
  })

  it('fails a feature size that disagrees with the release: Linux 6.12 reports mm_cid', () => {
    const problems = problemsAfter(x64Kernel612, (boot) => (boot.results.doctor.kernel.featureSize = 0))
    expectProblem(problems, /^doctor\.kernel\.featureSize 0, expected at least 28 on Linux 6\.12\./)
  })
})

describe('the kernel judge on a kernel that does not restart sequences (arm64 7.0.13)', () => {
  it('fails an instrumented build with the self-test skipped that loses no updates', () => {
    const problems = problemsAfter(
      arm64Regression,
      (boot) => (boot.results.instrumented.count.observed = boot.results.instrumented.count.expected),
    )
    expectProblem(
      problems,
      /^instrumented\.count\.observed \d+, expected fewer than \d+: with the self-test skipped this kernel loses updates/,
    )
  })

  it('fails a worker that kept rseq where the self-test found the kernel does not restart', () => {
    const problems = problemsAfter(arm64Regression, (boot) => (boot.results.default.worker.strategy = 'glibc'))
    expectProblem(problems, /^default\.worker\.strategy 'glibc', expected 'fallback' \(self-test does-not-restart\)$/)
  })

  it('fails a reason that does not tell the user which kernels have the fix', () => {
    const problems = problemsAfter(arm64Regression, (boot) => (boot.results.own.main.reason = 'This kernel does not restart sequences.'))
    expectProblem(problems, /^own\.main\.reason does not name the fix/)
  })
})

describe('the registration length a strategy must show (expectedRegistrationLength)', () => {
  it.each([
    ['glibc', '2.36', 33, 64, 32],
    ['glibc', '2.40', 33, 64, 32],
    ['glibc', '2.41', 33, 64, 33],
    ['glibc', '2.43', 28, 32, 32],
    ['glibc', '2.43', 0, 0, 32],
    ['own', '2.43', 33, 64, 64],
    ['own', '2.36', 28, 32, 32],
    ['own', '2.36', 0, 0, 32],
    ['fallback', '2.43', 33, 64, null],
  ])('is, for %s with glibc %s, feature size %i and alignment %i: %s', (strategy, glibcVersion, featureSize, alignment, length) => {
    expect(expectedRegistrationLength(strategy, { glibcVersion, featureSize, alignment })).toBe(length)
  })
})
