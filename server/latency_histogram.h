// A histogram of durations for the metrics endpoint: fixed buckets in seconds, counted with
// atomics so that the thread it measures (the commit queue's writer) never takes a lock for it.
#ifndef NEXUS_SERVER_LATENCY_HISTOGRAM_H_
#define NEXUS_SERVER_LATENCY_HISTOGRAM_H_

#include <array>
#include <atomic>
#include <cstdint>

#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "server/metrics_text.h"

namespace nexus {

class LatencyHistogram {
 public:
  // Upper bounds in seconds: 100 µs to 10 s, about three per decade (fsync on an SSD takes
  // 0.1 to a few ms; a disk in trouble, seconds).
  static constexpr std::array<double, 15> kBounds = {
      0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 10};

  void Observe(absl::Duration duration);

  // Writes the family `name` (seconds) as a Prometheus histogram: cumulative buckets, +Inf,
  // _sum and _count. A scrape during an Observe may see the count one ahead of the sum, as any
  // lock-free histogram's may.
  void Write(MetricsText& out, absl::string_view name, absl::string_view help) const;

 private:
  std::array<std::atomic<uint64_t>, kBounds.size() + 1> counts_{};  // the last: above all bounds
  std::atomic<uint64_t> sum_nanos_{0};
};

}  // namespace nexus

#endif  // NEXUS_SERVER_LATENCY_HISTOGRAM_H_
