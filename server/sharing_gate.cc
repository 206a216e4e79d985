#include "server/sharing_gate.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/time/clock.h"
#include "common/crypto.h"
#include "common/record_seal.h"
#include "common/untrusted_text.h"
#include "policy/redaction.h"
#include "server/log.h"
#include "server/policy_reoffers.h"

namespace nexus {

SharingGate::SharingGate(const v1::NodeConfig& config, AuditLog* audit)
    : policy_file_(config.policy_file()),
      holder_id_(config.agency_id()),
      agencies_(config.agencies()),
      federation_(config.agencies()),
      holder_(federation_.AgencyIndex(config.agency_id())),
      audit_(audit),
      policy_(policy::SharingPolicy::DenyAll(federation_)) {}

absl::StatusOr<SharingGate::Loaded> SharingGate::LoadFile() const {
  Loaded loaded;
  if (policy_file_.empty()) {
    loaded.policy = policy::SharingPolicy::DenyAll(federation_);
    loaded.description = "no policy_file: default deny for other agencies";
    return loaded;
  }
  absl::StatusOr<std::string> bytes = ReadFileToString(policy_file_);
  if (!bytes.ok()) return bytes.status();
  absl::StatusOr<std::shared_ptr<const policy::SharingPolicy>> policy =
      policy::SharingPolicy::Parse(*bytes, policy_file_, federation_, &loaded.warnings);
  if (!policy.ok()) return policy.status();
  loaded.policy = *std::move(policy);
  loaded.text = *std::move(bytes);
  // The hash is of the very bytes parsed, so an auditor can match the file they are shown.
  loaded.description = absl::StrCat(
      "file ", policy_file_, " sha256 ", HexEncode(DigestBytes(Sha256(loaded.text))), "; policy '",
      loaded.policy->name(), "' with ", loaded.policy->rule_count(), " rules");
  if (!loaded.warnings.empty()) {
    absl::StrAppend(&loaded.description, "; warnings: ", absl::StrJoin(loaded.warnings, " | "));
  }
  return loaded;
}

absl::Status SharingGate::Record(const CallContext& by, const absl::Status& outcome,
                                 const std::string& detail) {
  v1::AuditEntry entry = by.Entry(v1::AUDIT_ACTION_POLICY_LOAD);
  entry.set_detail(detail);
  SetOutcome(entry, outcome);
  return audit_->Append(std::move(entry));
}

absl::StatusOr<SharingGate::Installed> SharingGate::LoadAndInstall(const CallContext& by) {
  absl::MutexLock reload(&reload_mu_);
  absl::StatusOr<Loaded> loaded = LoadFile();
  if (!loaded.ok()) {
    LogError(absl::StrCat("policy load refused; the policy in force stays:\n",
                          loaded.status().message()));
    (void)Record(by, loaded.status(),
                 absl::StrCat("file ", policy_file_, "; the policy in force stays"));
    return loaded.status();
  }
  // Not audited, not installed: a policy never decides without its load in the log.
  if (absl::Status s = Record(by, absl::OkStatus(), loaded->description); !s.ok()) {
    return absl::UnavailableError(
        absl::StrCat("the audit log cannot record the policy load; not installed: ", s.message()));
  }
  for (const std::string& warning : loaded->warnings) LogWarning(warning);
  Installed installed;
  installed.file = policy_file_;
  installed.name = loaded->policy->name();
  installed.rules = loaded->policy->rule_count();
  installed.warnings = loaded->warnings;
  {
    absl::MutexLock lock(&mu_);
    policy_ = std::move(loaded->policy);
  }
  LogInfo(absl::StrCat("policy '", installed.name, "' in force (", installed.rules, " rules)"));
  if (on_installed_) {
    // After the install: a stream that reads the marker decides under the new policy.
    absl::StatusOr<int> reoffered = on_installed_(RulesOf(loaded->text, agencies_));
    if (!reoffered.ok()) return reoffered.status();
    installed.reoffered_peers = *reoffered;
    if (*reoffered > 0) {
      LogInfo(absl::StrCat("the sharing rules changed: ", *reoffered,
                           " peers will be offered what the new rules permit and the old ones "
                           "held back; what peers received stays with them"));
    }
  }
  return installed;
}

absl::Status SharingGate::LoadAtStart() {
  CallContext node;
  node.actor.set_node(true);
  node.actor.set_agency_id(holder_id_);
  return LoadAndInstall(node).status();
}

absl::StatusOr<SharingGate::Installed> SharingGate::Reload(const CallContext& by) {
  return LoadAndInstall(by);
}

std::vector<std::string> SharingGate::members() const {
  std::vector<std::string> ids;
  for (size_t i = 0; i < federation_.agencies(); ++i) {
    ids.push_back(federation_.agency_id(static_cast<int>(i)));
  }
  return ids;
}

const v1::Agency* SharingGate::Member(absl::string_view id) const {
  for (const v1::Agency& agency : agencies_) {
    if (agency.id() == id) return &agency;
  }
  return nullptr;
}

bool SharingGate::Names(const v1::Distribution& distribution, const std::string& agency) const {
  for (const std::string& named : distribution.agencies()) {
    if (named == agency) return true;
  }
  const int index = federation_.AgencyIndex(agency);
  if (index < 0) return false;
  for (const std::string& group : distribution.groups()) {
    const int g = federation_.GroupIndex(group);
    if (g >= 0 && g < 64 && (federation_.groups_of(index) >> g & 1) != 0) return true;
  }
  return false;
}

std::shared_ptr<const policy::SharingPolicy> SharingGate::current() const {
  absl::MutexLock lock(&mu_);
  return policy_;
}

SharingGate::Shared SharingGate::Share(const std::string& recipient_agency,
                                       const v1::SignedRecord& record,
                                       const policy::SharingPolicy* under) const {
  Shared shared;
  std::shared_ptr<const policy::SharingPolicy> in_force = under == nullptr ? current() : nullptr;
  const policy::SharingPolicy* policy = under != nullptr ? under : in_force.get();
  // An earlier policy decides with the membership it was compiled against.
  const policy::Federation& federation = under != nullptr ? under->federation() : federation_;
  const int holder = under != nullptr ? federation.AgencyIndex(holder_id_) : holder_;
  absl::StatusOr<OpenedRecord> opened = DecodeStoredRecord(record);
  if (opened.ok()) {
    policy::RecordFacts facts = policy::RecordFacts::From(opened->record, federation);
    shared.decision = policy->Decide(facts, federation.AgencyIndex(recipient_agency), holder,
                                     absl::ToUnixMicros(absl::Now()));
  }  // a record that cannot be read is never shared
  shared.permit = shared.decision.permit;
  shared.audit.set_effect(shared.decision.EffectName());
  for (std::string& reason : policy->Reasons(shared.decision)) shared.audit.add_rules(reason);
  if (opened.ok()) {
    shared.audit.set_record_id(opened->header.id());
    shared.audit.set_version(opened->header.version());
  }
  if (shared.permit) {
    shared.record = record;
    policy::ApplyRedaction(shared.decision.withheld, shared.record);
  }
  return shared;
}

policy::Decision SharingGate::Explain(const std::string& recipient_agency,
                                      const v1::SignedRecord& record,
                                      std::vector<std::string>* lines,
                                      std::vector<std::string>* reasons) const {
  std::shared_ptr<const policy::SharingPolicy> policy = current();
  absl::StatusOr<OpenedRecord> opened = DecodeStoredRecord(record);
  if (!opened.ok()) {
    lines->push_back("the stored record cannot be read: deny");
    return policy::Decision();
  }
  policy::RecordFacts facts = policy::RecordFacts::From(opened->record, federation_);
  int recipient = federation_.AgencyIndex(recipient_agency);
  if (recipient < 0)
    lines->push_back(absl::StrCat(QuoteInput(recipient_agency), " is not a member"));
  policy::Decision decision =
      policy->Explain(facts, recipient, holder_, absl::ToUnixMicros(absl::Now()), lines);
  *reasons = policy->Reasons(decision);
  return decision;
}

}  // namespace nexus
