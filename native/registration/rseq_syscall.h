// The rseq(2) system call, which glibc does not wrap, and the errno names the API reports.
#pragma once

#include <cstdint>

#include "rseq_abi.h"

namespace rseq_native {

// Both return 0 or an errno value (never -1), so callers can keep the errno without racing on `errno`.
int RseqRegister(RseqArea* area, uint32_t length, uint32_t signature);
int RseqUnregister(RseqArea* area, uint32_t length, uint32_t signature);

// What RegisterLive returns when rseq(2) reported success but the kernel did not start writing the area
// (cpu_id still unset on return: a filter or an emulator faking the call). Not an errno the kernel gives.
constexpr int kRegistrationIgnored = -1;

// RseqRegister, then proof that it took effect: the kernel writes cpu_id before the call returns to user
// space. Where it did not, the registration is given back and kRegistrationIgnored returned.
int RegisterLive(RseqArea* area, uint32_t length, uint32_t signature);

// Registers `area`, which looks registered, again at each of `lengths` in turn while the kernel answers
// EINVAL (not at this length), and returns its last answer, with the length that got it in
// `*answered_length` (native/registration/rseq_answers.h says what each answer means). A registration the
// kernel accepts (the area was not registered after all) is given back at once. Nothing else changes.
int RegisterAgain(RseqArea* area, const uint32_t* lengths, int count, uint32_t signature, uint32_t* answered_length);

// Asks the kernel about rseq(2) without registering anything (a zero-length area is refused before any
// effect): EINVAL means the system call exists, ENOSYS that it does not, EPERM that seccomp refuses it.
int ProbeRseqSyscall();

// "ENOSYS", "EPERM", ... for the values rseq(2) can return; "E<number>" for anything else.
const char* ErrnoName(int error);

}  // namespace rseq_native
