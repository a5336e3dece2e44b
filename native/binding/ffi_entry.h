// The plain C entry points of the hot operations, exported from the addon for runtimes whose FFI calls a C
// function for less than N-API costs (Bun's bun:ffi, Deno's Deno.dlopen: 2-3 ns against 9-38 ns). Each
// takes a cell handle of the calling thread (cell_handles.h) and a number, runs the same per-thread
// sequences as the N-API functions (or their atomics in fallback), and answers kHandleDone or kHandleRefused.
// Refused means nothing was done (a value that is not an integer, or negative for a counter that only goes
// up; a value a histogram cannot place; a closed store; an unknown handle): the JS layer then makes the
// same call through N-API, whose error names the argument.
#pragma once

#include <cstdint>

#define RSEQ_EXPORT extern "C" __attribute__((visibility("default")))

// What an entry point answers: done, or refused (nothing was done). compareExchange answers the CPU it stored
// on (>= 0) or kFfiCompareFailed instead, and its refusals are kFfiCasRefused.
constexpr int32_t kHandleDone = 0;
constexpr int32_t kHandleRefused = 1;
constexpr int32_t kFfiCompareFailed = -1;
constexpr int32_t kFfiCasRefused = -2;

RSEQ_EXPORT int32_t rseq_ffi_counter_add(uint32_t handle, double value);
RSEQ_EXPORT int32_t rseq_ffi_histogram_observe(uint32_t handle, double value);
RSEQ_EXPORT int32_t rseq_ffi_array_add(uint32_t handle, uint32_t cell, double value);
RSEQ_EXPORT int32_t rseq_ffi_array_max(uint32_t handle, uint32_t cell, double value);
RSEQ_EXPORT int32_t rseq_ffi_array_compare_exchange(uint32_t handle, uint32_t cell, double expected, double desired);
