// Timing harness for the benchmarks: ns per operation as the median over interleaved rounds.

// Each method gets a loop compiled for it alone, so its call site stays monomorphic and V8 can inline
// the method as it would in user code; a shared loop would measure the megamorphic dispatch instead.
// The store into `scratch` may alias any typed array, which stops V8 from hoisting a load out of the
// loop: without it a currentCpu() that V8 inlines would be read once and the loop would time nothing.
// Each loop's source is made unique, so that V8's compilation cache cannot hand two methods (or two
// runs) the same function with the same feedback.
let loops = 0
function loopFor(method) {
  const scratch = new Int32Array(8)
  // eslint-disable-next-line no-new-func
  const makeLoop = new Function(
    'method',
    'scratch',
    `/* loop ${loops++} */ return function loop(count) {
      let sink = 0
      for (let i = 0; i < count; i++) { sink = (sink + method()) | 0; scratch[i & 7] = sink }
      return sink
    }`,
  )
  return makeLoop(method, scratch)
}

function median(sorted) {
  const middle = sorted.length >> 1
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2
}

/**
 * Times every method in `methods` ({ name: () => number }) for `rounds` rounds of `iterations` calls,
 * the methods taking turns within each round so that a noisy moment hits all of them alike.
 * Returns { name: { median, min, max } } in ns/op.
 */
export function compare(methods, { iterations = 2_000_000, rounds = 15, warmup = 3 } = {}) {
  const loops = Object.entries(methods).map(([name, method]) => [name, loopFor(method)])
  const samples = Object.fromEntries(loops.map(([name]) => [name, []]))
  let sink = 0
  for (let round = -warmup; round < rounds; round++) {
    for (const [name, loop] of loops) {
      const start = process.hrtime.bigint()
      sink += loop(iterations)
      const elapsed = Number(process.hrtime.bigint() - start)
      if (round >= 0) samples[name].push(elapsed / iterations)
    }
  }
  if (Number.isNaN(sink)) throw new Error('unreachable: keeps the loops from being optimised away')
  return Object.fromEntries(
    Object.entries(samples).map(([name, values]) => {
      const sorted = values.sort((a, b) => a - b)
      return [name, { median: median(sorted), min: sorted[0], max: sorted[sorted.length - 1] }]
    }),
  )
}

export function formatTable(results) {
  const lines = [`${'method'.padEnd(46)} ${'median ns/op'.padStart(13)} ${'min'.padStart(8)} ${'max'.padStart(8)}`]
  for (const [name, { median: mid, min, max }] of Object.entries(results)) {
    lines.push(`${name.padEnd(46)} ${mid.toFixed(2).padStart(13)} ${min.toFixed(2).padStart(8)} ${max.toFixed(2).padStart(8)}`)
  }
  return lines.join('\n')
}
