// A host-wide store is a file in tmpfs: private to its user, never opened through a symlink or when it is
// not a regular file of the caller, checked whole before use, and a clear error (naming the file) for any
// file that is not a store this package can use. A file shrunk or removed under running processes neither
// crashes them nor goes unnoticed.
import { spawn } from 'node:child_process'
import * as fs from 'node:fs'
import * as path from 'node:path'
import fc from 'fast-check'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { MetricStore } from '../lib'
import { STORE_HEADER_BYTES, STORE_VERSION, StoreField, fnv1a } from '../lib/layout/store-layout'
import { fixRecordChecksum } from './helpers/store-bytes'
import { cleanEnvironment, fixturesDir, runCommand, runNodeJson } from './helpers/run-node'

const directory = path.join('/dev/shm', `rseq-store-files-${process.pid}`)
const at = (name: string) => path.join(directory, name)

beforeAll(() => fs.mkdirSync(directory, { recursive: true }))
afterAll(() => fs.rmSync(directory, { recursive: true, force: true }))

/** What `options.mode` must be, as MetricStore.open() says it. */
const MODE_RULE =
  'MetricStore.open(path, options): `options.mode` must be a file mode that lets its owner read and write (0o600) and adds at most read and ' +
  'write for group and others (0o066): no execute or special bits, such as 0o600 or 0o660'

/** A store file with a counter series and a histogram series, closed again. */
function madeStore(name: string): string {
  const file = at(name)
  const store = MetricStore.open(file)
  store.counter('made_total', { labelNames: ['a'] }).add(5, { a: 'x' })
  store.histogram('made_seconds', { buckets: [1, 2] }).observe(1.5)
  store.close()
  return file
}

/** Rewrites the u32 header field `field` of a store file, and its checksum unless told not to. */
function rewriteHeader(file: string, field: number, value: number, checksum = true): void {
  const bytes = fs.readFileSync(file)
  bytes.writeUInt32LE(value, field * 4)
  if (checksum) bytes.writeUInt32LE(fnv1a(bytes, 0, StoreField.Checksum * 4), StoreField.Checksum * 4)
  fs.writeFileSync(file, bytes)
}

