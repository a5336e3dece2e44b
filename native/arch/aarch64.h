// aarch64: signature, thread pointer.
#pragma once

#include <cstdint>

namespace rseq_native {

constexpr const char* kArchName = "arm64";

// The signature is the encoding of `brk #0x45e0` (0xd428bc00), stored as data before each abort handler,
// so an accidental jump into it traps instead of running on. Same value as glibc and librseq.
constexpr uint32_t kRseqSignature = 0xd428bc00;

inline void* ThreadPointer() {
  void* tp;
  __asm__("mrs %0, tpidr_el0" : "=r"(tp));
  return tp;
}

}  // namespace rseq_native
