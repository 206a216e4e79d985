// The Prometheus text exposition format (version 0.0.4), as a scrape reads it: each metric
// family once, its HELP and TYPE lines first, then its samples. Names follow Prometheus's
// conventions (a `nexus_` prefix, base units, `_total` for counters); label values are escaped
// here, so that a peer's agency id or an error code cannot break a line.
#ifndef NEXUS_SERVER_METRICS_TEXT_H_
#define NEXUS_SERVER_METRICS_TEXT_H_

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/string_view.h"

namespace nexus {

class MetricsText {
 public:
  using Labels = std::vector<std::pair<std::string, std::string>>;

  // Starts family `name` of `type` ("counter", "gauge" or "histogram"). A family started twice is
  // a programming error: the second start is ignored and its samples go to the first.
  void Family(absl::string_view name, absl::string_view type, absl::string_view help);
  // A sample of the family started last: `suffix` is empty, or "_bucket", "_sum", "_count" of a
  // histogram.
  void Sample(const Labels& labels, double value, absl::string_view suffix = "");
  void Sample(const Labels& labels, uint64_t value, absl::string_view suffix = "");
  void Sample(double value) { Sample(Labels{}, value); }
  void Sample(uint64_t value) { Sample(Labels{}, value); }

  const std::string& text() const { return text_; }

 private:
  void Line(const Labels& labels, absl::string_view value, absl::string_view suffix);

  std::string text_;
  std::string family_;
  std::vector<std::string> started_;
};

// A label value as the format writes it between quotes: backslash, double quote and line feed
// escaped.
std::string EscapeLabelValue(absl::string_view value);

}  // namespace nexus

#endif  // NEXUS_SERVER_METRICS_TEXT_H_