describe('MetricStore.open(path)', () => {
  it('creates a private regular file of this user, mode 0600 whatever the umask, and attaches to it after', () => {
    const file = at('fresh.metrics')
    // A umask that takes the owner's write bit: the file still gets exactly 0600.
    const previous = process.umask(0o277)
    try {
      MetricStore.open(file).counter('c_total').add(2)
    } finally {
      process.umask(previous)
    }
    const status = fs.lstatSync(file)
    expect(status.isFile()).toBe(true)
    expect(status.mode & 0o777).toBe(0o600)
    expect(status.uid).toBe(process.getuid!())
    expect(status.size % 4096).toBe(0)
    const again = MetricStore.open(file)
    expect(again.scope).toBe('host-wide')
    expect(again.path).toBe(file)
    expect(again.buffer).toBeNull()
    expect(again.counter('c_total').value()).toBe(2)
  })

  it('creates the file with exactly the mode given, whatever the umask', () => {
    const previous = process.umask(0o077)
    try {
      MetricStore.open(at('shared.metrics'), { mode: 0o640 })
    } finally {
      process.umask(previous)
    }
    expect(fs.statSync(at('shared.metrics')).mode & 0o777).toBe(0o640)
  })

  it('refuses a mode that keeps its owner from reading and writing it', () => {
    expect(() => MetricStore.open(at('read-only.metrics'), { mode: 0o444 })).toThrow(`${MODE_RULE}, got 0o444`)
    expect(fs.existsSync(at('read-only.metrics'))).toBe(false)
  })

  it('refuses a mode with execute or special bits: a store is never executable', () => {
    for (const mode of [0o777, 0o700, 0o610, 0o601, 0o1600, 0o4600]) {
      const file = at(`mode-${mode.toString(8)}.metrics`)
      expect(() => MetricStore.open(file, { mode })).toThrow(`${MODE_RULE}, got 0o${mode.toString(8)}`)
      expect(fs.existsSync(file)).toBe(false)
    }
  })

  it('reads `options.mode` as an own property only: an inherited mode is none', () => {
    MetricStore.open(at('inherited-mode.metrics'), Object.create({ mode: 0o666 }))
    expect(fs.statSync(at('inherited-mode.metrics')).mode & 0o777).toBe(0o600)
  })

  it('refuses an existing store that users other than its owner may write, unless opened with that mode on purpose', () => {
    const file = madeStore('writable.metrics')
    for (const mode of [0o620, 0o602, 0o666]) {
      fs.chmodSync(file, mode)
      expect(() => MetricStore.open(file), `mode 0o${mode.toString(8)}`).toThrow(
        `MetricStore.open(path, options): ${file} has mode 0o${mode.toString(8)}, which lets users other than its owner write it: any of them can ` +
          `change every count in the store or corrupt it. Make it private (chmod 600 ${file}), or, if it is shared with them on purpose, ` +
          'open it with that mode in `options.mode` in every process',
      )
    }
    // The mode given allows the write bits it has, and only those.
    fs.chmodSync(file, 0o660)
    expect(
      MetricStore.open(file, { mode: 0o660 })
        .counter('made_total', { labelNames: ['a'] })
        .value({ a: 'x' }),
    ).toBe(5)
    expect(() => MetricStore.open(file, { mode: 0o640 })).toThrow(`${file} has mode 0o660, which lets users other than its owner write it`)
    fs.chmodSync(file, 0o666)
    expect(() => MetricStore.open(file, { mode: 0o660 })).toThrow(`${file} has mode 0o666, which lets users other than its owner write it`)
    // A store made group-writable on purpose is opened so on purpose in every process.
    const shared = at('group-writable.metrics')
    MetricStore.open(shared, { mode: 0o660 }).counter('shared_total').add()
    expect(() => MetricStore.open(shared)).toThrow(`${shared} has mode 0o660, which lets users other than its owner write it`)
    expect(MetricStore.open(shared, { mode: 0o660 }).counter('shared_total').value()).toBe(1)
  })

  it('refuses a file of 4 GiB or more before mapping it', () => {
    const file = at('huge.metrics')
    fs.writeFileSync(file, '', { mode: 0o600 })
    fs.truncateSync(file, 5 * 2 ** 30)
    expect(() => MetricStore.open(file)).toThrow(`${file} is 5368709120 bytes long, which no metric store is`)
  })

  it('takes a bare name as a file in /dev/shm', () => {
    const name = `rseq-bare-name-${process.pid}.metrics`
    try {
      expect(MetricStore.open(name).path).toBe(path.join('/dev/shm', name))
      expect(fs.existsSync(path.join('/dev/shm', name))).toBe(true)
    } finally {
      expect(MetricStore.remove(name)).toBe(true)
    }
  })

  it("keeps an existing store's capacity: the one asked for applies to creation only", () => {
    const file = at('capacity.metrics')
    MetricStore.open(file, { capacity: { series: 2 } })
    expect(MetricStore.open(file, { capacity: { series: 4000 } }).usage().series.capacity).toBe(2)
  })

  it('refuses a symbolic link, even to a store', () => {
    const file = madeStore('target.metrics')
    fs.symlinkSync(file, at('link.metrics'))
    expect(() => MetricStore.open(at('link.metrics'))).toThrow(
      `MetricStore.open(path, options): ${at('link.metrics')} is a symbolic link, which a store is never reached through`,
    )
  })

  it('refuses what is not a regular file', async () => {
    fs.mkdirSync(at('a-directory'))
    expect(() => MetricStore.open(at('a-directory'))).toThrow(`${at('a-directory')} is a directory`)
    await runCommand('mkfifo', [at('a-fifo')])
    expect(() => MetricStore.open(at('a-fifo'))).toThrow(`${at('a-fifo')} is not a regular file (a store is always one)`)
  })

  it('refuses a file that belongs to another user', () => {
    const file = madeStore('foreign.metrics')
    fs.chownSync(file, 65534, 65534)
    expect(() => MetricStore.open(file)).toThrow(`belongs to uid 65534, not to this process's user (uid ${process.getuid!()})`)
  })

  it.runIf(process.getuid!() === 0)('is out of reach of another user, who can neither open nor read it', async () => {
    const file = madeStore('private.metrics')
    fs.chmodSync(directory, 0o755)
    const asNobody = (script: string) =>
      runCommand('setpriv', ['--reuid=nobody', '--regid=nogroup', '--clear-groups', process.execPath, '-e', script], {
        env: cleanEnvironment(),
      })
    const store = await asNobody(`require(${JSON.stringify(path.join(__dirname, '..'))}).MetricStore.open(${JSON.stringify(file)})`)
    expect(store.status).not.toBe(0)
    expect(store.stderr).toContain(`${file} cannot be opened for reading and writing by this user`)
    const read = await asNobody(`require('fs').readFileSync(${JSON.stringify(file)})`)
    expect(read.stderr).toContain('EACCES')
  })

  it.runIf(process.getuid!() === 0)('is refused, never shared, when another user took its name in /dev/shm first', async () => {
    const name = `rseq-squatted-${process.pid}.metrics`
    const file = path.join('/dev/shm', name)
    // Another user makes the store first, and lets anyone write it.
    const script = `require(${JSON.stringify(path.join(__dirname, '..'))}).MetricStore.open(${JSON.stringify(name)}, { mode: 0o666 })`
    const squatter = await runCommand('setpriv', ['--reuid=nobody', '--regid=nogroup', '--clear-groups', process.execPath, '-e', script], {
      env: cleanEnvironment(),
    })
    try {
      expect(squatter.stderr).toBe('')
      const refusal = `${file} belongs to uid 65534, not to this process's user (uid 0)`
      expect(() => MetricStore.open(name)).toThrow(refusal)
      expect(() => MetricStore.open(name, { mode: 0o666 })).toThrow(refusal)
      expect(() => MetricStore.remove(name)).toThrow(`${refusal}; it was not removed`)
    } finally {
      fs.rmSync(file, { force: true })
    }
  })

  it.each([
    [
      'another format version',
      (file: string) => rewriteHeader(file, StoreField.Version, STORE_VERSION + 1, false),
      `has store format version ${STORE_VERSION + 1}; this package reads version ${STORE_VERSION}`,
    ],
    ['another CPU count', (file: string) => rewriteHeader(file, StoreField.Slots, 4097), 'has 4097 CPU slots; this machine has'],
    ['another page size', (file: string) => rewriteHeader(file, StoreField.PageSize, 65536), 'was laid out for 65536-byte pages'],
    [
      'a changed header field',
      (file: string) => rewriteHeader(file, StoreField.Stride, 256, false),
      'has a corrupted header (its checksum does not match)',
    ],
    [
      'a header that does not add up',
      (file: string) => rewriteHeader(file, StoreField.TableSlots, 32),
      'has a header whose tableSlots (32) does not follow from its capacity',
    ],
    ['a truncated file', (file: string) => fs.truncateSync(file, 8192), 'is 8192 bytes but its header describes'],
    ['a file cut inside its header', (file: string) => fs.truncateSync(file, 100), "shorter than a store's 256-byte header"],
    ['an empty file', (file: string) => fs.truncateSync(file, 0), 'is 0 bytes long, which no metric store is'],
    ['a file that is no store', (file: string) => fs.writeFileSync(file, Buffer.alloc(8192, 7)), 'is not a metric store'],
    [
      'a directory record changed',
      (file: string) => flipRecordByte(file, 20),
      'is corrupted: the directory record at byte 0 fails its checksum',
    ],
    ['a directory word pointing outside', (file: string) => writeTableWord(file, 0xfffffff0), 'lies outside the directory'],
    [
      'an impossible allocation count',
      (file: string) => rewriteHeader(file, StoreField.CellsUsed, 1 << 30, false),
      'is corrupted: it counts 1073741824 cells used of 16384',
    ],
  ])('refuses %s with an error naming the file', (_what, damage, problem) => {
    const file = madeStore(`damaged-${_what.replace(/ /g, '-')}.metrics`)
    damage(file)
    let message = 'nothing thrown'
    try {
      MetricStore.open(file)
    } catch (error) {
      message = (error as Error).message
    }
    expect(message).toContain(`MetricStore.open(path, options): ${file} `)
    expect(message).toContain(problem)
  })

  it('refuses a series record that points at itself, with its checksum made right, naming the file', () => {
    const file = madeStore('self-pointing.metrics')
    const bytes = fs.readFileSync(file)
    const records = bytes.readUInt32LE(StoreField.RecordsOffset * 4)
    // The records of madeStore: the counter's metric, its series, the histogram's metric, its series.
    const series = records + bytes.readUInt32LE(records)
    bytes.writeUInt32LE(series - records, series + 12)
    fixRecordChecksum(bytes, series - records)
    fs.writeFileSync(file, bytes)
    expect(() => MetricStore.open(file)).toThrow(
      `${file} is corrupted: the directory record at byte ${series - records} points to a metric record that cannot be its metric`,
    )
  })

  it('says a record is corrupt at every read, never skipping it or the records after it', () => {
    const file = madeStore('corrupt-later.metrics')
    const reader = MetricStore.open(file)
    const writer = MetricStore.open(file)
    const counter = writer.counter('made_total', { labelNames: ['a'] })
    for (let n = 0; n < 10; n++) counter.add(1, { a: `late-${n}` })
    // One of the records the reader has not read yet is damaged, as another process of the user could.
    const bytes = fs.readFileSync(file)
    const records = bytes.readUInt32LE(StoreField.RecordsOffset * 4)
    const used = bytes.readUInt32LE(StoreField.DirectoryBytesUsed * 4)
    const fd = fs.openSync(file, 'r+')
    fs.writeSync(fd, Buffer.from([bytes[records + used - 3] ^ 0xff]), 0, 1, records + used - 3)
    fs.closeSync(fd)
    for (const repeat of [1, 2])
      expect(() => reader.collect(), `read ${repeat}`).toThrow(/is corrupted: the directory record at byte \d+ fails its checksum/)
  })

  it('never crashes or accepts a damaged store silently: random bytes changed anywhere in its header and directory', () => {
    const pristine = fs.readFileSync(madeStore('fuzzed.metrics'))
    const header = new Uint32Array(pristine.buffer, pristine.byteOffset, STORE_HEADER_BYTES / 4)
    const directoryEnd = header[StoreField.RecordsOffset] + header[StoreField.DirectoryBytesUsed]
    const file = at('fuzzed-copy.metrics')
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.nat(directoryEnd - 1), fc.integer({ min: 1, max: 255 })), { minLength: 1, maxLength: 4 }),
        (changes) => {
          const bytes = Buffer.from(pristine)
          for (const [offset, xor] of changes) bytes[offset] ^= xor
          fs.writeFileSync(file, bytes, { mode: 0o600 })
          let store: MetricStore | undefined
          try {
            store = MetricStore.open(file)
          } catch (error) {
            expect((error as Error).message).toContain(file)
            return
          }
          // A change the checks cannot see (an allocation word, a table slot's unused bytes) leaves a store
          // that still reads and writes within itself.
          store.counter('made_total', { labelNames: ['a'] }).add(1, { a: 'x' })
          store.collect()
          store.close()
        },
      ),
      { numRuns: 300 },
    )
  })

  it('never crashes when the damage passes the checksums: random changes to its directory, checksums made right after', () => {
    const pristine = fs.readFileSync(madeStore('fuzzed-deep.metrics'))
    const records = pristine.readUInt32LE(StoreField.RecordsOffset * 4)
    const used = pristine.readUInt32LE(StoreField.DirectoryBytesUsed * 4)
    const starts: number[] = []
    for (let at = records; at < records + used; at += pristine.readUInt32LE(at)) starts.push(at)
    const file = at('fuzzed-deep-copy.metrics')
    let opened = 0
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.integer({ min: records + 8, max: records + used - 1 }), fc.integer({ min: 1, max: 255 })), {
          minLength: 1,
          maxLength: 3,
        }),
        (changes) => {
          const bytes = Buffer.from(pristine)
          for (const [offset, xor] of changes) if (offset % 8 !== 4 || offset - records >= 8) bytes[offset] ^= xor
          // Lengths stay as written, so each record's checksum can be made right again over what changed.
          for (const start of starts)
            if (bytes.readUInt32LE(start) === pristine.readUInt32LE(start)) fixRecordChecksum(bytes, start - records)
          fs.writeFileSync(file, bytes, { mode: 0o600 })
          try {
            const store = MetricStore.open(file)
            opened++
            store.collect()
            store.close()
          } catch (error) {
            expect(error).toBeInstanceOf(Error)
            expect((error as Error).message).toContain(file)
          }
        },
      ),
      { numRuns: 300 },
    )
    // Some changes (in a help text, a label value, a bound) leave a valid store: those were read whole.
    expect(opened).toBeGreaterThan(0)
  })
})

