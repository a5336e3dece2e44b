// Argument checks shared by the per-CPU classes: integers only, int64 range, messages naming the argument.
// The int64 messages are the addon's (native/binding/usage_strings.h, through ./usage-strings.ts), so that an
// argument reads the same whether JavaScript refused it or native code did.
import { USAGE_STRINGS } from './usage-strings'

const INT64_MIN = -(2n ** 63n)
const INT64_MAX = 2n ** 63n - 1n

// The rejected value as the message shows it, exactly as the native side shows it (Describe in
// native/binding/integer_args.cc), so that a message is the same whichever path checked the value: the value
// as a string, cut to its first 127 UTF-8 bytes (whole characters), bigints with an `n`, strings in quotes.
const SHOWN_BYTES = 127
const encoder = new TextEncoder()
const decoder = new TextDecoder()

function shown(value: unknown): string {
  const bytes = new Uint8Array(SHOWN_BYTES)
  const { written } = encoder.encodeInto(String(value), bytes)
  return decoder.decode(bytes.subarray(0, written))
}

function describe(value: unknown): string {
  if (typeof value === 'bigint') return `${shown(value)}n`
  if (typeof value === 'string') return `"${shown(value)}"`
  if (typeof value === 'number' || typeof value === 'boolean' || value === null || value === undefined) {
    return shown(value)
  }
  return `a value of type ${typeof value}`
}

/** `value` when it fits int64; RangeError showing `given` (the argument as passed: a number stays a number). */
function checkInt64Range(value: bigint, name: string, given: unknown = value): bigint {
  if (value < INT64_MIN || value > INT64_MAX) {
    throw new RangeError(name + USAGE_STRINGS.OutsideInt64 + describe(given))
  }
  return value
}

/**
 * An integer argument as the native side takes it: a number when it is a safe integer, a bigint
 * otherwise. TypeError for anything but a number or bigint; RangeError for NaN, infinities,
 * fractions and values outside int64.
 */
export function toInt64(value: unknown, name: string): number | bigint {
  if (typeof value === 'number') {
    if (Number.isSafeInteger(value)) return value
    if (!Number.isInteger(value)) throw new RangeError(name + USAGE_STRINGS.NotAnInteger + describe(value))
    return checkInt64Range(BigInt(value), name, value)
  }
  if (typeof value === 'bigint') return checkInt64Range(value, name)
  throw new TypeError(name + USAGE_STRINGS.NotANumberOrBigInt + describe(value))
}

/** An index in [0, limit): TypeError when not a number, RangeError when not an integer in range. */
export function toIndex(value: unknown, limit: number, name: string): number {
  if (typeof value !== 'number') throw new TypeError(`${name} must be a number, got ${describe(value)}`)
  if (!Number.isInteger(value) || value < 0 || value >= limit) {
    throw new RangeError(`${name} must be an integer from 0 to ${limit - 1}, got ${describe(value)}`)
  }
  return value
}
