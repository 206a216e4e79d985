#include "server/audit_tally.h"

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"

namespace nexus {
namespace {

std::string EnumLabel(const std::string& name, absl::string_view prefix) {
  return absl::AsciiStrToLower(absl::StripPrefix(name, prefix));
}

// A status code's canonical name in lower case ("permission_denied"); "code_N" for a number no
// status has (an entry's code is an int32 of the proto).
std::string CodeLabel(int code) {
  if (code < 0 || code > static_cast<int>(absl::StatusCode::kUnauthenticated)) {
    return absl::StrCat("code_", code);
  }
  return absl::AsciiStrToLower(absl::StatusCodeToString(static_cast<absl::StatusCode>(code)));
}

template <typename Map>
void AddInto(Map& into, const Map& from) {
  for (const auto& [key, count] : from) into[key] += count;
}

}  // namespace

void AuditTally::Stage(const v1::AuditEntry& entry) {
  const std::string action = EnumLabel(v1::AuditAction_Name(entry.action()), "AUDIT_ACTION_");
  const std::string outcome = EnumLabel(v1::AuditOutcome_Name(entry.outcome()), "AUDIT_OUTCOME_");
  absl::MutexLock lock(&mu_);
  ++staged_.entries[{action, outcome}];
  if (entry.outcome() == v1::AUDIT_OUTCOME_REFUSED) {
    ++staged_.refusals[{action, CodeLabel(entry.code())}];
  }
  for (const v1::AuditDecision& decision : entry.decisions())
    ++staged_.decisions[decision.effect()];
  for (const v1::AuditDecisionCount& counted : entry.decision_counts()) {
    staged_.decisions[counted.effect()] += counted.count();
  }
}

void AuditTally::EndBatch(bool durable) {
  absl::MutexLock lock(&mu_);
  if (durable) {
    AddInto(totals_.entries, staged_.entries);
    AddInto(totals_.refusals, staged_.refusals);
    AddInto(totals_.decisions, staged_.decisions);
  }
  staged_ = Counts();
}

AuditTally::Counts AuditTally::Totals() const {
  absl::MutexLock lock(&mu_);
  return totals_;
}

}  // namespace nexus