/** XORs a byte of the first directory record. */
function flipRecordByte(file: string, offset: number): void {
  const bytes = fs.readFileSync(file)
  bytes[bytes.readUInt32LE(StoreField.RecordsOffset * 4) + offset] ^= 0x5a
  fs.writeFileSync(file, bytes)
}

/** Puts `ref` into the first empty slot of the directory's table. */
function writeTableWord(file: string, ref: number): void {
  const bytes = fs.readFileSync(file)
  const table = bytes.readUInt32LE(StoreField.TableOffset * 4)
  let slot = 0
  while (bytes.readUInt32LE(table + slot * 4) !== 0) slot++
  bytes.writeUInt32LE(ref, table + slot * 4)
  fs.writeFileSync(file, bytes)
}

/** Runs store-writer.cjs until-told on `file`, does `act` once it is adding, then tells it to go on. */
function writerTold(
  file: string,
  act: () => void,
  env: Record<string, string> = {},
): Promise<{ status: number | null; result: Record<string, unknown>; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [path.join(fixturesDir, 'store-writer.cjs'), file, 'until-told'], {
      env: cleanEnvironment(env),
      stdio: ['pipe', 'pipe', 'pipe'],
    })
    let stdout = ''
    let stderr = ''
    child.stderr.on('data', (chunk) => (stderr += chunk))
    child.stdout.on('data', (chunk) => {
      stdout += chunk
      if (stdout === 'ready\n') {
        act()
        child.stdin.write('go on\n')
      }
    })
    child.once('error', reject)
    child.once('close', (status) => {
      const last = stdout.trim().split('\n').pop()!
      resolve({ status, result: last.startsWith('{') ? JSON.parse(last) : {}, stderr })
    })
  })
}

