// require('rseq') and import ... from 'rseq' both work, with types.
import * as path from 'node:path'
import { describe, expect, it } from 'vitest'
import { PUBLIC_API_TYPES } from './helpers/public-api'
import { runCommand, runNodeJson } from './helpers/run-node'

const root = path.join(__dirname, '..')

describe('module formats', () => {
  it("require('rseq') gives the API", async () => {
    const rseq = require(root)
    expect(typeof rseq.info).toBe('function')
    expect(typeof rseq.currentCpu).toBe('function')
    expect(rseq.info().strategy).toMatch(/^(glibc|own|legacy|fallback)$/)
  })

  it("import { info } from 'rseq' gives the same functions as the default import", async () => {
    const result = await runNodeJson<{ namedTypes: Record<string, string>; sameAsDefault: boolean; promClient: string[]; cpu: number }>(
      'esm-consumer.mjs',
    )
    expect(result.namedTypes).toEqual(PUBLIC_API_TYPES)
    expect(result.sameAsDefault).toBe(true)
    expect(result.promClient).toEqual(['function', 'function'])
    expect(result.cpu).toBeGreaterThanOrEqual(0)
  })

  it('type-checks a TypeScript consumer against the published declarations', async () => {
    const tsc = require.resolve('typescript/bin/tsc')
    const consumer = path.join(root, 'test', 'fixtures', 'types-consumer.ts')
    const args = [tsc, '--noEmit', '--strict', '--module', 'node16', '--moduleResolution', 'node16', '--types', 'node', consumer]
    const checked = await runCommand(process.execPath, args, { cwd: root })
    expect(checked.status, checked.stdout + checked.stderr).toBe(0)
  })
})
