// The one interface every architecture implements. Each architecture supplies, in native/arch/<name>.h:
//   constexpr uint32_t kRseqSignature   the abort signature registered with the kernel and placed before
//                                       every abort handler
//   constexpr const char* kArchName     the process.arch spelling
//   void* ThreadPointer()               the thread pointer glibc's __rseq_offset is relative to
// Adding an architecture means adding one file there and one line here.
#pragma once

#if defined(__x86_64__)
#include "arch/x86_64.h"
#elif defined(__aarch64__)
#include "arch/aarch64.h"
#else
#error "rseq: unsupported architecture (x86_64 and aarch64 are implemented)"
#endif
