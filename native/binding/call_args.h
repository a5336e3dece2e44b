// Decoding a raw N-API call: its arguments, the thread's binding (every function's data pointer) and the
// errors thrown for arguments only a direct call of the binding could get wrong. The TypeScript layer
// validates what users pass, with messages that name the argument; these checks only guarantee that a
// wrong call throws instead of touching memory.
#pragma once

#include <node_api.h>

#include <cstddef>
#include <cstdint>
#include <string>

#include "thread_binding.h"

namespace rseq_native {

constexpr size_t kMaxArgs = 8;

struct Call {
  napi_env env;
  ThreadBinding* binding;
  napi_value args[kMaxArgs];
  size_t count;
};

bool ReadCall(napi_env env, napi_callback_info info, Call* call);

// Throws a TypeError with `message`; returns nullptr for the callback to return.
napi_value Throw(napi_env env, const char* message);

// How long a name a function keeps for its errors may be (the argument or call named in a refusal).
constexpr size_t kMaxNameBytes = 200;

// A string of at most kMaxNameBytes UTF-8 bytes, the name a function made by the binding gives in errors.
bool NameArg(const Call& call, size_t at, std::string* out);

// An integral number in [0, limit), read as a double: napi_get_value_uint32 would take 2^32 as 0.
bool IndexArg(const Call& call, size_t at, uint64_t limit, uint32_t* index);

// A number, any.
bool DoubleArg(const Call& call, size_t at, double* out);

// The byte offset of an aligned `size`-byte word that lies inside `length` bytes.
bool WordOffsetArg(const Call& call, size_t at, size_t length, size_t size, size_t* offset);

napi_value Int32(napi_env env, int32_t value);

// A function the binding exports, by name.
struct NamedCallback {
  const char* name;
  napi_callback callback;
};

// Sets each callback on `target` as a function of its name whose data pointer is `data`.
void SetFunctions(napi_env env, napi_value target, void* data, const NamedCallback* callbacks, size_t count);

template <size_t kCount>
void SetFunctions(napi_env env, napi_value target, void* data, const NamedCallback (&callbacks)[kCount]) {
  SetFunctions(env, target, data, callbacks, kCount);
}

}  // namespace rseq_native
