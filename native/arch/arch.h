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
// Each sequence's steps are in pseudocode.h, written once; the arch files give them in assembly.
//
// The rules every sequence follows, on every architecture:
//   - One asm statement holds the whole sequence, every operand a register (or an immediate), so the
//     compiler can place no call and no memory access inside it.
//   - Its struct rseq_cs descriptor (version 0, flags 0, start_ip, post_commit_offset, abort_ip) is emitted
//     by the asm itself into the writable section __rseq_cs, 32-byte aligned. That section is never freed
//     (Node does not unload addons), and descriptor_audit.cc reads every entry back as the kernel would.
//   - The asm arms the sequence by storing the descriptor's address into area->rseq_cs, then runs from
//     label 1 (start_ip) to label 2 (start_ip + post_commit_offset). A thread preempted, migrated or
//     signalled with its instruction pointer in [start_ip, post_commit) is resumed by the kernel at
//     abort_ip instead: that range is what gets restarted, and nothing past label 2 is.
//   - The slot index is loaded inside that range and checked, unsigned, against `slots` before any store.
//   - The commit is a single store, the last instruction before label 2. A store before it (the probe's
//     *entered) must be harmless to repeat.
//   - Both sections are opened with the `?` flag: in the section group of the code around them. An inline
//     function holding a sequence that the compiler emits out of line in several objects is one COMDAT group
//     per object, of which the linker keeps one; its descriptor and abort handler go with it (without the
//     flag, those of the copies dropped would point into code that is not linked, and the link fails).
//   - The abort handler (label 4) sits in the executable section __rseq_failure, so outside the range.
//     The 4 bytes right before it are kRseqSignature, which the kernel compares with the registered one
//     before jumping there (a mismatch gets the thread a SIGSEGV); each architecture makes them part of
//     a trapping instruction, so that running into them by accident stops instead of running on. The
//     handler only reports kSeqAborted: the C++ caller decides what an abort means (the per-CPU
//     operations retry).
//   - Labels, the same in every file: 1 start_ip, 2 post-commit, 3 the probe's loop, 4 abort_ip, 5 index
//     out of range, 6 the common exit, 7 compare failed or probe survived, 8 the test delay's loop,
//     9 the descriptor.
//   - The status codes below and kRseqSignature reach the asm as immediate operands (RSEQ_ASM_CONSTANTS),
//     never as literals.
//   - Test builds (-DRSEQ_TEST_DELAY=N, 0 < N < 2^32) spin N iterations where pseudocode.h says
//     "(test delay)", widening the window in which an interruption aborts the sequence. Never defined in
//     the shipped binary.
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

// An inline function on the hot path of an add, inlined whatever the unit is optimized for: the fast-calls addon
// is built for size (-Os), and its fast callbacks must still run the sequence without a call.
#define RSEQ_ALWAYS_INLINE __attribute__((always_inline)) inline

// A macro's value as a string literal: how the per-architecture files splice RSEQ_TEST_DELAY into asm.
#define RSEQ_STR2(x) #x
#define RSEQ_STR(x) RSEQ_STR2(x)

// The named constants as immediate input operands, listed by every sequence's asm statement. A status is
// written %[aborted] (x86_64 prints $-3, aarch64 -3); the signature, data before the abort handler,
// %c[signature]: the bare number. Widened to 64 bits so that it prints unsigned.
#define RSEQ_ASM_CONSTANTS                                                                                 \
  [compare_failed] "i"(kSeqCompareFailed), [out_of_range] "i"(kSeqOutOfRange), [aborted] "i"(kSeqAborted), \
      [probe_survived] "i"(kProbeSurvived), [probe_timed_out] "i"(kProbeTimedOut),                         \
      [signature] "i"(static_cast<uint64_t>(kRseqSignature))

#if defined(__x86_64__)
#include "x86_64.h"
#elif defined(__aarch64__)
#include "aarch64.h"
#else
#error "rseq: unsupported architecture (x86_64 and aarch64 are implemented)"
#endif

#undef RSEQ_ASM_CONSTANTS
