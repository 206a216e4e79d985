#include "server/latency_histogram.h"

#include <charconv>

#include "absl/strings/str_cat.h"

namespace nexus {

void LatencyHistogram::Observe(absl::Duration duration) {
  const double seconds = absl::ToDoubleSeconds(duration);
  size_t bucket = 0;
  while (bucket < kBounds.size() && seconds > kBounds[bucket]) ++bucket;
  counts_[bucket].fetch_add(1, std::memory_order_relaxed);
  const int64_t nanos = absl::ToInt64Nanoseconds(duration);
  sum_nanos_.fetch_add(nanos > 0 ? static_cast<uint64_t>(nanos) : 0, std::memory_order_relaxed);
}

void LatencyHistogram::Write(MetricsText& out, absl::string_view name,
                             absl::string_view help) const {
  out.Family(name, "histogram", help);
  uint64_t cumulative = 0;
  for (size_t i = 0; i < kBounds.size(); ++i) {
    cumulative += counts_[i].load(std::memory_order_relaxed);
    char bound[32];
    // Fixed notation, as client libraries write bounds ("0.0001", not "1e-04").
    const std::to_chars_result end =
        std::to_chars(bound, bound + sizeof(bound), kBounds[i], std::chars_format::fixed);
    out.Sample({{"le", std::string(bound, end.ptr)}}, cumulative, "_bucket");
  }
  cumulative += counts_[kBounds.size()].load(std::memory_order_relaxed);
  out.Sample({{"le", "+Inf"}}, cumulative, "_bucket");
  out.Sample({}, static_cast<double>(sum_nanos_.load(std::memory_order_relaxed)) / 1e9, "_sum");
  out.Sample({}, cumulative, "_count");
}

}  // namespace nexus
