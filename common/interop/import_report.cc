#include "common/interop/import_report.h"

#include "absl/strings/str_cat.h"

namespace nexus {

void ImportReport::Skip(std::string object, std::string reason) {
  ++skipped_;
  if (issues_.size() < kMaxListed) issues_.push_back({std::move(object), std::move(reason)});
}

void ImportReport::Note(std::string object, std::string what) {
  ++noted_;
  if (issues_.size() < kMaxListed) {
    issues_.push_back({std::move(object), std::move(what), /*rejected=*/false, /*noted=*/true});
  }
}

void ImportReport::Result(const v1::PublishResult& result, const std::string& source) {
  switch (result.outcome()) {
    case v1::PUBLISH_OUTCOME_STORED:
      ++stored_;
      return;
    case v1::PUBLISH_OUTCOME_UNCHANGED:
      ++unchanged_;
      return;
    default:
      ++rejected_;
      if (issues_.size() < kMaxListed) {
        issues_.push_back({source, absl::StrCat("the node refused it: ", result.error()), true});
      }
  }
}

std::string ImportReport::ProgressLine(absl::Duration elapsed) const {
  double seconds = absl::ToDoubleSeconds(elapsed);
  uint64_t rate = seconds > 0 ? static_cast<uint64_t>(objects_read_ / seconds) : 0;
  return absl::StrCat("objects ", objects_read_, ", records ", records_mapped_, " (stored ",
                      stored_, ", unchanged ", unchanged_, ", rejected ", rejected_, "), skipped ",
                      skipped_, superseded_ ? absl::StrCat(", superseded ", superseded_) : "",
                      noted_ ? absl::StrCat(", parts not carried ", noted_) : "", ", ", rate,
                      " objects/s");
}

}  // namespace nexus
