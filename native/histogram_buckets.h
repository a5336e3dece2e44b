// Where a histogram puts one observation, decided natively so that observe(v) is one N-API call that
// reads one number: the bucket (first bound >= v) and the value as a whole count of `resolution`. The
// arithmetic is JavaScript's (IEEE division, Math.round), so the native side places every value exactly
// where lib/percpu-histogram.ts documents it.
#pragma once

#include <cmath>
#include <cstdint>
#include <vector>

namespace rseq_native {

struct HistogramBuckets {
  std::vector<double> bounds;  // ascending, finite (checked by the JS layer before it hands them over)
  double resolution;           // finite, > 0
};

// Math.round: the nearest integer, halves towards +infinity (std::round would take -2.5 to -3, JS to -2).
inline double RoundLikeJavaScript(double x) {
  double up = std::ceil(x);
  return up - 0.5 > x ? up - 1.0 : up;
}

constexpr double kMaxSafeInteger = 9007199254740991.0;

// The cell of the bucket `value` falls in (1 + its index; the last for values above every bound) and its
// units. False when the units are not a safe integer (NaN, infinities, or too large for the resolution).
inline bool PlaceObservation(const HistogramBuckets& buckets, double value, uint32_t* bucket_cell, int64_t* units) {
  double rounded = RoundLikeJavaScript(value / buckets.resolution);
  if (!(std::fabs(rounded) <= kMaxSafeInteger)) return false;  // also false for NaN
  uint32_t low = 0;
  uint32_t high = static_cast<uint32_t>(buckets.bounds.size());
  while (low < high) {
    uint32_t middle = (low + high) / 2;
    if (value <= buckets.bounds[middle]) high = middle;
    else low = middle + 1;
  }
  *bucket_cell = low + 1;
  *units = static_cast<int64_t>(rounded);
  return true;
}

}  // namespace rseq_native
