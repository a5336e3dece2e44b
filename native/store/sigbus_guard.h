// A host-wide store is a shared mapping of a file that other processes of the same user can shrink
// (ftruncate): the kernel then answers any access to the pages past the new end with SIGBUS, which would
// kill this process in the middle of an add. The guard turns that into a detached store instead: a SIGBUS
// whose address lies in a guarded range replaces the whole range with private zeroed memory (so the
// faulting access, retried, succeeds and later ones too), and marks the range lost, which the store reports
// on its next read. Any other SIGBUS (a fault elsewhere, or one another process sent) goes to the handler
// that was installed before, or kills the process as it would have without the guard. A handler installed
// after the guard (Node's process.on('SIGBUS')) replaces it: a store file shrunk then is no longer caught.
#pragma once

#include <signal.h>

#include <cstddef>

namespace rseq_native {

// Guards [base, base + length) until UnguardRange; `*lost` is set to 1 when the guard replaced it.
// Returns the guard's slot, or -1 when the guard could not be installed or its table is full (the
// range then stays unguarded; say why with GuardProblem()).
int GuardRange(char* base, size_t length, volatile sig_atomic_t* lost);

void UnguardRange(int slot);

// Why the last GuardRange returned -1.
const char* GuardProblem();

}  // namespace rseq_native
