#include "server/audit_filter.h"

#include <algorithm>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"

namespace nexus {
namespace {

// Whether `part` occurs in `text`, ignoring ASCII case.
bool ContainsAnyCase(absl::string_view text, absl::string_view part) {
  return absl::StrContains(absl::AsciiStrToLower(text), absl::AsciiStrToLower(part));
}

}  // namespace

bool MatchesAuditFilter(const v1::AuditFilter& filter, const std::string& bytes) {
  if (filter.ByteSizeLong() == 0) return true;  // no filter
  v1::AuditEntry entry;
  if (!entry.ParseFromString(bytes)) return true;  // shown, so that the auditor sees it
  const v1::AuditActor& actor = entry.actor();
  if (!filter.actor_agency().empty() && actor.agency_id() != filter.actor_agency()) return false;
  if (!filter.actor_role().empty() && actor.role() != filter.actor_role()) return false;
  if (!filter.actor_person().empty() && !ContainsAnyCase(actor.person(), filter.actor_person())) {
    return false;
  }
  if (!filter.purpose().empty() && !ContainsAnyCase(entry.purpose(), filter.purpose())) {
    return false;
  }
  if (filter.action() != 0 || !filter.actions().empty()) {
    const bool listed = entry.action() == filter.action() ||
                        std::find(filter.actions().begin(), filter.actions().end(),
                                  entry.action()) != filter.actions().end();
    if (!listed) return false;
  }
  if (std::find(filter.exclude_actions().begin(), filter.exclude_actions().end(), entry.action()) !=
      filter.exclude_actions().end()) {
    return false;
  }
  if (filter.outcome() != 0 && entry.outcome() != filter.outcome()) return false;
  if (filter.after_unix_micros() != 0 && entry.time_unix_micros() <= filter.after_unix_micros()) {
    return false;
  }
  if (filter.before_unix_micros() != 0 && entry.time_unix_micros() >= filter.before_unix_micros()) {
    return false;
  }
  if (!filter.record_id().empty()) {
    bool any = false;
    for (const v1::AuditTarget& target : entry.targets()) {
      any = any || target.record_id() == filter.record_id();
    }
    if (!any) return false;
  }
  return true;
}

}  // namespace nexus
