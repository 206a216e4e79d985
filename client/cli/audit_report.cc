#include "client/cli/audit_report.h"

#include <algorithm>
#include <set>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "client/cli/audit_text.h"
#include "client/cli/record_text.h"
#include "common/untrusted_text.h"

namespace nexus {
namespace {

// Field bounds of a listed entry, before escaping: what an oversight body can read in a table
// cell; the whole entry is one `nexusctl audit list` away.
constexpr size_t kMaxIdBytes = 128;
constexpr size_t kMaxPersonBytes = 128;
constexpr size_t kMaxPurposeBytes = 256;
constexpr size_t kMaxErrorBytes = 512;
constexpr size_t kMaxMessageKeyBytes = 160;
constexpr size_t kShownTargets = 3;

constexpr char kOtherAgencies[] = "(other agencies)";
constexpr char kUnidentified[] = "(unidentified)";

// The agency under which `agency` is counted in `counted`: itself, or "(other agencies)" once
// kReportMaxAgencies are counted (a federation has a few members; a forged log may name many).
template <typename Map>
std::string CountedAgency(const Map& counted, const std::string& agency) {
  const std::string name = agency.empty() ? kUnidentified : TruncateText(agency, kMaxIdBytes);
  if (counted.count(name) || counted.size() < kReportMaxAgencies) return name;
  return kOtherAgencies;
}

// An action's name, or "unknown action" for a number the schema does not define (proto3 enums
// are open): never a name made from the number.
std::string ActionName(v1::AuditAction action) {
  return v1::AuditAction_IsValid(action) ? AuditActionName(action) : "unknown action";
}

std::string OutcomeName(v1::AuditOutcome outcome) {
  return v1::AuditOutcome_IsValid(outcome) ? AuditOutcomeName(outcome) : "unknown outcome";
}

std::string CodeName(int32_t code) {
  return code >= 0 && code <= 16 ? absl::StatusCodeToString(static_cast<absl::StatusCode>(code))
                                 : "unknown code";
}

void Keep(ReportEntryList& list, uint64_t index, const v1::AuditEntry& entry) {
  ++list.total;
  if (list.first.size() < kReportListedEntries) list.first.push_back(ReportLineOf(index, entry));
}

}  // namespace

std::string TlpLabel(v1::Tlp tlp) {
  const std::string name = TlpName(tlp);
  return name.empty() ? "UNSPECIFIED" : name;
}

bool IsAnsweredRead(const v1::AuditEntry& entry) {
  if (entry.outcome() == v1::AUDIT_OUTCOME_REFUSED ||
      entry.outcome() == v1::AUDIT_OUTCOME_UNCHANGED) {
    return false;
  }
  switch (entry.action()) {
    case v1::AUDIT_ACTION_GET:
    case v1::AUDIT_ACTION_PULL:
    case v1::AUDIT_ACTION_SEARCH:
    case v1::AUDIT_ACTION_ALERT:
    case v1::AUDIT_ACTION_FEDERATED_SEARCH:
      return true;
    default:
      return false;
  }
}

std::string RefusalReason(const v1::AuditEntry& entry) {
  return absl::StrCat(ActionName(entry.action()), ": ", CodeName(entry.code()));
}

ReportEntryLine ReportLineOf(uint64_t index, const v1::AuditEntry& entry) {
  ReportEntryLine line;
  line.index = index;
  line.time_unix_micros = entry.time_unix_micros();
  const v1::AuditActor& actor = entry.actor();
  const std::string agency = TruncateText(actor.agency_id(), kMaxIdBytes);
  line.actor = actor.node() ? absl::StrCat(agency, "/node(self)")
               : actor.agency_id().empty()
                   ? absl::StrCat("unidentified@", TruncateText(actor.peer(), kMaxIdBytes))
                   : absl::StrCat(agency, "/", TruncateText(actor.role(), kMaxIdBytes));
  line.person = TruncateText(actor.person(), kMaxPersonBytes);
  line.action = ActionName(entry.action());
  line.purpose = TruncateText(entry.purpose(), kMaxPurposeBytes);
  std::vector<std::string> targets;
  for (const v1::AuditTarget& target : entry.targets()) {
    if (targets.size() == kShownTargets) break;
    targets.push_back(
        absl::StrCat(TruncateText(target.record_id(), kMaxIdBytes), " v", target.version()));
  }
  const uint64_t more = entry.targets_size() - targets.size() + entry.omitted();
  if (more != 0) targets.push_back(absl::StrCat("+", more, " more"));
  line.records = absl::StrJoin(targets, ", ");
  line.outcome = OutcomeName(entry.outcome());
  if (entry.outcome() == v1::AUDIT_OUTCOME_REFUSED) {
    line.code = CodeName(entry.code());
    line.error = TruncateText(entry.error(), kMaxErrorBytes);
  }
  return line;
}

AuditReportBuilder::AuditReportBuilder(ReportWindow window, TlpLookup tlp) : tlp_(std::move(tlp)) {
  report_.window = window;
  report_.tlp_from_store = static_cast<bool>(tlp_);
}

void AuditReportBuilder::Add(uint64_t index, absl::string_view bytes) {
  v1::AuditEntry entry;
  if (!entry.ParseFromArray(bytes.data(), static_cast<int>(bytes.size()))) {
    ++report_.entries_read;
    ++report_.malformed;
    return;
  }
  Add(index, entry);
}

void AuditReportBuilder::Add(uint64_t index, const v1::AuditEntry& entry) {
  ++report_.entries_read;
  if (!report_.window.Contains(entry.time_unix_micros())) return;
  if (report_.entries_in_window++ == 0) report_.first_time = entry.time_unix_micros();
  report_.first_time = std::min(report_.first_time, entry.time_unix_micros());
  report_.last_time = std::max(report_.last_time, entry.time_unix_micros());
  ++report_.by_action[ActionName(entry.action())];
  const bool refused = entry.outcome() == v1::AUDIT_OUTCOME_REFUSED;
  if (refused) {
    AddRefusal(index, entry);
  } else if (entry.outcome() == v1::AUDIT_OUTCOME_OK &&
             entry.action() == v1::AUDIT_ACTION_REPLICATE) {
    AddFlow(index, entry, /*sent=*/true);
  } else if (entry.outcome() == v1::AUDIT_OUTCOME_OK &&
             entry.action() == v1::AUDIT_ACTION_RECEIVE) {
    AddFlow(index, entry, /*sent=*/false);
  } else if (IsAnsweredRead(entry)) {
    AddRead(index, entry);
  }
  AddRecords(index, entry);
}

// A REPLICATE entry names the peer node as its actor and the versions served to it as targets;
// a RECEIVE entry names the peer and the versions it stored here, each with its TLP. Entries
// written before targets carried the TLP have it looked up in the record store when the report
// reads one (offline).
void AuditReportBuilder::AddFlow(uint64_t index, const v1::AuditEntry& entry, bool sent) {
  PeerFlows& peer = report_.flows[CountedAgency(report_.flows, entry.actor().agency_id())];
  auto& by_tlp = sent ? peer.sent : peer.received;
  std::set<std::string> labels;
  for (const v1::AuditTarget& target : entry.targets()) {
    std::string label = "not in the entry";
    if (target.tlp() != v1::TLP_UNSPECIFIED) {
      label = TlpLabel(target.tlp());
    } else if (tlp_) {
      std::optional<v1::Tlp> tlp = tlp_(target.record_id(), target.version());
      label = tlp ? TlpLabel(*tlp) : "not in the store";
    }
    ++by_tlp[label].versions;
    labels.insert(label);
  }
  if (labels.empty()) labels.insert(tlp_ ? "not in the store" : "not in the entry");
  for (const std::string& label : labels) ++by_tlp[label].entries;
  by_tlp[*labels.begin()].cut += entry.omitted();
  if (sent) {
    for (const v1::AuditDecisionCount& count : entry.decision_counts()) {
      peer.withheld += count.count();
    }
  }
  Keep(report_.flow_entries, index, entry);
}

void AuditReportBuilder::AddRead(uint64_t index, const v1::AuditEntry& entry) {
  const std::string agency = CountedAgency(report_.reads, entry.actor().agency_id());
  AgencyReads& reads = report_.reads[agency];
  ++reads.entries;
  const std::string action = ActionName(entry.action());
  ++reads.by_action[action];
  report_.read_purposes.Add(absl::StrCat(agency, std::string(1, kPurposeKeySeparator),
                                         TruncateText(entry.purpose(), kMaxPurposeBytes)));
  report_.reads_over_time.Add(entry.time_unix_micros(), action);
  Keep(report_.read_entries, index, entry);
}

void AuditReportBuilder::AddRefusal(uint64_t index, const v1::AuditEntry& entry) {
  const std::string reason = RefusalReason(entry);
  ++report_.refusals[reason];
  report_.refusal_messages.Add(TruncateText(entry.error(), kMaxMessageKeyBytes));
  report_.refusals_over_time.Add(entry.time_unix_micros(), reason);
  Keep(report_.refusal_entries, index, entry);
}

void AuditReportBuilder::AddRecords(uint64_t index, const v1::AuditEntry& entry) {
  std::set<std::string> named;
  for (const v1::AuditTarget& target : entry.targets()) {
    if (!target.record_id().empty()) named.insert(TruncateText(target.record_id(), kMaxIdBytes));
  }
  if (named.empty()) return;
  for (const std::string& id : named) {
    if (std::optional<std::string> evicted = report_.records.Add(id)) {
      report_.record_activity.erase(*evicted);
    }
    std::vector<uint64_t>& first = report_.record_activity[id].first_indexes;
    if (first.size() < kReportRecordIndexes) first.push_back(index);
  }
  Keep(report_.record_entries, index, entry);
}

}  // namespace nexus
