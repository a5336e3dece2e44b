// What each booted kernel must show, from the results its checks printed (test/fixtures/kernel-check.cjs).
// A kernel that restarts sequences: rseq on every thread, exact everywhere, the widened test build aborting
// and still exact. One that does not: fallback on every thread because of the self-test, exact anyway, and
// the test build with the self-test skipped losing updates, which is what the self-test prevents.
// Every result a check prints is required: a missing field is a failure, never a skip. Each problem names
// the field (its path in the boot's results) and the value it should have had.

const RUNS = ['default', 'own', 'pinned', 'instrumented', 'signals']
const LIVE_STRATEGIES = ['glibc', 'own', 'legacy']

/** drain()'s mode on every kernel of the matrix: all have membarrier(2)'s rseq commands (Linux 5.10+). */
export const DRAIN_MODE_WITH_MEMBARRIER_RSEQ = 'fence'
const WHY_FENCE = 'membarrier has rseq commands from Linux 5.10'

/** The rseq area's historical length, the one glibc registers before 2.41. */
export const HISTORICAL_LENGTH = 32
/** From glibc 2.41 the area is as long as the kernel's feature size (AT_RSEQ_FEATURE_SIZE), when longer. */
const GLIBC_FOLLOWS_FEATURE_SIZE_SINCE = [2, 41]
/** The kernel fills mm_cid from Linux 6.3, which reports a feature size of 28 (mm_cid's end) or more. */
const MM_CID_SINCE = [6, 3]
const MM_CID_FEATURE_END = 28

// --- reading the results ----------------------------------------------------------------------------

function at(object, where) {
  return where.split('.').reduce((value, key) => value?.[key], object)
}

/** The value at `where` in `results`, or undefined with a problem saying it is missing. */
function required(results, where, problems) {
  const value = at(results, where)
  if (value === undefined || value === null) problems.push(`${where}: missing from the results`)
  return value ?? undefined
}

function shown(value) {
  if (value === undefined) return 'missing'
  return typeof value === 'string' ? `'${value}'` : JSON.stringify(value)
}

/** Pushes `where actual, expected wanted (why)` unless they are equal. */
function expectEqual(where, actual, wanted, why, problems) {
  if (actual !== wanted) problems.push(`${where} ${shown(actual)}, expected ${shown(wanted)}${why ? ` (${why})` : ''}`)
}

/** [major, minor] of a release such as '7.2.13+deb14-amd64' or a glibc version such as '2.43'. */
function versionOf(text) {
  const match = /^(\d+)\.(\d+)/.exec(String(text))
  return match ? [Number(match[1]), Number(match[2])] : null
}

function atLeast([major, minor], [sinceMajor, sinceMinor]) {
  return major > sinceMajor || (major === sinceMajor && minor >= sinceMinor)
}

/** Whether a check printed a result (one that failed or did not parse already is a problem). */
function printed(result) {
  return Boolean(result) && !result.failed && !result.unparsable
}

// --- what the kernel and the C library should make the package do -----------------------------------

/**
 * The length of the rseq area `strategy` registers: glibc's by its version (32 bytes before 2.41, then
 * the kernel's feature size when larger), the package's own as the feature size rounded up to the
 * kernel's AT_RSEQ_ALIGN when larger than 32. null in fallback, which registers nothing; undefined for
 * `legacy`, whose area is the early adopter's (the matrix runs none).
 */
export function expectedRegistrationLength(strategy, { glibcVersion, featureSize, alignment }) {
  if (strategy === 'glibc') {
    const follows = atLeast(versionOf(glibcVersion) ?? [0, 0], GLIBC_FOLLOWS_FEATURE_SIZE_SINCE)
    return follows ? Math.max(featureSize, HISTORICAL_LENGTH) : HISTORICAL_LENGTH
  }
  if (strategy === 'own') {
    return featureSize > HISTORICAL_LENGTH ? Math.ceil(featureSize / alignment) * alignment : HISTORICAL_LENGTH
  }
  return strategy === 'fallback' ? null : undefined
}

/** 'historical' for the 32-byte area, 'extended' for any longer one. */
export function expectedRegistrationMode(length) {
  return length === HISTORICAL_LENGTH ? 'historical' : 'extended'
}

/** Whether a kernel of this release fills mm_cid (Linux 6.3+), from its release alone. */
export function kernelFillsMmCid(release) {
  const version = versionOf(release)
  return version !== null && atLeast(version, MM_CID_SINCE)
}

