// What each booted kernel must show, from the results its checks printed (test/fixtures/kernel-check.cjs).
// A kernel that restarts sequences: rseq on every thread, exact everywhere, the widened test build aborting
// and still exact. One that does not: fallback on every thread because of the self-test, exact anyway, and
// the test build with the self-test skipped losing updates, which is what the self-test prevents.

function exactness(result, where, problems) {
  if (!result || result.failed || result.unparsable) {
    problems.push(`${where}: no result (${result?.failed ?? result?.unparsable ?? 'nothing printed'})`)
    return false
  }
  const { count, drain, histogram, compareAndMax, ownRegistrations } = result
  if (count.observed !== count.expected) problems.push(`${where}: counted ${count.observed}, expected ${count.expected}`)
  if (drain && drain.takenPlusLeft !== drain.added) problems.push(`${where}: drains took ${drain.takenPlusLeft} of ${drain.added}`)
  if (histogram && (histogram.count !== histogram.expectedCount || histogram.sumUnits !== histogram.expectedSumUnits)) {
    problems.push(`${where}: histogram ${JSON.stringify(histogram)}`)
  }
  if (compareAndMax && !(compareAndMax.stored && compareAndMax.refused && compareAndMax.largestMax === '7')) {
    problems.push(`${where}: compare-and-store / max ${JSON.stringify(compareAndMax)}`)
  }
  if (ownRegistrations && ownRegistrations.after !== ownRegistrations.before) {
    problems.push(`${where}: own registrations ${ownRegistrations.before} before the workers, ${ownRegistrations.after} after`)
  }
  return true
}

// The widened test build's count, or a problem when it printed none or fell back (then it showed nothing
// about the kernel).
function testBuild(result, where, description, problems) {
  if (!result?.count) {
    problems.push(`${where}: no result (${JSON.stringify(result)})`)
    return null
  }
  if (result.info.strategy === 'fallback') problems.push(`${where}: fell back, so it showed nothing about the kernel`)
  const { expected, observed, aborts } = result.count
  return { expected, observed, aborts, text: `${description}: ${aborts} aborts, ${observed} of ${expected}` }
}

export function judge(row, { results, exits, done, kernel }) {
  const problems = []
  if (!done) problems.push('the checks did not finish (no RSEQ-DONE on the console)')
  for (const label of ['default', 'own', 'pinned', 'instrumented', 'signals']) {
    if (exits[label] !== 0) problems.push(`${label}: exited with ${exits[label] ?? 'nothing'} (killed, or failed)`)
  }
  const { default: standard, own, pinned, instrumented, doctor } = results
  const restarts = row.expect === 'restarts'
  const liveOrFallback = restarts ? (strategy) => strategy !== 'fallback' : (strategy) => strategy === 'fallback'
  for (const [where, result, wanted] of [['default', standard, restarts ? 'glibc' : 'fallback'], ['own', own, restarts ? 'own' : 'fallback']]) {
    if (!exactness(result, where, problems)) continue
    const strategies = [result.main.strategy, result.worker.strategy]
    if (!strategies.every((strategy) => strategy === wanted)) problems.push(`${where}: strategies ${strategies}, expected ${wanted}`)
    if (result.main.selfTest.verdict !== row.expect) problems.push(`${where}: self-test ${result.main.selfTest.verdict}: ${result.main.selfTest.detail}`)
    if (!restarts && !/7\.0\.14, 7\.1 or later/.test(result.main.reason)) problems.push(`${where}: the reason does not name the fix: ${result.main.reason}`)
  }
  // The package's own area: 32 bytes, or (Linux 6.3+) the feature size rounded up to AT_RSEQ_ALIGN.
  const features = doctor?.kernel
  if (restarts && features && own?.main?.registration) {
    const { featureSize, alignment } = features
    const wanted = featureSize > 32 ? Math.ceil(featureSize / alignment) * alignment : 32
    if (own.main.registration.length !== wanted) problems.push(`own: registered ${own.main.registration.length} bytes, expected ${wanted}`)
  }
  if (exactness(pinned, 'pinned', problems) && !liveOrFallback(pinned.info.strategy)) problems.push(`pinned: strategy ${pinned.info.strategy}`)
  const preemption = testBuild(instrumented, 'instrumented', 'test build pinned to one CPU', problems)
  if (preemption) {
    const { expected, observed, aborts } = preemption
    if (restarts && (observed !== expected || aborts === 0)) problems.push(`instrumented: ${preemption.text} (expected aborts and exactness)`)
    if (!restarts && observed === expected) problems.push(`instrumented: ${preemption.text} (expected lost updates without the self-test)`)
  }
  // Where the kernel restarts sequences, signal delivery must abort them too. On arm64 7.0.13 it depends on
  // the registration (measured: aborts with glibc 2.36's 32 bytes, none with glibc 2.43's 33), so there
  // the run is recorded, not judged: the self-test has already sent every thread to the fallback.
  const signals = testBuild(results.signals, 'signals', 'test build under SIGPROF', problems)
  if (signals && restarts && (signals.aborts === 0 || signals.observed !== signals.expected)) {
    problems.push(`signals: ${signals.text} (expected aborts and exactness)`)
  }
  if (!doctor || doctor.mainThread?.selfTest?.verdict !== row.expect) problems.push(`doctor: ${JSON.stringify(doctor)?.slice(0, 300)}`)
  const registration = standard?.main?.registration
  const summary = [
    `kernel ${kernel}`,
    `glibc ${doctor?.glibc?.version}`,
    `${standard?.main?.strategy} / ${own?.main?.strategy}`,
    `self-test ${standard?.main?.selfTest?.verdict}`,
    registration ? `registration ${registration.length} bytes (${registration.mode})` : 'no registration',
    'exact',
    preemption?.text,
    signals?.text,
  ].join('; ')
  return { problems, summary }
}
