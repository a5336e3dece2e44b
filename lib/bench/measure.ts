// Timing of single-thread methods: ns per call as the median over interleaved rounds.

export interface Spread {
  /** Median ns/op over the rounds. */
  median: number
  min: number
  max: number
}

// Each method gets a loop compiled for it alone, so that its call site stays monomorphic and V8 can
// inline the method as it would in user code; a shared loop would measure megamorphic dispatch. Each
// loop's source is unique, so V8's compilation cache cannot hand two methods one function and one
// feedback vector. The store into `scratch` may alias any typed array, which stops V8 from hoisting a
// load out of the loop: without it an inlined currentCpu() would be read once and the loop time nothing.
let loops = 0
function loopFor(method: () => number): (count: number) => number {
  const scratch = new Int32Array(8)
  const makeLoop = new Function(
    'method',
    'scratch',
    `/* loop ${loops++} */ return function loop(count) {
      let sink = 0
      for (let i = 0; i < count; i++) { sink = (sink + method()) | 0; scratch[i & 7] = sink }
      return sink
    }`,
  ) as (method: () => number, scratch: Int32Array) => (count: number) => number
  return makeLoop(method, scratch)
}

export function spreadOf(values: number[]): Spread {
  const sorted = [...values].sort((a, b) => a - b)
  const middle = sorted.length >> 1
  const median = sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2
  return { median, min: sorted[0], max: sorted[sorted.length - 1] }
}

export interface CompareOptions {
  iterations?: number
  rounds?: number
  warmup?: number
}

/**
 * Times every method ({ name: () => number }) for `rounds` rounds of `iterations` calls, the methods
 * taking turns within each round so that a noisy moment hits all of them alike.
 */
export function compare(methods: Record<string, () => number>, options: CompareOptions = {}): Record<string, Spread> {
  const { iterations = 2_000_000, rounds = 15, warmup = 3 } = options
  const timed = Object.entries(methods).map(([name, method]) => [name, loopFor(method)] as const)
  const samples: Record<string, number[]> = Object.fromEntries(timed.map(([name]) => [name, []]))
  let sink = 0
  for (let round = -warmup; round < rounds; round++) {
    for (const [name, loop] of timed) {
      const start = process.hrtime.bigint()
      sink += loop(iterations)
      const elapsed = Number(process.hrtime.bigint() - start)
      if (round >= 0) samples[name].push(elapsed / iterations)
    }
  }
  if (Number.isNaN(sink)) throw new Error('unreachable: keeps the loops from being optimised away')
  return Object.fromEntries(Object.entries(samples).map(([name, values]) => [name, spreadOf(values)]))
}

/** Wraps a function returning nothing so that it fits compare(). */
export function returningZero(call: () => unknown): () => number {
  return () => {
    call()
    return 0
  }
}

/** One line per method: median, min and max ns/op, and where a row carries one, its ratio to a baseline. */
export function formatTable(rows: Record<string, Spread & { ratio?: number }>, ratioTitle = 'x baseline'): string {
  const width = Math.max(24, ...Object.keys(rows).map((name) => name.length))
  const withRatio = Object.values(rows).some((row) => row.ratio !== undefined)
  const ratioColumn = (text: string) => (withRatio ? ` ${text.padStart(Math.max(10, ratioTitle.length))}` : '')
  const lines = [
    `${'method'.padEnd(width)} ${'median ns/op'.padStart(13)} ${'min'.padStart(8)} ${'max'.padStart(8)}${ratioColumn(ratioTitle)}`,
  ]
  for (const [name, { median, min, max, ratio }] of Object.entries(rows)) {
    lines.push(
      `${name.padEnd(width)} ${median.toFixed(2).padStart(13)} ${min.toFixed(2).padStart(8)} ${max.toFixed(2).padStart(8)}` +
        ratioColumn(ratio === undefined ? '' : `${ratio.toFixed(2)}x`),
    )
  }
  return lines.join('\n')
}