/** What a thread's info() must say about mm_cid: filled exactly where rseq is live on a 6.3+ kernel. */
function expectedMmCid(strategy, release) {
  return LIVE_STRATEGIES.includes(strategy) && kernelFillsMmCid(release)
}

// --- the checks ---------------------------------------------------------------------------------------

// The kernel's features as the doctor read them, checked against the release: from 6.3 the feature size
// covers mm_cid; before, the kernel reports none.
function kernelFacts(results, kernel, problems) {
  if (!kernel) problems.push('kernel: no RSEQ-KERNEL line on the console')
  const featureSize = required(results, 'doctor.kernel.featureSize', problems)
  const alignment = required(results, 'doctor.kernel.alignment', problems)
  const glibcVersion = required(results, 'doctor.glibc.version', problems)
  if (featureSize === undefined || alignment === undefined || glibcVersion === undefined || !kernel) return null
  if (kernelFillsMmCid(kernel) !== featureSize >= MM_CID_FEATURE_END) {
    const wanted = kernelFillsMmCid(kernel) ? `at least ${MM_CID_FEATURE_END}` : `below ${MM_CID_FEATURE_END}`
    problems.push(`doctor.kernel.featureSize ${featureSize}, expected ${wanted} on Linux ${kernel}`)
  }
  return { kernel, featureSize, alignment, glibcVersion }
}

// Every thread the checks described, by its path in the results.
const THREADS = [
  'default.main',
  'default.worker',
  'own.main',
  'own.worker',
  'pinned.info',
  'instrumented.info',
  'signals.info',
  'doctor.mainThread',
  'doctor.worker',
]

// What any thread's info() must say on this kernel: the registration its strategy makes, mm_cid filled
// where the kernel has it, and drain() fencing.
function threadInfo(where, info, facts, problems) {
  expectEqual(`${where}.drain`, info.drain, DRAIN_MODE_WITH_MEMBARRIER_RSEQ, WHY_FENCE, problems)
  // The matrix's Node (20) has a fast-calls build in the package, whatever the kernel.
  expectEqual(`${where}.callPath`, info.callPath, 'v8:fast', "the matrix's Node 20 with its fast-calls prebuild", problems)
  if (!facts) return
  expectEqual(
    `${where}.mmCid`,
    info.mmCid,
    expectedMmCid(info.strategy, facts.kernel),
    `strategy ${info.strategy} on Linux ${facts.kernel}`,
    problems,
  )
  const length = expectedRegistrationLength(info.strategy, facts)
  if (length === undefined)
    return problems.push(`${where}.strategy ${shown(info.strategy)}: no registration length is known for it on the matrix`)
  if (length === null)
    return expectEqual(`${where}.registration`, info.registration, null, `strategy ${info.strategy} registers nothing`, problems)
  if (!info.registration) return problems.push(`${where}.registration: missing, expected ${length} bytes for strategy ${info.strategy}`)
  const why =
    info.strategy === 'glibc'
      ? `glibc ${facts.glibcVersion}, feature size ${facts.featureSize}`
      : `strategy ${info.strategy}, feature size ${facts.featureSize}, alignment ${facts.alignment}`
  expectEqual(`${where}.registration.length`, info.registration.length, length, why, problems)
  expectEqual(
    `${where}.registration.mode`,
    info.registration.mode,
    expectedRegistrationMode(info.registration.length),
    `${info.registration.length} bytes`,
    problems,
  )
}

/** Whether each of `fields` of `result` is present, pushing a problem for each that is missing. */
function present(where, result, fields, problems) {
  const missing = fields.filter((field) => result?.[field] === undefined || result?.[field] === null)
  for (const field of missing) problems.push(`${where}.${field}: missing from the results`)
  return missing.length === 0
}

function count(where, result, problems) {
  if (!present(where, result, ['expected', 'observed'], problems)) return
  expectEqual(`${where}.observed`, result.observed, result.expected, `${where}.expected`, problems)
}

// The drains took what the adders added, no more and no less, and took something while they added.
function drain(where, result, problems) {
  if (!(result.added > 0)) problems.push(`${where}.added ${shown(result.added)}, expected more than 0 (the adders ran)`)
  if (!(result.taken > 0))
    problems.push(`${where}.taken ${shown(result.taken)}, expected more than 0 while the adders added ${result.added}`)
  expectEqual(`${where}.takenPlusLeft`, result.takenPlusLeft, result.added, `${where}.added`, problems)
  expectEqual(`${where}.mode`, result.mode, DRAIN_MODE_WITH_MEMBARRIER_RSEQ, WHY_FENCE, problems)
}

