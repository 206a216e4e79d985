#include "client/cli/audit_text.h"

#include <google/protobuf/util/json_util.h>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/strip.h"
#include "absl/time/time.h"
#include "client/cli/record_text.h"
#include "common/crypto.h"
#include "common/untrusted_text.h"

namespace nexus {
namespace {

// Every field of an entry may hold another agency's request text: shown escaped, so that it
// cannot forge a line or drive the terminal, and bounded (the JSON export keeps it whole).
constexpr size_t kMaxFieldBytes = 1024;
constexpr size_t kMaxIdBytes = 128;

std::string Shown(absl::string_view text, size_t max_bytes = kMaxFieldBytes) {
  return EscapeForTerminal(text, max_bytes);
}

}  // namespace

std::string AuditActionName(v1::AuditAction action) {
  return absl::AsciiStrToLower(absl::StripPrefix(v1::AuditAction_Name(action), "AUDIT_ACTION_"));
}

std::string AuditActionNames() {
  std::vector<std::string> names;
  const google::protobuf::EnumDescriptor* actions = v1::AuditAction_descriptor();
  for (int i = 0; i < actions->value_count(); ++i) {
    const auto action = static_cast<v1::AuditAction>(actions->value(i)->number());
    if (action != v1::AUDIT_ACTION_UNSPECIFIED) names.push_back(AuditActionName(action));
  }
  return absl::StrJoin(names, ", ");
}

bool ParseAuditAction(absl::string_view name, v1::AuditAction* action) {
  std::string upper = absl::AsciiStrToUpper(name);
  for (char& c : upper) {
    if (c == '-') c = '_';
  }
  return v1::AuditAction_Parse(upper, action) ||
         v1::AuditAction_Parse(absl::StrCat("AUDIT_ACTION_", upper), action);
}

std::string AuditOutcomeName(v1::AuditOutcome outcome) {
  return absl::AsciiStrToLower(absl::StripPrefix(v1::AuditOutcome_Name(outcome), "AUDIT_OUTCOME_"));
}

bool ParseAuditOutcome(absl::string_view name, v1::AuditOutcome* outcome) {
  std::string upper = absl::AsciiStrToUpper(name);
  return v1::AuditOutcome_Parse(upper, outcome) ||
         v1::AuditOutcome_Parse(absl::StrCat("AUDIT_OUTCOME_", upper), outcome);
}

std::string AuditEntryToHumanText(const v1::AuditEntryBytes& listed) {
  v1::AuditEntry entry;
  if (!entry.ParseFromString(listed.entry())) {
    return absl::StrCat("#", listed.index(), " <malformed entry>\n");
  }
  const v1::AuditActor& actor = entry.actor();
  std::string who =
      actor.node() ? absl::StrCat(Shown(actor.agency_id(), kMaxIdBytes), "/node(self)")
      : actor.agency_id().empty() ? absl::StrCat("unidentified@", Shown(actor.peer(), kMaxIdBytes))
                                  : absl::StrCat(Shown(actor.agency_id(), kMaxIdBytes), "/",
                                                 Shown(actor.role(), kMaxIdBytes));
  if (!actor.person().empty()) absl::StrAppend(&who, " (", Shown(actor.person(), 128), ")");
  std::string line = absl::StrCat(
      "#", listed.index(), " ",
      absl::FormatTime("%Y-%m-%dT%H:%M:%E3SZ", absl::FromUnixMicros(entry.time_unix_micros()),
                       absl::UTCTimeZone()),
      " ", who, " ", AuditActionName(entry.action()), " ", AuditOutcomeName(entry.outcome()));
  if (entry.outcome() == v1::AUDIT_OUTCOME_REFUSED) {
    absl::StrAppend(&line, " (",
                    absl::StatusCodeToString(static_cast<absl::StatusCode>(entry.code())), ": ",
                    EscapeMessageForTerminal(entry.error(), kMaxFieldBytes), ")");
  }
  if (!entry.purpose().empty()) {
    absl::StrAppend(&line, " purpose \"", Shown(entry.purpose(), 256), "\"");
  }
  std::vector<std::string> targets;
  for (const v1::AuditTarget& target : entry.targets()) {
    targets.push_back(absl::StrCat(Shown(target.record_id(), kMaxIdBytes), " v", target.version()));
  }
  if (!targets.empty()) {
    if (targets.size() > 3) {
      size_t more = targets.size() - 3;
      targets.resize(3);
      targets.push_back(absl::StrCat("+", more, " more"));
    }
    absl::StrAppend(&line, " records ", absl::StrJoin(targets, ", "));
  }
  if (entry.count() != 0 || entry.action() == v1::AUDIT_ACTION_SEARCH) {
    absl::StrAppend(&line, " count ", entry.count());
  }
  if (!entry.detail().empty()) absl::StrAppend(&line, " [", Shown(entry.detail()), "]");
  for (const v1::AuditDecision& decision : entry.decisions()) {
    absl::StrAppend(&line, " policy ", Shown(decision.effect(), kMaxIdBytes), " by ",
                    Shown(absl::StrJoin(decision.rules(), ",")));
  }
  // Records considered and not sent: counted per decision, not listed.
  for (const v1::AuditDecisionCount& count : entry.decision_counts()) {
    absl::StrAppend(&line, " withheld ", count.count(), "x ", Shown(count.effect(), kMaxIdBytes),
                    " by ", Shown(absl::StrJoin(count.rules(), ",")));
  }
  if (entry.omitted() != 0) absl::StrAppend(&line, " (", entry.omitted(), " list items cut)");
  if (!entry.request_id().empty()) {
    absl::StrAppend(&line, " req ", Shown(entry.request_id(), kMaxIdBytes));
  }
  return line + "\n";
}

std::string AuditEntryToJson(const v1::AuditEntryBytes& listed) {
  v1::AuditEntry entry;
  std::string json = "null";
  if (entry.ParseFromString(listed.entry())) {
    google::protobuf::util::JsonPrintOptions options;
    options.preserve_proto_field_names = true;
    json.clear();
    (void)google::protobuf::util::MessageToJsonString(entry, &json, options);
  }
  return absl::StrCat("{\"index\":", listed.index(),
                      ",\"leaf_hash\":", JsonQuote(HexEncode(listed.leaf_hash())),
                      ",\"entry\":", EscapeJsonForTerminal(json), "}");
}

}  // namespace nexus
