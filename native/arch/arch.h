// The one interface every architecture implements, in native/arch/<name>.h:
//   constexpr const char* kArchName     the process.arch spelling
//   constexpr uint32_t kRseqSignature   the abort signature registered with the kernel and placed before
//                                       every abort handler
//   void* ThreadPointer()               the thread pointer glibc's __rseq_offset is relative to
//   int32_t SeqAdd(area, index_offset, slots, cell0, stride, value, active_set, set_bytes)
//   int32_t SeqCompareStore(area, index_offset, slots, cell0, stride, expected, desired)
//       The per-CPU critical sections. `area` is the calling thread's registered rseq area;
//       the slot index is the u32 at area + index_offset (cpu_id or mm_cid); the cell of slot i is at
//       cell0 + i * stride, and for SeqAdd (int64)*active_set & set_bytes further on (the word holds 0
//       or -1: set 0 or set 1), loaded inside the sequence. They return the slot index on commit, or one of the statuses below.
//   int32_t SeqRestartProbe(area, entered, ran, budget)
//       The self-test's sequence (native/registration/restart_self_test.cc): never commits; stores 1 to *entered once
//       inside, then spins until *ran is non-zero or `budget` iterations pass. kSeqAborted,
//       kProbeSurvived or kProbeTimedOut.
// Adding an architecture means adding one file in this folder and one line here.
#pragma once

#include <cstdint>

namespace rseq_native {

constexpr int32_t kSeqCompareFailed = -1;  // compare-and-store found another value; nothing stored
constexpr int32_t kSeqOutOfRange = -2;     // the index was >= slots; nothing stored
constexpr int32_t kSeqAborted = -3;        // preempted, migrated or signalled before the commit; retry
constexpr int32_t kProbeSurvived = -4;     // the restart probe saw *ran set without being aborted
constexpr int32_t kProbeTimedOut = -5;     // the restart probe's budget ran out first

}  // namespace rseq_native

// A macro's value as a string literal: how the per-architecture files splice RSEQ_TEST_DELAY into asm.
#define RSEQ_STR2(x) #x
#define RSEQ_STR(x) RSEQ_STR2(x)

#if defined(__x86_64__)
#include "x86_64.h"
#elif defined(__aarch64__)
#include "aarch64.h"
#else
#error "rseq: unsupported architecture (x86_64 and aarch64 are implemented)"
#endif
