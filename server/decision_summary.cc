#include "server/decision_summary.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

namespace nexus {

void DecisionSummary::Sent(v1::AuditDecision decision) { sent_.push_back(std::move(decision)); }

void DecisionSummary::NotSent(const v1::AuditDecision& decision) {
  // NUL cannot occur in an effect or a rule name, so keys of distinct buckets never collide.
  std::string key = absl::StrCat(decision.effect(), std::string(1, '\0'),
                                 absl::StrJoin(decision.rules(), std::string(1, '\0')));
  auto it = counts_.find(key);
  if (it == counts_.end()) {
    if (counts_.size() < kMaxBuckets) {
      v1::AuditDecisionCount& count = counts_[key];
      count.set_effect(decision.effect());
      *count.mutable_rules() = decision.rules();
      it = counts_.find(key);
    } else {
      it = counts_.find("");  // the shared bucket: effect "other"
      if (it == counts_.end()) it = counts_.emplace("", v1::AuditDecisionCount()).first;
      it->second.set_effect("other");
    }
  }
  it->second.set_count(it->second.count() + 1);
}

void DecisionSummary::MoveInto(v1::AuditEntry& entry) {
  for (v1::AuditDecision& decision : sent_) *entry.add_decisions() = std::move(decision);
  for (auto& [key, count] : counts_) *entry.add_decision_counts() = std::move(count);
  sent_.clear();
  counts_.clear();
}

}  // namespace nexus
