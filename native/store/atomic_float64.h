// A float64 of a store changed atomically (a gauge's value): other threads and processes change the same
// word, so it is read and written whole, as its bits, and an add retries until no other change came between.
#pragma once

#include <cstdint>
#include <cstring>

namespace rseq_native {

inline void AtomicStoreFloat64(uint64_t* word, double value) {
  uint64_t bits;
  std::memcpy(&bits, &value, 8);
  __atomic_store_n(word, bits, __ATOMIC_SEQ_CST);
}

inline void AtomicAddFloat64(uint64_t* word, double value) {
  uint64_t old = __atomic_load_n(word, __ATOMIC_RELAXED);
  for (;;) {
    double current;
    std::memcpy(&current, &old, 8);
    double sum = current + value;
    uint64_t bits;
    std::memcpy(&bits, &sum, 8);
    if (__atomic_compare_exchange_n(word, &old, bits, true, __ATOMIC_SEQ_CST, __ATOMIC_RELAXED)) return;
  }
}

// A set (kAdd false) or an add of `value`: what a gauge's set() and inc()/dec() do, whichever way they arrive.
template <bool kAdd>
inline void UpdateFloat64(uint64_t* word, double value) {
  if (kAdd)
    AtomicAddFloat64(word, value);
  else
    AtomicStoreFloat64(word, value);
}

}  // namespace rseq_native
