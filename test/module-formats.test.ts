// require('rseq') and import ... from 'rseq' both work, with types.
import { copyFileSync, mkdirSync, rmSync, symlinkSync } from 'node:fs'
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

  // A consumer resolves `rseq` by name from its node_modules, here a link to the checkout, as under each module
  // resolution TypeScript has: node10 (what "module": "commonjs" gives) finds the subpaths through typesVersions,
  // the others through exports.
  it.each([
    ['node10', 'commonjs'],
    ['node16', 'node16'],
    ['nodenext', 'nodenext'],
    ['bundler', 'esnext'],
  ])(
    'type-checks a TypeScript consumer of every subpath against the published declarations (moduleResolution %s)',
    async (resolution, module) => {
      const consumer = path.join(root, 'test', '.build', `types-consumer-${resolution}`)
      rmSync(consumer, { recursive: true, force: true })
      mkdirSync(path.join(consumer, 'node_modules'), { recursive: true })
      symlinkSync(root, path.join(consumer, 'node_modules', 'rseq'))
      copyFileSync(path.join(root, 'test', 'fixtures', 'types-consumer.ts'), path.join(consumer, 'consumer.ts'))
      const tsc = require.resolve('typescript/bin/tsc')
      const options = ['--noEmit', '--strict', '--target', 'es2022', '--module', module, '--moduleResolution', resolution]
      const types = ['--types', 'node', '--typeRoots', path.join(root, 'node_modules', '@types')]
      const checked = await runCommand(process.execPath, [tsc, ...options, ...types, 'consumer.ts'], { cwd: consumer })
      expect(checked.status, checked.stdout + checked.stderr).toBe(0)
    },
  )
})
