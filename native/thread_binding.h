// What the addon keeps per JS thread (napi_env): the rseq decision and the state the per-CPU
// operations read on every call.
#pragma once

#include "percpu_ops.h"
#include "thread_rseq.h"

namespace rseq_native {

struct ThreadBinding {
  ThreadRseq rseq;
  SequenceThread sequences;
  bool attached = false;
};

}  // namespace rseq_native
