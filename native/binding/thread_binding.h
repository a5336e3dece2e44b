// What the addon keeps per JS thread (napi_env): the rseq decision and the state the per-CPU
// operations read on every call.
#pragma once

#include <node_api.h>

#include "cell_handles.h"
#include "../percpu/percpu_ops.h"
#include "../registration/thread_rseq.h"

namespace rseq_native {

struct ThreadBinding {
  ThreadRseq rseq;
  SequenceThread sequences;
  bool attached = false;
  // The thread's number slot (lib/binding/number-slot.ts): a Float64Array(1) the JS layer stores a number into
  // just before calling a function that takes it from there. A store and a load cost less than handing
  // the number over as an argument and reading it through N-API. Bound once per thread, kept alive by
  // `number_slot_ref` for the env's life.
  const double* number_slot = nullptr;
  napi_ref number_slot_ref = nullptr;
  // The cells this thread reaches by handle (the FFI entry points).
  HandleTable handles;
  napi_env env = nullptr;
};

}  // namespace rseq_native
