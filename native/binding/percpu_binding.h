#pragma once

#include <node_api.h>

#include "thread_binding.h"

namespace rseq_native {

// Adds the per-CPU functions to the binding's exports. They are raw N-API callbacks that find the
// thread's state through their data pointer: the hot path pays for the call and its arguments only.
void AddPerCpuFunctions(napi_env env, napi_value exports, ThreadBinding* binding);

}  // namespace rseq_native
