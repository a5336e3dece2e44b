// For every project: a green run prints no warning it does not explain. A process warning emitted in a test
// file fails the test that was running (or, emitted while the file loads, its first test; after its last test,
// the file); a test that causes one on purpose catches it and asserts it (test/helpers/captured-warnings.ts,
// test/helpers/load-warnings.ts), and then it never reaches this listener. Child processes' output is each
// test's own to assert.
import { afterAll, afterEach, expect } from 'vitest'

const emitted: string[] = []
process.on('warning', (warning) =>
  emitted.push(`${warning.name}${'code' in warning ? ` ${String(warning.code)}` : ''}: ${warning.message}`),
)

/** Node emits 'warning' on a later tick than process.emitWarning(): one macrotask lets those of the test arrive. */
async function expectNoWarning(): Promise<void> {
  await new Promise((resolve) => setImmediate(resolve))
  expect(emitted.splice(0), 'process warnings no test caught').toEqual([])
}

afterEach(expectNoWarning)
afterAll(expectNoWarning)
