// Where a histogram puts one observation, decided natively so that observe(v) is one N-API call that
// reads one number: the bucket (first bound >= v) and the value as a whole count of `resolution`. The
// arithmetic is JavaScript's (IEEE division, Math.round), so the native side places every value exactly
// where lib/percpu/percpu-histogram.ts documents it.
#pragma once

#include <cmath>
#include <cstdint>
#include <utility>
#include <vector>

namespace rseq_native {

struct HistogramBuckets {
  std::vector<double> bounds;  // ascending, finite (checked by the JS layer before it hands them over)
  double resolution = 1.0;     // finite, > 0
  // 1 / resolution where that is a power of two (1 included), else 0. Multiplying by a power of two rounds the
  // same real number as dividing by its reciprocal, so value * it is value / resolution to the last bit (NaN,
  // infinities and subnormals included), and the hot path does without a division, a long-latency instruction.
  double exact_reciprocal = 1.0;
};

// The buckets of `bounds` counting whole multiples of `resolution`.
inline HistogramBuckets HistogramBucketsOf(std::vector<double> bounds, double resolution) {
  int exponent;
  double reciprocal = 1.0 / resolution;
  bool powers_of_two =
      std::frexp(resolution, &exponent) == 0.5 && std::isfinite(reciprocal) && std::frexp(reciprocal, &exponent) == 0.5;
  return HistogramBuckets{std::move(bounds), resolution, powers_of_two ? reciprocal : 0.0};
}

// value / resolution, as JavaScript computes it.
inline double InUnits(const HistogramBuckets& buckets, double value) {
  return buckets.exact_reciprocal != 0.0 ? value * buckets.exact_reciprocal : value / buckets.resolution;
}

constexpr double kMaxSafeInteger = 9007199254740991.0;

// Math.round(x) as a safe integer: the nearest integer, halves towards +infinity (std::round would take
// -2.5 to -3, JS takes it to -2), computed as V8 does (ceil, then down by one if that overshot by more
// than a half). False for NaN, infinities and results beyond Number.MAX_SAFE_INTEGER. No libm call: this
// is on the hot path, and below 2^53 the int64 round trip is an exact truncation.
inline bool RoundLikeJavaScript(double x, int64_t* out) {
  if (!(std::fabs(x) <= 9007199254740992.0)) return false;
  double truncated = static_cast<double>(static_cast<int64_t>(x));
  double up = truncated < x ? truncated + 1.0 : truncated;
  double rounded = up - 0.5 > x ? up - 1.0 : up;
  if (std::fabs(rounded) > kMaxSafeInteger) return false;
  *out = static_cast<int64_t>(rounded);
  return true;
}

// The cell of the bucket `value` falls in (1 + its index; the last for values above every bound) and its
// units. False when the units are not a safe integer (NaN, infinities, or too large for the resolution).
inline bool PlaceObservation(const HistogramBuckets& buckets, double value, uint32_t* bucket_cell, int64_t* units) {
  if (!RoundLikeJavaScript(InUnits(buckets, value), units)) return false;
  // The first bound >= value, by binary search. A branch-free version (a mask per step) measured slower
  // here: its steps form one chain of dependent loads, while the branches are predicted well whenever
  // observed values repeat a pattern or crowd into a few buckets, as latencies do.
  const std::vector<double>& bounds = buckets.bounds;
  uint32_t low = 0;
  uint32_t high = static_cast<uint32_t>(bounds.size());
  while (low < high) {
    uint32_t middle = (low + high) / 2;
    if (value <= bounds[middle])
      high = middle;
    else
      low = middle + 1;
  }
  *bucket_cell = low + 1;
  return true;
}

}  // namespace rseq_native
