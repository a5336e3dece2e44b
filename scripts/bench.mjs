// npm run bench: the figures of the design contract, measured in one run so that their ratios hold.
import { createRequire } from 'node:module'
import { compare, formatTable } from './lib/measure.mjs'

const require = createRequire(import.meta.url)
const rseq = require('rseq')
const { calibration } = require('rseq/internal')

function currentCpuFigures() {
  const results = compare({
    'currentCpu()': rseq.currentCpu,
    'raw N-API sched_getcpu()': calibration.schedGetcpu,
    'raw N-API empty call': calibration.emptyCall,
  })
  const ratio = results['raw N-API sched_getcpu()'].median / results['currentCpu()'].median
  return { results, ratio }
}

const info = rseq.info()
console.log(`rseq bench: node ${process.version}, ${process.arch}, strategy ${info.strategy}`)
console.log()
console.log('## current CPU')
const cpu = currentCpuFigures()
console.log(formatTable(cpu.results))
console.log(`currentCpu() is ${cpu.ratio.toFixed(1)}x faster than a raw N-API sched_getcpu() (target: >= 6x)`)
