#include "client/cli/audit_trail.h"

#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/time/time.h"
#include "client/cli/audit_text.h"
#include "common/untrusted_text.h"

namespace nexus {
namespace {

constexpr size_t kMaxShownBytes = 256;

std::string Shown(absl::string_view text) { return EscapeForTerminal(text, kMaxShownBytes); }

std::string Versions(const std::vector<uint64_t>& versions) {
  std::vector<std::string> shown;
  for (uint64_t version : versions) shown.push_back(absl::StrCat("v", version));
  return absl::StrJoin(shown, ",");
}

}  // namespace

std::string AuditTrail::Add(uint64_t index, const v1::AuditEntry& entry) {
  std::vector<uint64_t> versions;
  bool named = false;
  for (const v1::AuditTarget& target : entry.targets()) {
    if (target.record_id() != record_id_) continue;
    named = true;
    if (target.version() != 0) versions.push_back(target.version());
  }
  if (!named) return "";
  ++entries_;
  const v1::AuditActor& actor = entry.actor();
  const std::string agency = Shown(actor.agency_id());
  std::string who = actor.node() ? absl::StrCat(agency, " (this node)")
                                 : absl::StrCat(agency, "/", Shown(actor.role()));
  if (!actor.person().empty()) absl::StrAppend(&who, " (", Shown(actor.person()), ")");
  const std::string v = versions.empty() ? "" : absl::StrCat(" ", Versions(versions));
  std::string what;
  const bool ok = entry.outcome() != v1::AUDIT_OUTCOME_REFUSED;
  if (!ok) {
    what = absl::StrCat("refused ", AuditActionName(entry.action()), v, " to ", who, " (",
                        EscapeMessageForTerminal(entry.error(), kMaxShownBytes), ")");
    refused_.insert(agency);
  } else if (entry.outcome() == v1::AUDIT_OUTCOME_UNCHANGED) {
    what = absl::StrCat(AuditActionName(entry.action()), v, " by ", who, ": unchanged");
  } else {
    switch (entry.action()) {
      case v1::AUDIT_ACTION_PUBLISH:
        what = absl::StrCat("published", v, " by ", who);
        break;
      case v1::AUDIT_ACTION_REVOKE:
        what = absl::StrCat("revoked", v, " by ", who);
        break;
      case v1::AUDIT_ACTION_REPLICATE:
        what = absl::StrCat("sent", v, " to ", agency, " (replication to its node)");
        sent_to_.insert(agency);
        break;
      case v1::AUDIT_ACTION_RECEIVE:
        what = absl::StrCat("received", v, " from ", agency, " (replication)");
        received_from_.insert(agency);
        break;
      case v1::AUDIT_ACTION_GET:
      case v1::AUDIT_ACTION_PULL:
      case v1::AUDIT_ACTION_SEARCH:
      case v1::AUDIT_ACTION_ALERT:
      case v1::AUDIT_ACTION_FEDERATED_SEARCH:
        what = absl::StrCat(AuditActionName(entry.action()), v, " answered to ", who);
        ++seen_by_[agency];
        break;
      default:
        what = absl::StrCat(AuditActionName(entry.action()), v, " by ", who);
    }
  }
  std::string line = absl::StrCat(
      "#", index, " ",
      absl::FormatTime("%Y-%m-%dT%H:%M:%SZ", absl::FromUnixMicros(entry.time_unix_micros()),
                       absl::UTCTimeZone()),
      "  ", what);
  if (!entry.purpose().empty())
    absl::StrAppend(&line, "  purpose \"", Shown(entry.purpose()), "\"");
  return line + "\n";
}

std::string AuditTrail::Summary() const {
  if (entries_ == 0) return "no entry of this node's log names the record\n";
  std::vector<std::string> seen;
  for (const auto& [agency, count] : seen_by_)
    seen.push_back(absl::StrCat(agency, " (", count, ")"));
  auto list = [](const auto& items) {
    return items.empty() ? std::string("nobody") : absl::StrJoin(items, ", ");
  };
  return absl::StrCat("answered to: ", list(seen), "\nsent to: ", list(sent_to_),
                      "\nreceived from: ", list(received_from_), "\nrefused to: ", list(refused_),
                      "\n");
}

}  // namespace nexus