function histogram(where, result, problems) {
  if (!present(where, result, ['count', 'expectedCount', 'sumUnits', 'expectedSumUnits'], problems)) return
  expectEqual(`${where}.count`, result.count, result.expectedCount, `${where}.expectedCount`, problems)
  expectEqual(`${where}.sumUnits`, result.sumUnits, result.expectedSumUnits, `${where}.expectedSumUnits`, problems)
}

function compareAndMax(where, result, problems) {
  expectEqual(`${where}.stored`, result.stored, true, 'compare-and-store over the expected value', problems)
  expectEqual(`${where}.refused`, result.refused, true, 'compare-and-store over another value', problems)
  expectEqual(`${where}.largestMax`, result.largestMax, '7', 'max(7) then max(3)', problems)
}

function ownRegistrations(where, result, problems) {
  if (!present(where, result, ['before', 'after'], problems)) return
  expectEqual(`${where}.after`, result.after, result.before, `${where}.before: the workers unregistered what they registered`, problems)
}

// A counter indexed by mm_cid: exact, and on a 6.3+ kernel with rseq live really indexed by mm_cid on the
// main thread and in each worker (elsewhere it takes the atomics path, and says so).
function mmCidCount(where, result, facts, strategy, problems) {
  count(where, result, problems)
  if (!facts) return
  const wanted = expectedMmCid(strategy, facts.kernel)
  const why = `strategy ${strategy} on Linux ${facts.kernel}`
  expectEqual(`${where}.mmCid`, result.mmCid, wanted, why, problems)
  if (!Array.isArray(result.workers) || result.workers.length === 0) return problems.push(`${where}.workers: missing from the results`)
  result.workers.forEach((worker, index) => {
    expectEqual(`${where}.workers.${index}.mmCid`, worker.mmCid, wanted, why, problems)
    const id = worker.currentMmCid
    if (wanted ? !(id >= 0) : id !== -1)
      problems.push(`${where}.workers.${index}.currentMmCid ${shown(id)}, expected ${wanted ? 'an id of 0 or more' : '-1'} (${why})`)
  })
}

const EXACTNESS = { count, drain, histogram, compareAndMax, ownRegistrations }

// One 'all' run (default or own): exact in every structure, with the strategy and self-test verdict wanted.
function fullRun(label, wanted, row, results, facts, problems) {
  const result = results[label]
  if (!printed(result)) {
    return problems.push(`${label}: no result (${result?.failed ?? result?.unparsable ?? 'nothing printed'})`)
  }
  for (const [field, check] of Object.entries(EXACTNESS)) {
    const value = required(results, `${label}.${field}`, problems)
    if (value) check(`${label}.${field}`, value, problems)
  }
  const strategy = required(results, `${label}.main.strategy`, problems)
  const mmCid = required(results, `${label}.mmCidCount`, problems)
  if (mmCid) mmCidCount(`${label}.mmCidCount`, mmCid, facts, strategy, problems)
  for (const thread of ['main', 'worker']) {
    expectEqual(`${label}.${thread}.strategy`, result[thread]?.strategy, wanted, `self-test ${row.expect}`, problems)
    expectEqual(
      `${label}.${thread}.selfTest.verdict`,
      result[thread]?.selfTest?.verdict,
      row.expect,
      `matrix.json expects ${row.expect}`,
      problems,
    )
  }
  if (row.expect !== 'restarts' && !/7\.0\.14, 7\.1 or later/.test(result.main?.reason)) {
    problems.push(`${label}.main.reason does not name the fix (7.0.14, 7.1 or later): ${result.main?.reason}`)
  }
}

// The widened test build's count, or null with a problem when it printed none or fell back (then it
// showed nothing about the kernel).
function testBuild(label, results, description, problems) {
  const result = results[label]
  if (!result?.count) {
    problems.push(`${label}.count: missing from the results (${JSON.stringify(result)?.slice(0, 200)})`)
    return null
  }
  if (!present(`${label}.count`, result.count, ['expected', 'observed', 'aborts'], problems)) return null
  if (result.info?.strategy === 'fallback')
    problems.push(`${label}.info.strategy 'fallback', expected rseq live: a fallback shows nothing about the kernel`)
  const { expected, observed, aborts } = result.count
  return { expected, observed, aborts, text: `${description}: ${aborts} aborts, ${observed} of ${expected}` }
}

