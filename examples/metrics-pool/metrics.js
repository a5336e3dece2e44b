// The pool's metrics, declared the same way by the main thread and every worker: a declaration finds the
// metric the store already has (a name has one definition in a store).
function declareMetrics(store) {
  return {
    jobs: store.counter('jobs_total', { labelNames: ['size'], help: 'Jobs the pool finished, by size of n' }),
    durations: store.histogram('job_duration_seconds', {
      buckets: [0.0001, 0.0005, 0.001, 0.005, 0.01, 0.05, 0.1],
      resolution: 1e-9,
      help: 'Time a worker spent on a job',
    }),
  }
}

module.exports = { declareMetrics }
