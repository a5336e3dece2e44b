#pragma once

#include <node_api.h>

#include "thread_binding.h"

namespace rseq_native {

// Adds the metric store's functions to the binding's exports: the store's memory (a SharedArrayBuffer or
// a mapped file, lib/store/metric-store.ts), the atomic updates of a mapped store's directory and gauges, and
// the per-CPU cells of its series, bound like a per-CPU buffer's.
void AddStoreFunctions(napi_env env, napi_value exports, ThreadBinding* binding);

}  // namespace rseq_native
