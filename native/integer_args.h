// Reads an int64 argument the way lib/integers.ts does, with the same errors: TypeError for anything
// but a number or bigint, RangeError for NaN, infinities, fractions and values outside int64. Used where
// a native function is called by user code directly, with no TypeScript wrapper in front of it.
#pragma once

#include <node_api.h>

#include <cstdint>

namespace rseq_native {

// On failure throws an error whose message starts with `name` (such as "PerCpuCounter.add(n): `n`")
// and returns false.
bool ReadInt64Argument(napi_env env, napi_value value, const char* name, int64_t* out);

}  // namespace rseq_native
