// What the native and the TypeScript side share is stated once, in C++, and the portable path agrees with it:
// the per-CPU buffer's layout (native/percpu/percpu_layout.h) and the messages of the calls the binding refuses
// (native/binding/usage_strings.h) reach TypeScript only through copies that scripts/generate-native-facts.mjs
// writes from the addon's own layoutFacts() and usageStrings(). A committed copy that differs from what the
// addon exports now fails here, naming the command that writes it again; the portable path answers and throws
// the same; and no other source under native/ or lib/ states a message or the magic a second time.
import { readdirSync, readFileSync } from 'node:fs'
import * as path from 'node:path'
import { describe, expect, it } from 'vitest'
import type { NativeBinding, NativeLayout, StoreRegion } from '../lib/binding/binding-interface'
import { portableBinding } from '../lib/binding/portable-binding'
import { builtAddon, REGENERATE, renderNativeFacts } from '../scripts/generate-native-facts.mjs'
import { root } from './helpers/package-copy'

const addon = builtAddon() as NativeBinding
const portable = portableBinding('test/native-facts.test.ts', null)

/** The headers that state the facts, and the copies generated from them: the only sources that may hold them. */
const STATEMENTS = ['native/binding/usage_strings.h', 'native/percpu/percpu_layout.h']
const GENERATED = ['lib/binding/usage-strings.ts', 'lib/layout/percpu-layout-facts.ts']

describe('the TypeScript copies of the native facts', () => {
  it(`are what the addon exports now (else: ${REGENERATE})`, async () => {
    const rendered = await renderNativeFacts(addon)
    expect(rendered.map(({ file }) => file).sort()).toEqual([...GENERATED].sort())
    for (const { file, text } of rendered) {
      expect(readFileSync(path.join(root, file), 'utf8'), `${file} differs from what the addon exports: run ${REGENERATE}`).toBe(text)
    }
  })

  it('are what the portable path answers for layoutFacts() and usageStrings()', () => {
    expect(portable.layoutFacts()).toEqual(addon.layoutFacts())
    expect(portable.usageStrings()).toEqual(addon.usageStrings())
  })

  it('name every u32 field of the 128-byte header once, in an order that covers it', () => {
    const { headerFields, headerFieldCount, headerBytes } = addon.layoutFacts()
    expect(Object.values(headerFields).sort((a, b) => a - b)).toEqual([...Array(headerFieldCount).keys()])
    expect(headerFieldCount * 4).toBeLessThanOrEqual(headerBytes)
  })
})

describe('a call the binding refuses', () => {
  const usage = addon.usageStrings()
  const messages = new Set(Object.values(usage))
  const foreign = {} as NativeLayout & StoreRegion
  const out = new BigInt64Array(1)
  // Calls that both bindings refuse before touching memory, whatever this thread has attached.
  const refused: Record<string, (binding: NativeBinding) => unknown> = {
    'bind()': (binding) => (binding.bind as () => unknown)(),
    'bind(Float64Array)': (binding) => binding.bind(new Float64Array(16) as unknown as BigInt64Array),
    'bind(part of a buffer)': (binding) => binding.bind(new BigInt64Array(new SharedArrayBuffer(256), 8)),
    'bind(over an ArrayBuffer)': (binding) => binding.bind(new BigInt64Array(new ArrayBuffer(256))),
    'add(foreign)': (binding) => binding.add(foreign, 0, 1),
    'compareExchange(foreign)': (binding) => binding.compareExchange(foreign, 0, 0, 1),
    'drainCell(foreign)': (binding) => binding.drainCell(foreign, 0),
    'counterAddFunction(foreign)': (binding) => binding.counterAddFunction(foreign, 0, 'n'),
    'counterAddSlotNumberFunction(foreign)': (binding) => binding.counterAddSlotNumberFunction(foreign, 0, 'n'),
    'histogramObserveFunction(foreign)': (binding) => binding.histogramObserveFunction(foreign, Float64Array.of(1, 1), 0, 'c'),
    'bindNumberSlot(Float64Array(2))': (binding) => binding.bindNumberSlot(new Float64Array(2)),
    'storeRegionOfBuffer(ArrayBuffer)': (binding) => binding.storeRegionOfBuffer(new BigInt64Array(new ArrayBuffer(64))),
    'storeNameFile(foreign)': (binding) => binding.storeNameFile(foreign, '/nowhere'),
    'storeRegionState(foreign)': (binding) => binding.storeRegionState(foreign),
    'storeFileState(foreign)': (binding) => binding.storeFileState(foreign, '/nowhere'),
    'storeCloseRegion(foreign)': (binding) => binding.storeCloseRegion(foreign),
    'bindStoreCells(foreign)': (binding) => binding.bindStoreCells(foreign, 0, 128, 1, 128, 1, 0),
    'sumStoreCells(foreign)': (binding) => binding.sumStoreCells(foreign, 0, 1, out),
  }

  function thrown(call: () => unknown): string {
    try {
      call()
    } catch (error) {
      return error instanceof TypeError ? error.message : `not a TypeError: ${String(error)}`
    }
    return 'nothing thrown'
  }

  it.each(Object.keys(refused))('%s: the addon throws a message of its table, and the portable path the same', (name) => {
    const message = thrown(() => refused[name](addon))
    expect(messages.has(message), message).toBe(true)
    expect(thrown(() => refused[name](portable))).toBe(message)
  })
})

describe('the sources', () => {
  const sources = (folder: string, pattern: RegExp): string[] =>
    readdirSync(path.join(root, folder), { recursive: true })
      .map((file) => path.join(folder, String(file)))
      .filter((file) => pattern.test(file) && !STATEMENTS.includes(file) && !GENERATED.includes(file))
  const files = [...sources('native', /\.(cc|h)$/), ...sources('lib', /\.ts$/)].map((file) => ({
    file,
    text: readFileSync(path.join(root, file), 'utf8'),
  }))

  it('state no message of the tables a second time', () => {
    const texts = [...Object.values(addon.usageStrings()), ...Object.values(addon.layoutFacts().problems)]
    const repeated = texts.flatMap((message) => files.filter(({ text }) => text.includes(message)).map(({ file }) => `${file}: ${message}`))
    expect(files.length).toBeGreaterThan(100)
    expect(repeated).toEqual([])
  })

  it('state the magic a second time nowhere', () => {
    const magic = addon.layoutFacts().magic
    const spelled = [`0x${magic.toString(16)}`, String(magic)]
    expect(files.filter(({ text }) => spelled.some((spelling) => text.toLowerCase().includes(spelling))).map(({ file }) => file)).toEqual(
      [],
    )
  })
})
