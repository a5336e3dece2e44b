#include "rseq_answers.h"

#include <cerrno>

#include "rseq_syscall.h"

namespace rseq_native {

int ProcessSyscallAnswer() {
  static const int answer = ProbeRseqSyscall();  // thread-safe static initialisation: asked once
  return answer;
}

bool SyscallAvailable(int zero_length_answer) { return zero_length_answer == EINVAL; }

bool ConfirmsRegistration(int reregistration_answer) { return reregistration_answer == EBUSY; }

bool AsksNextLength(int reregistration_answer) { return reregistration_answer == EINVAL; }

}  // namespace rseq_native
