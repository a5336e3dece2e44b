// What `require('rseq')` and `import 'rseq'` must hand a user: each export's typeof.
export const PUBLIC_API_TYPES = {
  info: 'function',
  currentCpu: 'function',
  currentMmCid: 'function',
  currentNumaNode: 'function',
  PerCpuCounter: 'function',
  PerCpuArray: 'function',
  PerCpuHistogram: 'function',
  MetricStore: 'function',
}
