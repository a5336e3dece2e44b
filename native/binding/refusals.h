// The errors of the hot functions, in one place: thrown by the N-API functions bound to a cell (which the
// FFI call path hands a value its entry point refused), so that a refusal reads the same on every call
// path (and as lib/binding/portable-binding.ts words it).
#pragma once

#include <node_api.h>

#include <cstdint>
#include <string>

namespace rseq_native {

// A counter's add(n) of the number `number` that was refused: n not an integer within int64 (the error
// ReadInt64Argument gives), or negative for a counter that only goes up. Returns nullptr.
napi_value ThrowAddRefusal(napi_env env, const std::string& name, bool monotonic, double number);

// A negative add to a counter that only goes up. Returns nullptr.
napi_value ThrowNegative(napi_env env, const std::string& name, int64_t value);

// A histogram's observe(value) of a value it cannot place (not finite, or beyond 2^53 units). Returns nullptr.
napi_value ThrowObserveRefusal(napi_env env, const std::string& caller, double value);

}  // namespace rseq_native
