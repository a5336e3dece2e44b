// x86_64: signature, thread pointer.
#pragma once

#include <cstdint>

namespace rseq_native {

constexpr const char* kArchName = "x64";

// The signature the kernel compares with the 4 bytes before an abort handler. On x86_64 those bytes are
// the immediate of a `nopl 0x53053053(%rip)` (0f 1f 05 + imm32), so the signature is also a harmless
// instruction should execution ever fall into it. Same value as glibc and librseq.
constexpr uint32_t kRseqSignature = 0x53053053;

// %fs:0 holds the thread pointer itself (the TCB's self pointer), which is what __rseq_offset is added to.
inline void* ThreadPointer() {
  void* tp;
  __asm__("mov %%fs:0, %0" : "=r"(tp));
  return tp;
}

}  // namespace rseq_native
