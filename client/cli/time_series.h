// Counts over time, by series (an action, a refusal reason), in bounded memory whatever the span:
// buckets start one second wide and are merged into the next width of a fixed ladder (10 s,
// 1 min, ... 1 year) whenever there would be more than kMaxBuckets of them. A chart asks for at
// most N bars and gets the narrowest width of the ladder that fits.
#ifndef NEXUS_CLIENT_CLI_TIME_SERIES_H_
#define NEXUS_CLIENT_CLI_TIME_SERIES_H_

#include <cstdint>
#include <map>
#include <string>

namespace nexus {

class TimeSeries {
 public:
  static constexpr size_t kMaxBuckets = 2048;
  // Bucket widths, in seconds.
  static constexpr int64_t kWidths[] = {1,     10,     60,      600,      3600,     21600,
                                        86400, 604800, 2592000, 31536000, 315360000};

  // Bucket start (Unix seconds) → series → count.
  using Buckets = std::map<int64_t, std::map<std::string, uint64_t>>;

  void Add(int64_t time_unix_micros, const std::string& series) {
    buckets_[Start(FloorSeconds(time_unix_micros), width_)][series] += 1;
    while (buckets_.size() > kMaxBuckets && level_ + 1 < std::size(kWidths)) {
      width_ = kWidths[++level_];
      buckets_ = Merged(buckets_, width_);
    }
  }

  // The buckets at the narrowest width that gives at most `max_bars` buckets between the first
  // and the last; `*width_seconds` receives that width.
  Buckets ForChart(size_t max_bars, int64_t* width_seconds) const {
    size_t level = level_;
    Buckets chart = buckets_;
    while (level + 1 < std::size(kWidths) && Span(chart, kWidths[level]) > max_bars) {
      chart = Merged(chart, kWidths[++level]);
    }
    *width_seconds = kWidths[level];
    return chart;
  }

  bool empty() const { return buckets_.empty(); }

 private:
  static int64_t FloorSeconds(int64_t micros) {
    return micros >= 0 ? micros / 1000000 : -((-micros + 999999) / 1000000);
  }
  static int64_t Start(int64_t seconds, int64_t width) {
    int64_t q = seconds / width;
    if (seconds % width < 0) --q;
    return q * width;
  }
  // How many buckets of `width` the span from the first to the last bucket covers.
  static size_t Span(const Buckets& buckets, int64_t width) {
    if (buckets.empty()) return 0;
    const int64_t first = Start(buckets.begin()->first, width);
    const int64_t last = Start(buckets.rbegin()->first, width);
    return static_cast<size_t>((last - first) / width + 1);
  }
  static Buckets Merged(const Buckets& buckets, int64_t width) {
    Buckets merged;
    for (const auto& [start, series] : buckets) {
      auto& into = merged[Start(start, width)];
      for (const auto& [name, count] : series) into[name] += count;
    }
    return merged;
  }

  size_t level_ = 0;
  int64_t width_ = kWidths[0];
  Buckets buckets_;
};

}  // namespace nexus

#endif  // NEXUS_CLIENT_CLI_TIME_SERIES_H_
