// A node:cluster server: the primary starts one worker per CPU, each running app.js, and starts a new one
// when a worker dies. Every worker counts into the same host-wide MetricStore and answers /metrics with
// the whole server's totals; the primary never collects anything from its workers.
//   node examples/cluster-server/server.js [--workers N]      (PORT, HOST, METRICS_STORE as app.js reads them)
const cluster = require('node:cluster')
const os = require('node:os')
const path = require('node:path')
const { parseArgs } = require('node:util')

const { values: options } = parseArgs({ options: { workers: { type: 'string', default: String(os.availableParallelism()) } } })

cluster.setupPrimary({ exec: path.join(__dirname, 'app.js') })
let stopping = false
let listening = 0
function start() {
  const worker = cluster.fork()
  worker.on('message', (message) => {
    if (message.listening !== undefined && ++listening === Number(options.workers)) {
      console.log(
        JSON.stringify({
          listening: `http://${process.env.HOST ?? '127.0.0.1'}:${message.listening}`,
          workers: Number(options.workers),
          primary: process.pid,
        }),
      )
    }
  })
}
for (let i = 0; i < Number(options.workers); i++) start()
cluster.on('exit', (worker, code, signal) => {
  if (stopping) return
  console.log(JSON.stringify({ restarting: worker.process.pid, code, signal }))
  start()
})

function stop() {
  stopping = true
  for (const worker of Object.values(cluster.workers)) worker.process.kill('SIGTERM')
}
process.on('SIGTERM', stop)
process.on('SIGINT', stop)
