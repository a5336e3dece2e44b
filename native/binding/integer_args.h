// Reads an int64 argument the way lib/binding/integer-args.ts does, with the same errors: TypeError for anything
// but a number or bigint, RangeError for NaN, infinities, fractions and values outside int64. Used where
// a native function is called by user code directly, with no TypeScript wrapper in front of it.
#pragma once

#include <node_api.h>

#include <cstdint>
#include <string>

namespace rseq_native {

// On failure throws an error whose message is `name` (such as "PerCpuCounter.add(n): `n`"), one of the int64
// messages of usage_strings.h and the value as shown, and returns false.
bool ReadInt64Argument(napi_env env, napi_value value, const char* name, int64_t* out);

// The fast path in front of ReadInt64Argument for bigints, one N-API call, throwing nothing: true with
// `*out` set when `value` is a bigint within int64; false for anything else, which the caller then hands
// to ReadInt64Argument for the error.
bool ReadLosslessBigInt(napi_env env, napi_value value, int64_t* out);

// True with `*out` set when `number` is an integer within int64. Inline, with no libm call: this is on the
// hot path. In range first (false for NaN), so that the conversion is defined; integral if it converts back.
inline bool IntegralInt64(double number, int64_t* out) {
  if (!(number >= -9223372036854775808.0 && number < 9223372036854775808.0)) return false;
  int64_t integer = static_cast<int64_t>(number);
  if (static_cast<double>(integer) != number) return false;
  *out = integer;
  return true;
}

// String(value) for error messages.
std::string NumberText(napi_env env, napi_value value);

}  // namespace rseq_native
