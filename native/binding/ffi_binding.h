#pragma once

#include <node_api.h>

#include "thread_binding.h"

namespace rseq_native {

// Adds the functions that make and release cell handles (cell_handles.h) for the FFI entry points
// (ffi_entry.h) that Bun's and Deno's FFI call.
void AddHandleFunctions(napi_env env, napi_value exports, ThreadBinding* binding);

}  // namespace rseq_native
