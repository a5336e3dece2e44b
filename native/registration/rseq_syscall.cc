#include "rseq_syscall.h"

#include "rseq_answers.h"

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

int RegisterLive(RseqArea* area, uint32_t length, uint32_t signature) {
  int error = RseqRegister(area, length, signature);
  if (error != 0 || CpuIdOf(area) >= 0) return error;
  RseqUnregister(area, length, signature);
  return kRegistrationIgnored;
}

int RegisterAgain(RseqArea* area, const uint32_t* lengths, int count, uint32_t signature, uint32_t* answered_length) {
  int answer = EINVAL;
  for (int i = 0; i < count; i++) {
    if (i > 0 && lengths[i] == lengths[i - 1]) continue;
    answer = RseqRegister(area, lengths[i], signature);
    *answered_length = lengths[i];
    if (answer == 0) RseqUnregister(area, lengths[i], signature);
    if (!AsksNextLength(answer)) break;
  }
  return answer;
}

int ProbeRseqSyscall() { return RseqSyscall(nullptr, 0, 0, 0); }

const char* ErrnoName(int error) {
  switch (error) {
    case ENOSYS:
      return "ENOSYS";
    case EPERM:
      return "EPERM";
    case EINVAL:
      return "EINVAL";
    case EBUSY:
      return "EBUSY";
    case EFAULT:
      return "EFAULT";
    case ENOMEM:
      return "ENOMEM";
    case EACCES:
      return "EACCES";
    case EAGAIN:
      return "EAGAIN";
    case ENOENT:
      return "ENOENT";
  }
  if (error == kRegistrationIgnored) return "accepted-but-not-live";
  // One buffer per thread: the name is copied into a JS string before the thread can ask again.
  static thread_local char buffer[24];
  snprintf(buffer, sizeof buffer, "E%d", error);
  return buffer;
}

}  // namespace rseq_native