describe('a store file changed under a running process', () => {
  it.each([
    ['glibc', {}],
    ['fallback', { RSEQ_STRATEGY: 'fallback' }],
  ])('shrunk to nothing (%s): the writer goes on without SIGBUS and its collect() says the store was truncated', async (strategy, env) => {
    const file = madeStore(`shrunk-${strategy}.metrics`)
    const run = await writerTold(file, () => fs.truncateSync(file, 0), env)
    expect(run.stderr).toBe('')
    expect(run.status).toBe(0)
    expect(run.result.strategy).toBe(strategy)
    expect(run.result.added).toBeGreaterThanOrEqual(2000)
    const truncated =
      `was truncated by another process while this one had it mapped; this process's view of it ` +
      'was replaced by empty memory (adds since went nowhere): remove the file (MetricStore.remove(path)) and open the store again'
    expect(run.result.collect).toBe(`MetricStore.collect(): ${file} ${truncated}`)
    expect(run.result.gaugeSet).toBe(`GaugeSeries.set(value): ${file} ${truncated}`)
  })

  it('removed: the writer goes on and its collect() says the path no longer leads to its store', async () => {
    const file = madeStore('removed.metrics')
    const run = await writerTold(file, () => expect(MetricStore.remove(file)).toBe(true))
    expect(run.status).toBe(0)
    expect(run.result.collect).toBe(
      `MetricStore.collect(): ${file} was removed after this process opened it; processes that opened it before and after no longer share one store: open it again in all of them`,
    )
  })

  it('moved and replaced by a symbolic link to it: the path no longer leads to the file itself', async () => {
    const file = madeStore('linked.metrics')
    const run = await writerTold(file, () => {
      fs.renameSync(file, at('linked-moved.metrics'))
      fs.symlinkSync(at('linked-moved.metrics'), file)
    })
    expect(run.result.collect).toMatch(/was replaced by another file after this process opened it/)
  })

  it("truncated to nothing: what the writer's collect() then advises works, remove() takes the file and open() makes a new store", async () => {
    const file = madeStore('truncated-then-removed.metrics')
    const run = await writerTold(file, () => fs.truncateSync(file, 0))
    expect(run.result.collect).toMatch(
      /was truncated by another process while this one had it mapped; .*: remove the file \(MetricStore\.remove\(path\)\) and open the store again$/,
    )
    expect(MetricStore.remove(file)).toBe(true)
    const store = MetricStore.open(file)
    expect(store.collect()).toEqual([])
    store.counter('again_total').add(3)
    expect(MetricStore.open(file).counter('again_total').value()).toBe(3)
  })

  it('replaced by a new store: the same', async () => {
    const file = madeStore('replaced.metrics')
    const run = await writerTold(file, () => {
      MetricStore.remove(file)
      MetricStore.open(file)
    })
    expect(run.result.collect).toMatch(/was replaced by another file after this process opened it/)
  })
})

