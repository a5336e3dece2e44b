// PM2: the same app in cluster mode, INSTANCES instances (default 4) on one port, sharing one host-wide
// MetricStore. Any instance answers /metrics with every instance's counts; PM2 restarts an instance that dies,
// and the restarted one adds on to the same counters.
//   INSTANCES=2 pm2 start examples/cluster-server/ecosystem.config.js     (INSTANCES=max: one per CPU)
// INSTANCES, PORT, HOST and METRICS_STORE in the environment of `pm2 start` override the defaults (this file
// sets `instances`, which PM2's own `-i` does not override).
const instances = process.env.INSTANCES ?? '4' // a number, or PM2's 'max' (one per CPU)

module.exports = {
  apps: [
    {
      name: 'cluster-server',
      script: 'app.js',
      cwd: __dirname,
      exec_mode: 'cluster',
      instances: instances === 'max' ? 'max' : Number(instances),
      env: {
        PORT: process.env.PORT ?? '9464',
        HOST: process.env.HOST ?? '127.0.0.1',
        METRICS_STORE: process.env.METRICS_STORE ?? 'cluster-server.metrics',
      },
    },
  ],
}
