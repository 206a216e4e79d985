#include "server/metrics_text.h"

#include <algorithm>
#include <charconv>
#include <cmath>

#include "absl/strings/str_cat.h"

namespace nexus {

std::string EscapeLabelValue(absl::string_view value) {
  std::string escaped;
  escaped.reserve(value.size());
  for (char c : value) {
    if (c == '\\') {
      escaped += "\\\\";
    } else if (c == '"') {
      escaped += "\\\"";
    } else if (c == '\n') {
      escaped += "\\n";
    } else {
      escaped += c;
    }
  }
  return escaped;
}

void MetricsText::Family(absl::string_view name, absl::string_view type, absl::string_view help) {
  if (std::find(started_.begin(), started_.end(), name) != started_.end()) return;
  started_.emplace_back(name);
  family_ = std::string(name);
  // HELP escapes backslash and line feed only (the format's rule for docstrings).
  std::string escaped_help;
  for (char c : help) {
    if (c == '\\') {
      escaped_help += "\\\\";
    } else if (c == '\n') {
      escaped_help += "\\n";
    } else {
      escaped_help += c;
    }
  }
  absl::StrAppend(&text_, "# HELP ", name, " ", escaped_help, "\n# TYPE ", name, " ", type, "\n");
}

void MetricsText::Sample(const Labels& labels, double value, absl::string_view suffix) {
  std::string formatted;
  if (std::isnan(value)) {
    formatted = "NaN";
  } else if (std::isinf(value)) {
    formatted = value > 0 ? "+Inf" : "-Inf";
  } else {
    // The shortest text that reads back as the same double.
    char buffer[32];
    const std::to_chars_result end = std::to_chars(buffer, buffer + sizeof(buffer), value);
    formatted.assign(buffer, end.ptr);
  }
  Line(labels, formatted, suffix);
}

void MetricsText::Sample(const Labels& labels, uint64_t value, absl::string_view suffix) {
  Line(labels, absl::StrCat(value), suffix);
}

void MetricsText::Line(const Labels& labels, absl::string_view value, absl::string_view suffix) {
  absl::StrAppend(&text_, family_, suffix);
  if (!labels.empty()) {
    text_ += '{';
    for (size_t i = 0; i < labels.size(); ++i) {
      absl::StrAppend(&text_, i == 0 ? "" : ",", labels[i].first, "=\"",
                      EscapeLabelValue(labels[i].second), "\"");
    }
    text_ += '}';
  }
  absl::StrAppend(&text_, " ", value, "\n");
}

}  // namespace nexus