describe('a gauge of a store whose file another process changes', () => {
  // Another process writing the file's last 8 bytes (the trailer) is what shrinking the file and growing it back
  // looks like to this one, with no SIGBUS to tell: a gauge's set(), inc() and dec() must then refuse to write,
  // as collect() refuses to read, whichever way the call reaches native code.
  it.each(['set', 'inc', 'dec'] as const)('throws from %s() while the trailer is gone, and writes nothing', (operation) => {
    const file = madeStore(`trailer-${operation}.metrics`)
    const store = MetricStore.open(file)
    const level = store.gauge('level').labels({})
    for (let i = 0; i < 1000; i++) level[operation](1) // often enough for V8 to optimize the calls
    const before = level.value()
    const trailerAt = fs.statSync(file).size - 8
    const descriptor = fs.openSync(file, 'r+')
    const trailer = Buffer.alloc(8)
    fs.readSync(descriptor, trailer, 0, 8, trailerAt)
    fs.writeSync(descriptor, Buffer.alloc(8), 0, 8, trailerAt)
    const argument = operation === 'set' ? 'value' : 'amount'
    expect(() => level[operation](11)).toThrow(`GaugeSeries.${operation}(${argument}): ${file} was shrunk by another process`)
    fs.writeSync(descriptor, trailer, 0, 8, trailerAt)
    fs.closeSync(descriptor)
    expect(level.value()).toBe(before)
    level[operation](11)
    expect(level.value()).toBe(operation === 'set' ? 11 : before + (operation === 'inc' ? 11 : -11))
    store.close()
  })
})

