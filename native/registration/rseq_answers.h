// What each answer of rseq(2) means for the process: the one place where an errno becomes a decision.
// The package asks the kernel two questions, and to each exactly one answer lets sequences run:
//
//   1. Is the system call there, and allowed?  Asked once per process, with a zero-length registration
//      the kernel refuses for its arguments before it has any effect.
//        EINVAL  yes.
//        else    no (ENOSYS: old kernel, emulator, seccomp; EPERM: seccomp; anything unknown): no thread
//                of the process runs a sequence, and drains take cells with atomic exchange
//                (native/percpu/rseq_fence.h). Both follow from this one answer, so they cannot disagree.
//
//   2. Is this area, which looks registered (cpu_id >= 0), registered with our signature?  Asked per
//      thread, by registering it again at each length its owner may have used.
//        EBUSY   yes: same area, length and signature. The only answer that lets the thread share it.
//        EINVAL  not at this length (or another area is registered): the next candidate length is asked.
//        0       the kernel accepted it, so it was not registered after all (a stale cpu_id): given back.
//        else    no (EPERM: another signature, or seccomp; ENOSYS: filtered; anything unknown).
//      Any answer but EBUSY means fallback, with the answer named in the reason.
#pragma once

namespace rseq_native {

// Question 1, asked on the first call and remembered: the errno of the zero-length registration.
int ProcessSyscallAnswer();
bool SyscallAvailable(int zero_length_answer);

// Question 2.
bool ConfirmsRegistration(int reregistration_answer);
bool AsksNextLength(int reregistration_answer);

}  // namespace rseq_native
