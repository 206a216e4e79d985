// The sharing policy in force on this node, and the one place where a stored record is turned
// into what a given recipient may see: the decision, then the redaction.
#ifndef NEXUS_SERVER_SHARING_GATE_H_
#define NEXUS_SERVER_SHARING_GATE_H_

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "nexus/v1/audit.pb.h"
#include "nexus/v1/federation.pb.h"
#include "nexus/v1/node_config.pb.h"
#include "policy/sharing_policy.h"
#include "server/audit_log.h"
#include "server/call_context.h"

namespace nexus {

class SharingGate {
 public:
  // `audit` must outlive the gate.
  SharingGate(const v1::NodeConfig& config, AuditLog* audit);

  // Told of the rules (policy text and membership) each time a policy is installed, so that
  // versions the old rules held back from peers can be offered again (PolicyReoffers); returns
  // how many peers will be. Set before LoadAtStart.
  using RulesChanged = std::function<absl::StatusOr<int>(const v1::PolicyInForce& rules)>;
  void OnRulesInstalled(RulesChanged hook) { on_installed_ = std::move(hook); }

  // What a load installed.
  struct Installed {
    std::string file;  // empty: no policy_file (deny all)
    std::string name;
    size_t rules = 0;
    std::vector<std::string> warnings;
    int reoffered_peers = 0;  // peers that will be offered what the old rules held back
  };
  // Loads `policy_file` (if configured). At start-up a policy that does not validate stops the
  // node. Audited.
  absl::Status LoadAtStart();
  // Loads the policy file again on behalf of `by` (the node itself for SIGHUP). On failure the
  // policy in force stays. Audited either way.
  absl::StatusOr<Installed> Reload(const CallContext& by);

  struct Shared {
    bool permit = false;
    v1::SignedRecord record;  // redacted as decided, when permitted
    v1::AuditDecision audit;  // the decision as the audit log records it
    policy::Decision decision;
    // Whose policy withheld the parts `record` lacks (SharedReads fills it, for what is served).
    std::vector<v1::WithheldNote> notes;
  };
  // What `recipient_agency` may receive of `record` from this node, under the policy in force
  // or, if given, `under` (an earlier policy, compiled against its own membership).
  Shared Share(const std::string& recipient_agency, const v1::SignedRecord& record,
               const policy::SharingPolicy* under = nullptr) const;

  // The decision with its explanation, sharing nothing.
  policy::Decision Explain(const std::string& recipient_agency, const v1::SignedRecord& record,
                           std::vector<std::string>* lines,
                           std::vector<std::string>* reasons) const;

  std::shared_ptr<const policy::SharingPolicy> current() const;
  bool IsMember(const std::string& agency) const { return federation_.Known(agency); }
  // The federation's members, as configured.
  std::vector<std::string> members() const;
  // A member's entry (sector, liaison); null if `id` is none.
  const v1::Agency* Member(absl::string_view id) const;
  // Whether `distribution` names `agency`, itself or by one of its groups.
  bool Names(const v1::Distribution& distribution, const std::string& agency) const;

 private:
  struct Loaded {
    std::shared_ptr<const policy::SharingPolicy> policy;
    std::vector<std::string> warnings;
    std::string text;         // the bytes parsed
    std::string description;  // file, sha256 of the bytes parsed, name, rules, warnings
  };
  absl::StatusOr<Loaded> LoadFile() const;
  // Loads, audits and installs, in that order, under reload_mu_: the policy in force is always
  // the one the last successful load entry describes.
  absl::StatusOr<Installed> LoadAndInstall(const CallContext& by)
      ABSL_LOCKS_EXCLUDED(reload_mu_, mu_);
  absl::Status Record(const CallContext& by, const absl::Status& outcome,
                      const std::string& detail);

  std::string policy_file_;
  std::string holder_id_;
  google::protobuf::RepeatedPtrField<v1::Agency> agencies_;
  policy::Federation federation_;
  int holder_;
  RulesChanged on_installed_;
  AuditLog* audit_;
  absl::Mutex reload_mu_ ABSL_ACQUIRED_BEFORE(mu_);
  mutable absl::Mutex mu_;
  std::shared_ptr<const policy::SharingPolicy> policy_ ABSL_GUARDED_BY(mu_);
};

}  // namespace nexus

#endif  // NEXUS_SERVER_SHARING_GATE_H_