export function judge(row, { results = {}, exits, done, kernel }) {
  const problems = []
  if (done === undefined) problems.push('done: missing from the record (whether RSEQ-DONE reached the console)')
  else if (done !== true) problems.push('done false, expected true: the checks did not finish (no RSEQ-DONE on the console)')
  if (!exits) problems.push('exits: missing from the record (the exit code of each run)')
  else for (const label of RUNS) expectEqual(`exits.${label}`, exits[label], 0, 'killed, or failed, where not 0', problems)
  const restarts = row.expect === 'restarts'
  const facts = kernelFacts(results, kernel, problems)
  fullRun('default', restarts ? 'glibc' : 'fallback', row, results, facts, problems)
  fullRun('own', restarts ? 'own' : 'fallback', row, results, facts, problems)
  for (const where of THREADS) {
    const info = at(results, where)
    if (info) threadInfo(where, info, facts, problems)
    else if (printed(results[where.split('.')[0]])) problems.push(`${where}: missing from the results`)
  }

  const pinned = required(results, 'pinned.count', problems)
  if (pinned) count('pinned.count', pinned, problems)
  const pinnedStrategy = results.pinned?.info?.strategy
  if (restarts !== LIVE_STRATEGIES.includes(pinnedStrategy)) {
    problems.push(
      `pinned.info.strategy ${shown(pinnedStrategy)}, expected ${restarts ? 'rseq live' : "'fallback'"} (self-test ${row.expect})`,
    )
  }

  const preemption = testBuild('instrumented', results, 'test build pinned to one CPU', problems)
  if (preemption) {
    const { expected, observed, aborts } = preemption
    // The adds went in through V8's fast C callback once the workers' loops were optimized: the test build
    // counts those entries, so the aborts below include sequences entered that way.
    const fastEntries = results.instrumented.count.fastEntries
    if (!(fastEntries > 0))
      problems.push(`instrumented.count.fastEntries ${shown(fastEntries)}, expected more than 0: the adds enter through V8 fast calls`)
    if (restarts && aborts === 0)
      problems.push(
        `instrumented.count.aborts 0, expected more than 0: the kernel restarts sequences preempted on one CPU (${preemption.text})`,
      )
    if (restarts && observed !== expected)
      problems.push(`instrumented.count.observed ${observed}, expected ${expected}: restarted sequences lose nothing (${preemption.text})`)
    if (!restarts && observed === expected)
      problems.push(
        `instrumented.count.observed ${observed}, expected fewer than ${expected}: with the self-test skipped this kernel loses updates (${preemption.text})`,
      )
  }
  // Where the kernel restarts sequences, signal delivery must abort them too. On arm64 7.0.13 it depends on
  // the registration (measured: aborts with glibc 2.36's 32 bytes, none with glibc 2.43's 33), so there
  // the run is recorded, not judged: the self-test has already sent every thread to the fallback.
  const signals = testBuild('signals', results, 'test build under SIGPROF', problems)
  if (signals && restarts) {
    if (signals.aborts === 0)
      problems.push(`signals.count.aborts 0, expected more than 0: signal delivery aborts sequences (${signals.text})`)
    if (signals.observed !== signals.expected)
      problems.push(`signals.count.observed ${signals.observed}, expected ${signals.expected} (${signals.text})`)
  }
  const doctorVerdict = required(results, 'doctor.mainThread.selfTest.verdict', problems)
  if (doctorVerdict)
    expectEqual('doctor.mainThread.selfTest.verdict', doctorVerdict, row.expect, `matrix.json expects ${row.expect}`, problems)
  return { problems, summary: summary(results, kernel, preemption, signals) }
}

function summary(results, kernel, preemption, signals) {
  const { default: standard, own, doctor } = results
  const registration = standard?.main?.registration
  return [
    `kernel ${kernel}`,
    `glibc ${doctor?.glibc?.version}`,
    `${standard?.main?.strategy} / ${own?.main?.strategy}`,
    `self-test ${standard?.main?.selfTest?.verdict}`,
    registration ? `registration ${registration.length} bytes (${registration.mode})` : 'no registration',
    'exact',
    preemption?.text,
    signals?.text,
  ].join('; ')
}
