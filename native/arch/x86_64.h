// x86_64: signature, thread pointer, and the per-CPU critical sections.
//
// Each sequence is written first as pseudo-code, then in asm. Common to all of them:
//   - the struct rseq_cs descriptor is emitted into the writable data section __rseq_cs of this object,
//     which is never freed (Node does not unload addons);
//   - the sequence is armed by storing the descriptor's address into area->rseq_cs, then runs from
//     label 1 (start_ip) to label 2 (start_ip + post_commit_offset) with no call and no memory access the
//     compiler can move in between (every operand is a register, the block is one asm statement);
//   - the slot index is read inside the sequence and checked against `slots` before any store;
//   - the commit is the last instruction before label 2 and is a single store;
//   - the abort handler sits in the separate section __rseq_failure, outside [start_ip, post_commit),
//     preceded by the 4 signature bytes, and only reports kSeqAborted: the C++ caller retries.
#pragma once

#include <cstdint>

namespace rseq_native {

constexpr const char* kArchName = "x64";

// The signature the kernel compares with the 4 bytes before an abort handler. Here those bytes are
// the displacement of `ud1 0x53053053(%rip), %edi` (0f b9 3d + imm32), an instruction that traps, so
// falling into the signature by accident stops the thread instead of running on. Same value as glibc
// and librseq.
constexpr uint32_t kRseqSignature = 0x53053053;

// %fs:0 holds the thread pointer itself (the TCB's self pointer), which is what __rseq_offset is added to.
inline void* ThreadPointer() {
  void* tp;
  __asm__("mov %%fs:0, %0" : "=r"(tp));
  return tp;
}

// Test builds (-DRSEQ_TEST_DELAY=N) spin N iterations between load and commit, widening the window in
// which preemption aborts the sequence. Never defined in the shipped binary.
#ifdef RSEQ_TEST_DELAY
#define RSEQ_DELAY_ASM "movl $" RSEQ_STR(RSEQ_TEST_DELAY) ", %%ecx\n\t8: decl %%ecx\n\tjnz 8b\n\t"
#else
#define RSEQ_DELAY_ASM ""
#endif

// Descriptor, arming store and the start label, shared by every sequence. %%rax is scratch.
#define RSEQ_X86_64_ARM                                                                  \
  ".pushsection __rseq_cs, \"aw\"\n\t"                                                   \
  ".balign 32\n\t"                                                                       \
  "9:\n\t"                                                                               \
  ".long 0, 0\n\t"                  /* version, flags */                                 \
  ".quad 1f, (2f - 1f), 4f\n\t"     /* start_ip, post_commit_offset, abort_ip */         \
  ".popsection\n\t"                                                                      \
  "leaq 9b(%%rip), %%rax\n\t"                                                            \
  "movq %%rax, 8(%[area])\n\t"      /* area->rseq_cs = &descriptor */                    \
  "1:\n\t"

// The bounds-checked address of this CPU's cell: %%eax = index, %%rax = index * stride.
#define RSEQ_X86_64_INDEX                                                                \
  "movl (%[area], %[index_offset]), %%eax\n\t" /* index = area->cpu_id or ->mm_cid */   \
  "cmpl %[slots], %%eax\n\t"                                                             \
  "jae 5f\n\t"                       /* unsigned: a corrupted -1 is out of range too */  \
  "movl %%eax, %k[result]\n\t"                                                           \
  "imulq %[stride], %%rax\n\t"

// Post-commit exits and the abort handler, after the commit store and label 2.
#define RSEQ_X86_64_EXITS                                                                \
  "jmp 6f\n\t"                                                                           \
  "5:\n\t"                                                                               \
  "movl $-2, %k[result]\n\t"        /* kSeqOutOfRange */                                 \
  "jmp 6f\n\t"                                                                           \
  ".pushsection __rseq_failure, \"ax\"\n\t"                                              \
  ".byte 0x0f, 0xb9, 0x3d\n\t"                                                           \
  ".long 0x53053053\n\t"            /* kRseqSignature, right before the handler */       \
  "4:\n\t"                                                                               \
  "movl $-3, %k[result]\n\t"        /* kSeqAborted */                                    \
  "jmp 6f\n\t"                                                                           \
  ".popsection\n\t"                                                                      \
  "6:\n\t"

// Per-CPU add.
//   arm(descriptor)
//   start:
//     index = area->{cpu_id | mm_cid}
//     if (index >= slots) return kSeqOutOfRange
//     set = (int64)*active_set & set_bytes     0 or -1 in the word: set 0 or set 1. Loaded inside, so
//                                  a drain that retires this set and then runs the rseq fence restarts
//                                  every sequence that loaded it and has not committed. The mask keeps
//                                  even a scribbled word within [0, set_bytes]: inside the buffer.
//     cell = cell0 + set + index * stride
//     v = *cell                    load
//     v += value                   add
//     *cell = v                    commit (single store)
//   post_commit:
//     return index
//   abort: (signature before it)  return kSeqAborted
inline int32_t SeqAdd(void* area, uint32_t index_offset, uint32_t slots, void* cell0, uint64_t stride,
                      int64_t value, const uint32_t* active_set, uint64_t set_bytes) {
  int32_t result;
  __asm__ __volatile__(
      RSEQ_X86_64_ARM
      RSEQ_X86_64_INDEX
      "movslq (%[active_set]), %%rcx\n\t"
      "andq %[set_bytes], %%rcx\n\t"
      "addq %%rcx, %%rax\n\t"
      "movq (%[cell0], %%rax), %%rdx\n\t"
      RSEQ_DELAY_ASM
      "addq %[value], %%rdx\n\t"
      "movq %%rdx, (%[cell0], %%rax)\n\t"
      "2:\n\t"
      RSEQ_X86_64_EXITS
      : [result] "=&r"(result)
      : [area] "r"(area), [index_offset] "r"(static_cast<uint64_t>(index_offset)), [slots] "r"(slots),
        [cell0] "r"(cell0), [stride] "r"(stride), [value] "r"(value), [active_set] "r"(active_set),
        [set_bytes] "r"(set_bytes)
      : "rax", "rcx", "rdx", "memory", "cc");
  return result;
}

// Per-CPU compare-and-store, always on set 0: compare-and-store and max cells are not drained.
//   arm(descriptor)
//   start:
//     index = area->{cpu_id | mm_cid}
//     if (index >= slots) return kSeqOutOfRange
//     cell = cell0 + index * stride
//     if (*cell != expected) return kSeqCompareFailed     load, compare, branch out: nothing stored
//     *cell = desired                                     commit (single store)
//   post_commit:
//     return index
//   abort: (signature before it)  return kSeqAborted
inline int32_t SeqCompareStore(void* area, uint32_t index_offset, uint32_t slots, void* cell0, uint64_t stride,
                               int64_t expected, int64_t desired) {
  int32_t result;
  __asm__ __volatile__(
      RSEQ_X86_64_ARM
      RSEQ_X86_64_INDEX
      "cmpq %[expected], (%[cell0], %%rax)\n\t"
      "jne 7f\n\t"
      RSEQ_DELAY_ASM
      "movq %[desired], (%[cell0], %%rax)\n\t"
      "2:\n\t"
      "jmp 6f\n\t"
      "7:\n\t"
      "movl $-1, %k[result]\n\t"    /* kSeqCompareFailed */
      RSEQ_X86_64_EXITS
      : [result] "=&r"(result)
      : [area] "r"(area), [index_offset] "r"(static_cast<uint64_t>(index_offset)), [slots] "r"(slots),
        [cell0] "r"(cell0), [stride] "r"(stride), [expected] "r"(expected), [desired] "r"(desired)
      : "rax", "rcx", "rdx", "memory", "cc");
  return result;
}

// Restart probe: a sequence that never commits, for the process's self-test. It says it is inside the
// sequence by storing to *entered (inside, so that any interruption after that store interrupts the
// sequence); another thread pinned to this CPU then sets *ran, which it can only do while this one is
// scheduled out. A kernel that restarts sequences sends this one to its abort handler when it resumes.
//   arm(descriptor)
//   start:
//     (test builds: spin RSEQ_TEST_DELAY iterations, widening the window before *entered is stored)
//     *entered = 1                                  not a commit: nothing depends on it being stored once
//     loop:
//       if (*ran != 0) return kProbeSurvived        scheduled out and back without an abort
//       if (--budget == 0) leave the loop
//   post_commit:
//     return kProbeTimedOut
//   abort: (signature before it)  return kSeqAborted
inline int32_t SeqRestartProbe(void* area, volatile uint32_t* entered, const volatile uint32_t* ran, uint64_t budget) {
  int32_t result;
  __asm__ __volatile__(
      RSEQ_X86_64_ARM
      RSEQ_DELAY_ASM
      "movl $1, (%[entered])\n\t"
      "3:\n\t"
      "cmpl $0, (%[ran])\n\t"
      "jne 7f\n\t"
      "decq %[budget]\n\t"
      "jnz 3b\n\t"
      "2:\n\t"
      "movl $-5, %k[result]\n\t"   /* kProbeTimedOut */
      "jmp 6f\n\t"
      "7:\n\t"
      "movl $-4, %k[result]\n\t"   /* kProbeSurvived */
      RSEQ_X86_64_EXITS
      : [result] "=&r"(result), [budget] "+r"(budget)
      : [area] "r"(area), [entered] "r"(entered), [ran] "r"(ran)
      : "rax", "rcx", "memory", "cc");
  return result;
}

#undef RSEQ_X86_64_ARM
#undef RSEQ_X86_64_INDEX
#undef RSEQ_X86_64_EXITS

}  // namespace rseq_native
