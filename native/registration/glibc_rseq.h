// glibc >= 2.35 registers an rseq area for every thread it creates and publishes where it is through
// three symbols. The addon is dlopen'd after libc, so they are looked up at run time in the global scope.
#pragma once

#include <cstddef>
#include <cstdint>

#include "rseq_abi.h"

namespace rseq_native {

struct GlibcRseq {
  bool exported;     // the C library defines __rseq_offset/__rseq_size/__rseq_flags (glibc >= 2.35)
  ptrdiff_t offset;  // __rseq_offset: from the thread pointer to this thread's area
  uint32_t size;     // __rseq_size: 0 when glibc did not register (tunable off, registration refused)
  uint32_t flags;    // __rseq_flags

  // glibc registers the threads it creates (it may still have failed for one: see GlibcAreaOfThisThread).
  bool RegistersThreads() const { return exported && size != 0; }
};

GlibcRseq LookupGlibcRseq();

// Where glibc keeps the calling thread's area, and what it holds now. A thread that glibc did not create
// (or whose registration the kernel refused) has the area but a negative cpu_id.
struct GlibcThreadArea {
  RseqArea* area;
  int32_t cpu_id;

  bool Registered() const { return cpu_id >= 0; }
};

// Only meaningful when glibc.RegistersThreads().
GlibcThreadArea GlibcAreaOfThisThread(const GlibcRseq& glibc);

}  // namespace rseq_native
