// The restartable sequences as pseudo-code, written once for every architecture. x86_64.h and aarch64.h
// implement each one in assembly and name it here ("pseudo-code: pseudocode.h, SeqAdd"); arch.h gives
// their C++ interface and the rules every sequence follows (descriptor, arming, the range the kernel
// restarts, the commit, the signature and the abort handler). Comments only: no source needs to include
// this header.
//
// Every sequence has the same frame:
//
//   arm:          area->rseq_cs = &descriptor           descriptor = { start, post_commit - start, abort }
//   start:                                              the kernel restarts from here...
//     ...                                               loads and checks; a store here must be harmless
//                                                       to repeat
//     commit                                            a single store, or no commit at all (the probe)
//   post_commit:                                        ...to here, this label excluded
//     return status
//   abort:        (kRseqSignature in the 4 bytes before)
//     return kSeqAborted                                the C++ caller decides whether to retry
//
// "return" leaves the sequence for the common exit after the asm; nothing after post_commit can be
// restarted. A test build (-DRSEQ_TEST_DELAY=N) spins N iterations at the place marked "(test delay)".
//
//
// SeqAdd: per-CPU add.
//
//   arm(descriptor)
//   start:
//     index = area->{cpu_id | mm_cid}          the u32 at area + index_offset
//     if (index >= slots)                      unsigned: a corrupted -1 is out of range too
//       return kSeqOutOfRange
//     set = (int64)*active_set & set_bytes     the word holds 0 or -1: set 0 or set 1. Loaded inside, so
//                                              a drain that retires this set and then runs the rseq fence
//                                              restarts every sequence that loaded it and has not
//                                              committed. The mask keeps even a scribbled word within
//                                              [0, set_bytes]: inside the buffer.
//     cell = cell0 + set + index * stride
//     v = *cell                                load
//     (test delay)
//     v += value                               add
//     *cell = v                                commit
//   post_commit:
//     return index
//   abort:
//     return kSeqAborted
//
//
// SeqCompareStore: per-CPU compare-and-store, always on set 0 (compare-and-store and max cells are not
// drained).
//
//   arm(descriptor)
//   start:
//     index = area->{cpu_id | mm_cid}
//     if (index >= slots)
//       return kSeqOutOfRange
//     cell = cell0 + index * stride
//     if (*cell != expected)                   load, compare, branch out: nothing stored
//       return kSeqCompareFailed
//     (test delay)
//     *cell = desired                          commit
//   post_commit:
//     return index
//   abort:
//     return kSeqAborted
//
//
// SeqRestartProbe: a sequence that never commits, for the process's restart self-test
// (registration/restart_self_test.cc). It says it is inside the sequence by storing to *entered, inside so
// that any interruption after that store interrupts the sequence; another thread pinned to the same CPU
// then sets *ran, which it can only do while this one is scheduled out. A kernel that restarts sequences
// sends this one to its abort handler when it resumes it.
//
//   arm(descriptor)
//   start:
//     (test delay)                             widens the window before *entered is stored
//     *entered = 1                             not a commit: nothing depends on it being stored once
//     loop:
//       if (*ran != 0)                         scheduled out and back without an abort
//         return kProbeSurvived
//       if (--budget == 0)
//         leave the loop
//   post_commit:                               reached only by running out of budget
//     return kProbeTimedOut
//   abort:
//     return kSeqAborted
#pragma once
