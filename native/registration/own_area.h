// rseq areas this package allocates and registers itself, one per thread, when neither glibc nor an
// early adopter has registered the thread. Heap memory rather than TLS: the addon is dlopen'd, so a TLS
// area would need dynamic TLS whose lifetime glibc decides; here the area outlives its registration
// by construction (freed only after a successful unregister).
#pragma once

#include <cstdint>

#include "kernel_features.h"
#include "rseq_abi.h"

namespace rseq_native {

struct OwnArea {
  RseqArea* area = nullptr;
  uint32_t length = 0;  // the rseq_len passed to the kernel
};

// Registers a fresh area for the calling thread. Returns 0 and fills `out`, or the errno of rseq(2)
// (the area is then freed: the kernel never saw it).
int RegisterOwnArea(const KernelFeatures& features, OwnArea* out);

// Unregisters and frees; must run on the thread that registered. On failure the area is deliberately
// leaked, because the kernel may still write to it. Returns 0 or the errno.
int UnregisterOwnArea(OwnArea* own);

// How many own registrations are live in the process (for tests that prove nothing leaks).
int LiveOwnRegistrations();

}  // namespace rseq_native