describe('a closed host-wide store', () => {
  it('stops its series, lets go of the file, and leaves the store to the other processes', async () => {
    const file = madeStore('closed.metrics')
    const store = MetricStore.open(file)
    const series = store.counter('made_total', { labelNames: ['a'] }).labels({ a: 'x' })
    series.add(2)
    store.close()
    expect(() => series.add()).toThrow("this series' MetricStore is closed (store.close() was called): open the store again")
    const result = await runNodeJson<{ total: string }>('store-writer.cjs', [file, 'add', '16'])
    expect(
      MetricStore.open(file)
        .counter('made_total', { labelNames: ['a'] })
        .value({ a: 'x' }),
    ).toBe(7)
    expect(result.total).toBe('16')
  })
})

describe('a SIGBUS that is no fault of a store', () => {
  it('still ends the process as SIGBUS does, with a store open', async () => {
    const file = madeStore('sigbus.metrics')
    const script = `require(${JSON.stringify(path.join(__dirname, '..'))}).MetricStore.open(${JSON.stringify(file)}); process.kill(process.pid, 'SIGBUS'); setTimeout(() => console.log('survived'), 1000)`
    const child = spawn(process.execPath, ['-e', script], { env: cleanEnvironment(), stdio: ['ignore', 'pipe', 'pipe'] })
    let stdout = ''
    child.stdout.on('data', (chunk) => (stdout += chunk))
    const [code, signal] = await new Promise<[number | null, string | null]>((resolve) =>
      child.once('close', (...args) => resolve(args as [number | null, string | null])),
    )
    expect([code, signal, stdout]).toEqual([null, 'SIGBUS', ''])
  })
})

