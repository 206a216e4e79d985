#include "server/sharing_gate.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/time/clock.h"
#include "common/crypto.h"
#include "common/record_seal.h"
#include "policy/redaction.h"
#include "server/log.h"

namespace nexus {

SharingGate::SharingGate(const v1::NodeConfig& config, AuditLog* audit)
    : policy_file_(config.policy_file()),
      federation_(config.agencies()),
      holder_(federation_.AgencyIndex(config.agency_id())),
      audit_(audit),
      policy_(policy::SharingPolicy::DenyAll(federation_)) {}

absl::StatusOr<std::shared_ptr<const policy::SharingPolicy>> SharingGate::LoadFile(
    std::vector<std::string>* warnings) const {
  if (policy_file_.empty()) return policy::SharingPolicy::DenyAll(federation_);
  return policy::SharingPolicy::Load(policy_file_, federation_, warnings);
}

void SharingGate::Record(const CallContext& by, const absl::Status& outcome,
                         const std::string& detail) {
  v1::AuditEntry entry = by.Entry(v1::AUDIT_ACTION_POLICY_LOAD);
  entry.set_detail(detail);
  if (outcome.ok()) {
    entry.set_outcome(v1::AUDIT_OUTCOME_OK);
  } else {
    entry.set_outcome(v1::AUDIT_OUTCOME_REFUSED);
    entry.set_code(static_cast<int>(outcome.code()));
    entry.set_error(std::string(outcome.message()));
  }
  if (absl::Status s = audit_->Append(std::move(entry)); !s.ok()) {
    LogError(absl::StrCat("audit of a policy load failed: ", s.message()));
  }
}

namespace {
std::string Describe(const std::string& file, const policy::SharingPolicy& policy,
                     const std::vector<std::string>& warnings) {
  std::string text = file.empty() ? "no policy_file: default deny for other agencies"
                                  : absl::StrCat("file ", file);
  if (!file.empty()) {
    absl::StatusOr<std::string> bytes = ReadFileToString(file);
    if (bytes.ok()) absl::StrAppend(&text, " sha256 ", HexEncode(DigestBytes(Sha256(*bytes))));
  }
  absl::StrAppend(&text, "; policy '", policy.name(), "' with ", policy.rule_count(), " rules");
  if (!warnings.empty()) absl::StrAppend(&text, "; warnings: ", absl::StrJoin(warnings, " | "));
  return text;
}
}  // namespace

absl::Status SharingGate::LoadAtStart() {
  CallContext node;
  node.actor.set_node(true);
  std::vector<std::string> warnings;
  absl::StatusOr<std::shared_ptr<const policy::SharingPolicy>> loaded = LoadFile(&warnings);
  if (!loaded.ok()) {
    Record(node, loaded.status(), absl::StrCat("file ", policy_file_));
    return loaded.status();
  }
  for (const std::string& warning : warnings) LogWarning(warning);
  Record(node, absl::OkStatus(), Describe(policy_file_, **loaded, warnings));
  std::lock_guard lock(mu_);
  policy_ = *std::move(loaded);
  return absl::OkStatus();
}

absl::StatusOr<std::vector<std::string>> SharingGate::Reload(const CallContext& by) {
  std::vector<std::string> warnings;
  absl::StatusOr<std::shared_ptr<const policy::SharingPolicy>> loaded = LoadFile(&warnings);
  if (!loaded.ok()) {
    LogError(absl::StrCat("policy reload refused; the policy in force stays:\n",
                          loaded.status().message()));
    Record(by, loaded.status(), absl::StrCat("file ", policy_file_, "; the policy in force stays"));
    return loaded.status();
  }
  Record(by, absl::OkStatus(), Describe(policy_file_, **loaded, warnings));
  LogInfo(absl::StrCat("policy '", (*loaded)->name(), "' in force (", (*loaded)->rule_count(),
                       " rules)"));
  std::lock_guard lock(mu_);
  policy_ = *std::move(loaded);
  return warnings;
}

std::shared_ptr<const policy::SharingPolicy> SharingGate::current() const {
  std::lock_guard lock(mu_);
  return policy_;
}

SharingGate::Shared SharingGate::Share(const std::string& recipient_agency,
                                       const v1::SignedRecord& record) const {
  Shared shared;
  std::shared_ptr<const policy::SharingPolicy> policy = current();
  absl::StatusOr<OpenedRecord> opened = DecodeStoredRecord(record);
  if (opened.ok()) {
    policy::RecordFacts facts = policy::RecordFacts::From(opened->record, federation_);
    shared.decision = policy->Decide(facts, federation_.AgencyIndex(recipient_agency), holder_,
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
  if (recipient < 0) lines->push_back(absl::StrCat("'", recipient_agency, "' is not a member"));
  policy::Decision decision =
      policy->Explain(facts, recipient, holder_, absl::ToUnixMicros(absl::Now()), lines);
  *reasons = policy->Reasons(decision);
  return decision;
}

}  // namespace nexus
