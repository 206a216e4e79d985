// The sharing decisions behind one read, in the form its audit entry keeps: every decision that
// sent a record is listed (which version, which rules); decisions that sent nothing are counted
// by effect and rules. A pull over thousands of records the caller may not see thus costs one
// bounded entry, while the log still says exactly what left the node and under which rules.
#ifndef NEXUS_SERVER_DECISION_SUMMARY_H_
#define NEXUS_SERVER_DECISION_SUMMARY_H_

#include <cstddef>
#include <map>
#include <string>
#include <vector>

#include "nexus/v1/audit.pb.h"

namespace nexus {

class DecisionSummary {
 public:
  void Sent(v1::AuditDecision decision);
  void NotSent(const v1::AuditDecision& decision);

  // Records sent so far.
  size_t sent() const { return sent_.size(); }
  bool empty() const { return sent_.empty() && counts_.empty(); }

  // Moves the summary into `entry` and starts a new one.
  void MoveInto(v1::AuditEntry& entry);

 private:
  // Distinct (effect, rules) counted before the rest share one bucket: rules naming versions can
  // make every decision distinct.
  static constexpr size_t kMaxBuckets = 32;
  std::vector<v1::AuditDecision> sent_;
  std::map<std::string, v1::AuditDecisionCount> counts_;
};

}  // namespace nexus

#endif  // NEXUS_SERVER_DECISION_SUMMARY_H_
