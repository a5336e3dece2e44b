// The pre-glibc-2.35 protocol of early adopters (tcmalloc, librseq before 0.1, the kernel selftests):
// a TLS symbol `__rseq_abi` that every rseq user in the process shares, and an optional TLS
// `__rseq_refcount` counting the users that need the thread to stay registered.
#pragma once

#include <cstdint>

#include "rseq_abi.h"

namespace rseq_native {

struct LegacyRseq {
  RseqArea* area;               // this thread's __rseq_abi, or null when nobody exports it
  volatile uint32_t* refcount;  // this thread's __rseq_refcount, or null
};

// dlsym resolves TLS symbols to the calling thread's instance, so the answer is per thread.
LegacyRseq LookupLegacyRseqOfThisThread();

}  // namespace rseq_native