describe('MetricStore.remove(path)', () => {
  it('removes a store and answers false when there is none', () => {
    const file = madeStore('to-remove.metrics')
    expect(MetricStore.remove(file)).toBe(true)
    expect(fs.existsSync(file)).toBe(false)
    expect(MetricStore.remove(file)).toBe(false)
  })

  it('removes nothing but a store of this user', () => {
    fs.writeFileSync(at('notes.txt'), 'not a store')
    expect(() => MetricStore.remove(at('notes.txt'))).toThrow(`${at('notes.txt')} is not a metric store; it was not removed`)
    fs.symlinkSync(madeStore('kept.metrics'), at('kept-link.metrics'))
    expect(() => MetricStore.remove(at('kept-link.metrics'))).toThrow(
      'is a symbolic link, which a store is never reached through; it was not removed',
    )
    expect(fs.existsSync(at('kept.metrics'))).toBe(true)
  })

  it('removes a store truncated too short to hold the store magic, when it is a regular file of this user', () => {
    for (const size of [0, 3]) {
      const file = madeStore(`truncated-${size}.metrics`)
      fs.truncateSync(file, size)
      expect(MetricStore.remove(file), `${size} bytes`).toBe(true)
      expect(fs.existsSync(file)).toBe(false)
    }
    fs.writeFileSync(at('four-bytes.txt'), 'abcd')
    expect(() => MetricStore.remove(at('four-bytes.txt'))).toThrow(`${at('four-bytes.txt')} is not a metric store; it was not removed`)
    const foreign = madeStore('truncated-foreign.metrics')
    fs.truncateSync(foreign, 0)
    fs.chownSync(foreign, 65534, 65534)
    expect(() => MetricStore.remove(foreign)).toThrow(
      `${foreign} belongs to uid 65534, not to this process's user (uid ${process.getuid!()}); it was not removed`,
    )
    fs.writeFileSync(at('empty.metrics'), '')
    fs.symlinkSync(at('empty.metrics'), at('empty-link.metrics'))
    expect(() => MetricStore.remove(at('empty-link.metrics'))).toThrow(
      'is a symbolic link, which a store is never reached through; it was not removed',
    )
    fs.mkdirSync(at('kept-directory'))
    expect(() => MetricStore.remove(at('kept-directory'))).toThrow(
      `${at('kept-directory')} is not a regular file (a store is always one); it was not removed`,
    )
    for (const kept of ['four-bytes.txt', 'truncated-foreign.metrics', 'empty.metrics', 'kept-directory'])
      expect(fs.existsSync(at(kept)), kept).toBe(true)
  })
})

describe('a series kept without its store', () => {
  it('keeps the file mapped: its add, called after the store was collected, lands in the file', async () => {
    const file = madeStore('kept-series.metrics')
    const result = await runNodeJson<{ storeCollected: boolean; value: string }>('store-writer.cjs', [file, 'kept', '5000'], {
      nodeArgs: ['--expose-gc'],
    })
    expect(result).toEqual({ storeCollected: true, value: '5000' })
  })
})

describe('a store across processes', () => {
  it('adds on where the last process left off: counters never go backwards across restarts', async () => {
    const file = at('restarts.metrics')
    const totals: string[] = []
    for (let run = 0; run < 3; run++) {
      const result = await runNodeJson<{ total: string }>('store-writer.cjs', [file, 'add', '1000'])
      totals.push(result.total)
    }
    expect(totals).toEqual(['1000', '2000', '3000'])
  })
})
