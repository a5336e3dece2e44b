#include "rseq_syscall.h"

#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>

#ifndef __NR_rseq
#if defined(__x86_64__)
#define __NR_rseq 334
#elif defined(__aarch64__)
#define __NR_rseq 293
#endif
#endif

namespace rseq_native {

static int RseqSyscall(RseqArea* area, uint32_t length, int flags, uint32_t signature) {
  long rc = syscall(__NR_rseq, area, length, flags, signature);
  return rc == 0 ? 0 : errno;
}

int RseqRegister(RseqArea* area, uint32_t length, uint32_t signature) {
  return RseqSyscall(area, length, 0, signature);
}

int RseqUnregister(RseqArea* area, uint32_t length, uint32_t signature) {
  return RseqSyscall(area, length, kFlagUnregister, signature);
}

int ProbeRseqSyscall() { return RseqSyscall(nullptr, 0, 0, 0); }

const char* ErrnoName(int error) {
  switch (error) {
    case ENOSYS: return "ENOSYS";
    case EPERM: return "EPERM";
    case EINVAL: return "EINVAL";
    case EBUSY: return "EBUSY";
    case EFAULT: return "EFAULT";
    case ENOMEM: return "ENOMEM";
    case EACCES: return "EACCES";
    case EAGAIN: return "EAGAIN";
    case ENOENT: return "ENOENT";
  }
  // One buffer per thread: the name is copied into a JS string before the thread can ask again.
  static thread_local char buffer[24];
  snprintf(buffer, sizeof buffer, "E%d", error);
  return buffer;
}

}  // namespace rseq_native
