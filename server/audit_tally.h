// What the audit log recorded, counted for the metrics endpoint: entries by action and outcome,
// refusals by action and status code, and the sharing decisions they carry by effect. Counted
// from the entries themselves as they are staged, and added to the totals only once their batch
// is durable, so that a metric never counts an entry the log does not hold, and every access the
// log holds is counted (the log is the one place every call passes).
#ifndef NEXUS_SERVER_AUDIT_TALLY_H_
#define NEXUS_SERVER_AUDIT_TALLY_H_

#include <cstdint>
#include <map>
#include <string>
#include <utility>

#include "absl/synchronization/mutex.h"
#include "nexus/v1/audit.pb.h"

namespace nexus {

class AuditTally {
 public:
  struct Counts {
    // (action, outcome) as the proto names them without their prefix, lower case: ("publish",
    // "ok").
    std::map<std::pair<std::string, std::string>, uint64_t> entries;
    // (action, status code name: "permission_denied") of refused entries.
    std::map<std::pair<std::string, std::string>, uint64_t> refusals;
    // Sharing decisions by effect ("permit", "deny", "permit-with-redaction").
    std::map<std::string, uint64_t> decisions;
  };

  // An entry of the batch being staged.
  void Stage(const v1::AuditEntry& entry) ABSL_LOCKS_EXCLUDED(mu_);
  // The batch became durable (its staged entries join the totals) or did not (forgotten).
  void EndBatch(bool durable) ABSL_LOCKS_EXCLUDED(mu_);

  Counts Totals() const ABSL_LOCKS_EXCLUDED(mu_);

 private:
  mutable absl::Mutex mu_;
  Counts staged_ ABSL_GUARDED_BY(mu_);
  Counts totals_ ABSL_GUARDED_BY(mu_);
};

}  // namespace nexus

#endif  // NEXUS_SERVER_AUDIT_TALLY_H_
