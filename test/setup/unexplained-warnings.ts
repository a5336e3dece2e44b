// For every project: a green run prints no warning it does not explain. A process warning emitted in a test
// file fails the test that was running (or, emitted while the file loads, its first test); a test that causes
// one on purpose catches it and asserts it (test/helpers/captured-warnings.ts, test/helpers/load-warnings.ts),
// and then it never reaches this listener. Child processes' output is each test's own to assert.
import { afterEach, expect } from 'vitest'

const emitted: string[] = []
process.on('warning', (warning) =>
  emitted.push(`${warning.name}${'code' in warning ? ` ${String(warning.code)}` : ''}: ${warning.message}`),
)

afterEach(() => {
  expect(emitted.splice(0), 'process warnings no test caught').toEqual([])
})
