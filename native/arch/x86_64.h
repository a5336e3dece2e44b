// x86_64: signature, thread pointer, and the per-CPU critical sections in assembly. Their pseudo-code is
// in pseudocode.h and the rules they follow in arch.h; this file holds only what x86_64 makes of them.
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

// The test delay (arch.h): counts down in %ecx, free at every place a sequence spins.
#ifdef RSEQ_TEST_DELAY
#define RSEQ_DELAY_ASM "movl $" RSEQ_STR(RSEQ_TEST_DELAY) ", %%ecx\n\t8: decl %%ecx\n\tjnz 8b\n\t"
#else
#define RSEQ_DELAY_ASM ""
#endif

// Descriptor, arming store and the start label, shared by every sequence. %%rax is scratch.
#define RSEQ_X86_64_ARM                                                      \
  ".pushsection __rseq_cs, \"aw?\"\n\t"                                      \
  ".balign 32\n\t"                                                           \
  "9:\n\t"                                                                   \
  ".long 0, 0\n\t"              /* version, flags */                         \
  ".quad 1f, (2f - 1f), 4f\n\t" /* start_ip, post_commit_offset, abort_ip */ \
  ".popsection\n\t"                                                          \
  "leaq 9b(%%rip), %%rax\n\t"                                                \
  "movq %%rax, 8(%[area])\n\t" /* area->rseq_cs = &descriptor */             \
  "1:\n\t"

// The bounds-checked address of this CPU's cell: %%eax = index, %%rax = index * stride.
#define RSEQ_X86_64_INDEX                                                             \
  "movl (%[area], %[index_offset]), %%eax\n\t" /* index = area->cpu_id or ->mm_cid */ \
  "cmpl %[slots], %%eax\n\t"                                                          \
  "jae 5f\n\t" /* unsigned: a corrupted -1 is out of range too */                     \
  "movl %%eax, %k[result]\n\t"                                                        \
  "imulq %[stride], %%rax\n\t"

// Post-commit exits and the abort handler, after the commit store and label 2. The three bytes before the
// signature make it the displacement of a `ud1` (see kRseqSignature).
#define RSEQ_X86_64_EXITS                    \
  "jmp 6f\n\t"                               \
  "5:\n\t"                                   \
  "movl %[out_of_range], %k[result]\n\t"     \
  "jmp 6f\n\t"                               \
  ".pushsection __rseq_failure, \"ax?\"\n\t" \
  ".byte 0x0f, 0xb9, 0x3d\n\t"               \
  ".long %c[signature]\n\t"                  \
  "4:\n\t"                                   \
  "movl %[aborted], %k[result]\n\t"          \
  "jmp 6f\n\t"                               \
  ".popsection\n\t"                          \
  "6:\n\t"

// Pseudo-code: pseudocode.h, SeqAdd.
RSEQ_ALWAYS_INLINE int32_t SeqAdd(void* area, uint32_t index_offset, uint32_t slots, void* cell0, uint64_t stride,
                                  int64_t value, const uint32_t* active_set, uint64_t set_bytes) {
  int32_t result;
  __asm__ __volatile__(RSEQ_X86_64_ARM RSEQ_X86_64_INDEX
                       "movslq (%[active_set]), %%rcx\n\t"
                       "andq %[set_bytes], %%rcx\n\t"
                       "addq %%rcx, %%rax\n\t"
                       "movq (%[cell0], %%rax), %%rdx\n\t" RSEQ_DELAY_ASM
                       "addq %[value], %%rdx\n\t"
                       "movq %%rdx, (%[cell0], %%rax)\n\t"
                       "2:\n\t" RSEQ_X86_64_EXITS
                       : [result] "=&r"(result)
                       : [area] "r"(area), [index_offset] "r"(static_cast<uint64_t>(index_offset)), [slots] "r"(slots),
                         [cell0] "r"(cell0), [stride] "r"(stride), [value] "r"(value), [active_set] "r"(active_set),
                         [set_bytes] "r"(set_bytes), RSEQ_ASM_CONSTANTS
                       : "rax", "rcx", "rdx", "memory", "cc");
  return result;
}

// Pseudo-code: pseudocode.h, SeqCompareStore.
inline int32_t SeqCompareStore(void* area, uint32_t index_offset, uint32_t slots, void* cell0, uint64_t stride,
                               int64_t expected, int64_t desired) {
  int32_t result;
  __asm__ __volatile__(RSEQ_X86_64_ARM RSEQ_X86_64_INDEX
                       "cmpq %[expected], (%[cell0], %%rax)\n\t"
                       "jne 7f\n\t" RSEQ_DELAY_ASM
                       "movq %[desired], (%[cell0], %%rax)\n\t"
                       "2:\n\t"
                       "jmp 6f\n\t"
                       "7:\n\t"
                       "movl %[compare_failed], %k[result]\n\t" RSEQ_X86_64_EXITS
                       : [result] "=&r"(result)
                       : [area] "r"(area), [index_offset] "r"(static_cast<uint64_t>(index_offset)), [slots] "r"(slots),
                         [cell0] "r"(cell0), [stride] "r"(stride), [expected] "r"(expected), [desired] "r"(desired),
                         RSEQ_ASM_CONSTANTS
                       : "rax", "rcx", "rdx", "memory", "cc");
  return result;
}

// Pseudo-code: pseudocode.h, SeqRestartProbe.
inline int32_t SeqRestartProbe(void* area, volatile uint32_t* entered, const volatile uint32_t* ran, uint64_t budget) {
  int32_t result;
  __asm__ __volatile__(RSEQ_X86_64_ARM RSEQ_DELAY_ASM
                       "movl $1, (%[entered])\n\t"
                       "3:\n\t"
                       "cmpl $0, (%[ran])\n\t"
                       "jne 7f\n\t"
                       "decq %[budget]\n\t"
                       "jnz 3b\n\t"
                       "2:\n\t"
                       "movl %[probe_timed_out], %k[result]\n\t"
                       "jmp 6f\n\t"
                       "7:\n\t"
                       "movl %[probe_survived], %k[result]\n\t" RSEQ_X86_64_EXITS
                       : [result] "=&r"(result), [budget] "+r"(budget)
                       : [area] "r"(area), [entered] "r"(entered), [ran] "r"(ran), RSEQ_ASM_CONSTANTS
                       : "rax", "rcx", "memory", "cc");
  return result;
}

#undef RSEQ_X86_64_ARM
#undef RSEQ_X86_64_INDEX
#undef RSEQ_X86_64_EXITS

}  // namespace rseq_native
