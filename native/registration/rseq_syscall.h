// The rseq(2) system call, which glibc does not wrap, and the errno names the API reports.
#pragma once

#include <cstdint>

#include "rseq_abi.h"

namespace rseq_native {

// Both return 0 or an errno value (never -1), so callers can keep the errno without racing on `errno`.
int RseqRegister(RseqArea* area, uint32_t length, uint32_t signature);
int RseqUnregister(RseqArea* area, uint32_t length, uint32_t signature);

// Asks the kernel about rseq(2) without registering anything (a zero-length area is refused before any
// effect): EINVAL means the system call exists, ENOSYS that it does not, EPERM that seccomp refuses it.
int ProbeRseqSyscall();

// "ENOSYS", "EPERM", ... for the values rseq(2) can return; "E<number>" for anything else.
const char* ErrnoName(int error);

}  // namespace rseq_native
