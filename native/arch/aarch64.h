// aarch64: signature, thread pointer, and the per-CPU critical sections in assembly. Their pseudo-code is
// in pseudocode.h and the rules they follow in arch.h; this file holds only what aarch64 makes of them.
#pragma once

#include <cstdint>

namespace rseq_native {

constexpr const char* kArchName = "arm64";

// The signature is the encoding of `brk #0x45e0` (0xd428bc00), emitted as an instruction word before
// each abort handler, so an accidental jump into it traps instead of running on. Same value as glibc
// and librseq.
constexpr uint32_t kRseqSignature = 0xd428bc00;

inline void* ThreadPointer() {
  void* tp;
  __asm__("mrs %0, tpidr_el0" : "=r"(tp));
  return tp;
}

// The test delay (arch.h) counts down in the index register, which the sequence no longer needs by then
// (loaded in two halves: one mov takes 16 bits).
#ifdef RSEQ_TEST_DELAY
#define RSEQ_DELAY_ASM \
  "movz %w[index], #((" RSEQ_STR(RSEQ_TEST_DELAY) ") & 0xffff)\n\t"                          \
  "movk %w[index], #(((" RSEQ_STR(RSEQ_TEST_DELAY) ") >> 16) & 0xffff), lsl #16\n\t"         \
  "8: subs %w[index], %w[index], #1\n\tb.ne 8b\n\t"
#else
#define RSEQ_DELAY_ASM ""
#endif

// Descriptor, arming store and the start label, shared by every sequence. %[scratch] is free here.
#define RSEQ_AARCH64_ARM                                                     \
  ".pushsection __rseq_cs, \"aw?\"\n\t"                                      \
  ".balign 32\n\t"                                                           \
  "9:\n\t"                                                                   \
  ".long 0, 0\n\t"              /* version, flags */                         \
  ".quad 1f, (2f - 1f), 4f\n\t" /* start_ip, post_commit_offset, abort_ip */ \
  ".popsection\n\t"                                                          \
  "adrp %[scratch], 9b\n\t"                                                  \
  "add %[scratch], %[scratch], :lo12:9b\n\t"                                 \
  "str %[scratch], [%[area], #8]\n\t" /* area->rseq_cs = &descriptor */      \
  "1:\n\t"

// The bounds-checked address of this CPU's cell: %[address] = cell0 + index * stride.
#define RSEQ_AARCH64_INDEX                                                               \
  "ldr %w[index], [%[area], %[index_offset]]\n\t" /* index = area->cpu_id or ->mm_cid */ \
  "cmp %w[index], %w[slots]\n\t"                                                         \
  "b.hs 5f\n\t" /* unsigned: a corrupted -1 is out of range too */                       \
  "mov %w[result], %w[index]\n\t"                                                        \
  "madd %[address], %[index], %[stride], %[cell0]\n\t"

// Post-commit exits and the abort handler, after the commit store and label 2.
#define RSEQ_AARCH64_EXITS                   \
  "b 6f\n\t"                                 \
  "5:\n\t"                                   \
  "mov %w[result], %[out_of_range]\n\t"      \
  "b 6f\n\t"                                 \
  ".pushsection __rseq_failure, \"ax?\"\n\t" \
  ".inst %c[signature]\n\t"                  \
  "4:\n\t"                                   \
  "mov %w[result], %[aborted]\n\t"           \
  "b 6f\n\t"                                 \
  ".popsection\n\t"                          \
  "6:\n\t"

#define RSEQ_AARCH64_SCRATCH_OUTPUTS \
  [result] "=&r"(result), [index] "=&r"(index), [address] "=&r"(address), [scratch] "=&r"(scratch)

// Pseudo-code: pseudocode.h, SeqAdd.
RSEQ_ALWAYS_INLINE int32_t SeqAdd(void* area, uint32_t index_offset, uint32_t slots, void* cell0, uint64_t stride,
                                  int64_t value, const uint32_t* active_set, uint64_t set_bytes) {
  int32_t result;
  uint64_t index, address, scratch;
  __asm__ __volatile__(RSEQ_AARCH64_ARM RSEQ_AARCH64_INDEX
                       "ldrsw %[scratch], [%[active_set]]\n\t"
                       "and %[scratch], %[scratch], %[set_bytes]\n\t"
                       "add %[address], %[address], %[scratch]\n\t"
                       "ldr %[scratch], [%[address]]\n\t" RSEQ_DELAY_ASM
                       "add %[scratch], %[scratch], %[value]\n\t"
                       "str %[scratch], [%[address]]\n\t"
                       "2:\n\t" RSEQ_AARCH64_EXITS
                       : RSEQ_AARCH64_SCRATCH_OUTPUTS
                       : [area] "r"(area), [index_offset] "r"(static_cast<uint64_t>(index_offset)), [slots] "r"(slots),
                         [cell0] "r"(cell0), [stride] "r"(stride), [value] "r"(value), [active_set] "r"(active_set),
                         [set_bytes] "r"(set_bytes), RSEQ_ASM_CONSTANTS
                       : "memory", "cc");
  return result;
}

// Pseudo-code: pseudocode.h, SeqCompareStore.
inline int32_t SeqCompareStore(void* area, uint32_t index_offset, uint32_t slots, void* cell0, uint64_t stride,
                               int64_t expected, int64_t desired) {
  int32_t result;
  uint64_t index, address, scratch;
  __asm__ __volatile__(RSEQ_AARCH64_ARM RSEQ_AARCH64_INDEX
                       "ldr %[scratch], [%[address]]\n\t"
                       "cmp %[scratch], %[expected]\n\t"
                       "b.ne 7f\n\t" RSEQ_DELAY_ASM
                       "str %[desired], [%[address]]\n\t"
                       "2:\n\t"
                       "b 6f\n\t"
                       "7:\n\t"
                       "mov %w[result], %[compare_failed]\n\t" RSEQ_AARCH64_EXITS
                       : RSEQ_AARCH64_SCRATCH_OUTPUTS
                       : [area] "r"(area), [index_offset] "r"(static_cast<uint64_t>(index_offset)), [slots] "r"(slots),
                         [cell0] "r"(cell0), [stride] "r"(stride), [expected] "r"(expected), [desired] "r"(desired),
                         RSEQ_ASM_CONSTANTS
                       : "memory", "cc");
  return result;
}

// Pseudo-code: pseudocode.h, SeqRestartProbe. On arm64 it has a known catch: kernels 6.19 to 7.0.13 did
// not restart sequences.
inline int32_t SeqRestartProbe(void* area, volatile uint32_t* entered, const volatile uint32_t* ran, uint64_t budget) {
  int32_t result;
  uint64_t scratch;
  uint32_t index;  // only the test builds' delay loop counts in it (RSEQ_DELAY_ASM)
  __asm__ __volatile__(RSEQ_AARCH64_ARM RSEQ_DELAY_ASM
                       "mov %w[scratch], #1\n\t"
                       "str %w[scratch], [%[entered]]\n\t"
                       "3:\n\t"
                       "ldr %w[scratch], [%[ran]]\n\t"
                       "cbnz %w[scratch], 7f\n\t"
                       "subs %[budget], %[budget], #1\n\t"
                       "b.ne 3b\n\t"
                       "2:\n\t"
                       "mov %w[result], %[probe_timed_out]\n\t"
                       "b 6f\n\t"
                       "7:\n\t"
                       "mov %w[result], %[probe_survived]\n\t" RSEQ_AARCH64_EXITS
                       : [result] "=&r"(result), [scratch] "=&r"(scratch), [budget] "+r"(budget), [index] "=&r"(index)
                       : [area] "r"(area), [entered] "r"(entered), [ran] "r"(ran), RSEQ_ASM_CONSTANTS
                       : "memory", "cc");
  return result;
}

#undef RSEQ_AARCH64_ARM
#undef RSEQ_AARCH64_INDEX
#undef RSEQ_AARCH64_EXITS
#undef RSEQ_AARCH64_SCRATCH_OUTPUTS

}  // namespace rseq_native
