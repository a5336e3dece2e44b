// rseq/prom-client: per-CPU objects exported as prom-client metrics read at scrape time, and the example
// worker pool serving /metrics on loopback, checked with real HTTP requests.
import { spawn, spawnSync } from 'node:child_process'
import { once } from 'node:events'
import { writeFileSync, mkdirSync } from 'node:fs'
import * as path from 'node:path'
import { Counter, Histogram, Registry } from 'prom-client'
import { describe, expect, it } from 'vitest'
import { PerCpuCounter, PerCpuHistogram } from '../lib'
import { PerCpuCounterMetric, PerCpuHistogramMetric } from '../lib/exporters/prom-client'

const root = path.join(__dirname, '..')

/** Metric lines of the text format as { 'name{labels}': value }. */
function parseExposition(text: string): Record<string, number> {
  const samples: Record<string, number> = {}
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue
    const at = line.lastIndexOf(' ')
    samples[line.slice(0, at)] = Number(line.slice(at + 1))
  }
  return samples
}

describe('PerCpuCounterMetric', () => {
  it('is a prom-client Counter whose value is the per-CPU sum when scraped', async () => {
    const registry = new Registry()
    const counter = new PerCpuCounter()
    const metric = new PerCpuCounterMetric(counter, { name: 'requests_total', help: 'requests', registers: [registry] })
    expect(metric).toBeInstanceOf(Counter)
    counter.add(40)
    PerCpuCounter.from(counter.buffer).add(2)
    expect(parseExposition(await registry.metrics())).toEqual({ requests_total: 42 })
    counter.add(8)
    expect(parseExposition(await registry.metrics())).toEqual({ requests_total: 50 })
    expect((await registry.getMetricsAsJSON())[0]).toMatchObject({ name: 'requests_total', type: 'counter', values: [{ value: 50 }] })
  })

  it('reads the per-CPU counter when scraped and never adds to it', async () => {
    const registry = new Registry()
    const counter = new PerCpuCounter()
    const metric = new PerCpuCounterMetric(counter, { name: 'scrapes_total', help: 'scrapes', registers: [registry] })
    counter.add(7)
    for (let scrape = 0; scrape < 5; scrape++) {
      expect(parseExposition(await registry.metrics())).toEqual({ scrapes_total: 7 })
      expect((await metric.get()).values).toMatchObject([{ value: 7 }])
    }
    expect(counter.value()).toBe(7)
  })

  it('inc() adds to the per-CPU counter; labels and negative values are refused', async () => {
    const counter = new PerCpuCounter()
    const metric = new PerCpuCounterMetric(counter, { name: 'jobs_total', help: 'jobs', registers: [] })
    metric.inc()
    metric.inc(4)
    expect(counter.value()).toBe(5)
    expect(() => metric.inc({ kind: 'a' } as never)).toThrow(/labels and exemplars are not supported/)
    expect(() => metric.inc(-1)).toThrow(/must not be negative/)
    expect(counter.value()).toBe(5)
  })

  it('exports a sum below zero as 0, since Prometheus counters do not go down', async () => {
    const registry = new Registry()
    const counter = new PerCpuCounter()
    new PerCpuCounterMetric(counter, { name: 'balance_total', help: 'b', registers: [registry] })
    counter.add(-3)
    expect(parseExposition(await registry.metrics())).toEqual({ balance_total: 0 })
  })

  it('names what is wrong with its arguments', () => {
    const counter = new PerCpuCounter()
    expect(() => new PerCpuCounterMetric({} as never, { name: 'a', help: 'a', registers: [] })).toThrow(/`counter` must be a PerCpuCounter/)
    expect(() => new PerCpuCounterMetric(counter, null as never)).toThrow(/`configuration` must be an object/)
    expect(() => new PerCpuCounterMetric(counter, { name: 'a', help: 'a', registers: [], labelNames: ['x'] } as never)).toThrow(
      /labelNames` is not supported/,
    )
  })
})

describe('PerCpuHistogramMetric', () => {
  it('is a prom-client Histogram with the per-CPU bounds, cumulative buckets, sum and count at scrape time', async () => {
    const registry = new Registry()
    const histogram = new PerCpuHistogram({ buckets: [0.5, 1, 10], resolution: 0.25 })
    const metric = new PerCpuHistogramMetric(histogram, { name: 'latency_seconds', help: 'latency', registers: [registry] })
    expect(metric).toBeInstanceOf(Histogram)
    for (const value of [0.25, 0.5, 0.75, 2, 20]) histogram.observe(value)
    metric.observe(0.75)
    expect(parseExposition(await registry.metrics())).toEqual({
      'latency_seconds_bucket{le="0.5"}': 2,
      'latency_seconds_bucket{le="1"}': 4,
      'latency_seconds_bucket{le="10"}': 5,
      'latency_seconds_bucket{le="+Inf"}': 6,
      latency_seconds_sum: 24.25,
      latency_seconds_count: 6,
    })
    const [json] = await registry.getMetricsAsJSON()
    expect(json).toMatchObject({ name: 'latency_seconds', type: 'histogram' })
    expect(json.values).toContainEqual(expect.objectContaining({ metricName: 'latency_seconds_count', value: 6 }))
  })

  it('observe() takes one number only', () => {
    const metric = new PerCpuHistogramMetric(new PerCpuHistogram({ buckets: [1] }), { name: 'h', help: 'h', registers: [] })
    expect(() => metric.observe({ route: '/' } as never, 1 as never)).toThrow(/only a number is taken/)
    expect(metric.histogram.snapshot().count).toBe(0n)
  })
})

describe('without prom-client installed', () => {
  it('rseq/prom-client says what to install; the rest of the package does not need it', () => {
    // A preload that makes prom-client unresolvable, as in an install without the optional peer.
    const dir = path.join(__dirname, '.build')
    mkdirSync(dir, { recursive: true })
    const hide = path.join(dir, 'hide-prom-client.cjs')
    writeFileSync(
      hide,
      "const Module = require('node:module')\nconst resolve = Module._resolveFilename\n" +
        'Module._resolveFilename = function (request, ...rest) {\n' +
        "  if (request === 'prom-client') throw Object.assign(new Error(\"Cannot find module 'prom-client'\"), { code: 'MODULE_NOT_FOUND' })\n" +
        '  return resolve.call(this, request, ...rest)\n}\n',
    )
    const script =
      "const { PerCpuCounter } = require('rseq'); new PerCpuCounter().add();" +
      "try { require('rseq/prom-client') } catch (error) { console.log(error.message.split('\\n')[0]) }"
    const child = spawnSync(process.execPath, ['--require', hide, '-e', script], { cwd: root, encoding: 'utf8' })
    expect(child.status, child.stderr).toBe(0)
    expect(child.stdout.trim()).toBe(
      'rseq/prom-client needs the prom-client package (an optional peer dependency): npm install prom-client',
    )
  })
})

describe('examples/metrics-pool: a worker pool serving /metrics on loopback', () => {
  it('counts every job the workers did and exports them through a real HTTP scrape', async () => {
    const server = spawn(process.execPath, [path.join(root, 'examples', 'metrics-pool', 'server.js'), '--port', '0', '--workers', '3'], {
      cwd: root,
      stdio: ['ignore', 'pipe', 'inherit'],
    })
    try {
      const [firstLine] = await once(server.stdout!, 'data')
      const { listening, workers } = JSON.parse(String(firstLine))
      expect(listening).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/)
      expect(workers).toBe(3)

      const jobs = 120
      const results: Array<{ primes: number; worker: number }> = []
      for (let batch = 0; batch < jobs / 12; batch++) {
        const responses = await Promise.all(Array.from({ length: 12 }, () => fetch(`${listening}/work?n=20000`)))
        for (const response of responses) results.push(await response.json())
      }
      expect(results.every((result) => result.primes === 2262)).toBe(true)
      expect(new Set(results.map((result) => result.worker)).size).toBeGreaterThan(1)

      const scrape = await fetch(`${listening}/metrics`)
      expect(scrape.status).toBe(200)
      expect(scrape.headers.get('content-type')).toMatch(/^text\/plain/)
      const samples = parseExposition(await scrape.text())
      expect(samples['jobs_total{size="small"}']).toBe(jobs)
      expect(samples.job_duration_seconds_count).toBe(jobs)
      expect(samples['job_duration_seconds_bucket{le="+Inf"}']).toBe(jobs)
      expect(samples.job_duration_seconds_sum).toBeGreaterThan(0)
      const buckets = Object.entries(samples)
        .filter(([name]) => name.startsWith('job_duration_seconds_bucket'))
        .map(([, value]) => value)
      expect(buckets).toEqual([...buckets].sort((a, b) => a - b))

      expect((await fetch(`${listening}/work?n=1`)).status).toBe(400)
    } finally {
      server.kill('SIGTERM')
    }
    const [code] = await once(server, 'exit')
    expect(code).toBe(0)
  })
})
