// Federations of real nexusd processes on loopback, for the federation tests: four member
// agencies, nodes on ports chosen before any of them starts (so that peers can name each other),
// each with its own sharing policy and peers; and what a node holds, as its own agency sees it.
#ifndef NEXUS_TESTS_FEDERATION_HARNESS_H_
#define NEXUS_TESTS_FEDERATION_HARNESS_H_

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "client/nexus_client.h"
#include "common/keyring.h"
#include "common/record_seal.h"
#include "nexus/v1/admin_service.pb.h"
#include "nexus/v1/agency_service.pb.h"
#include "nexus/v1/audit.pb.h"
#include "nexus/v1/audit_service.pb.h"
#include "nexus/v1/federation_service.pb.h"
#include "nexus/v1/node_config.pb.h"
#include "policy/federation.h"
#include "tests/test_support.h"

namespace nexus::testing {

// The members every federation test node knows: agency-a and agency-b (FR, region-west),
// agency-c (DE, region-east) and agency-coord, a regional coordinator (BE, region-west and
// coordinator). Each with its signing key from the test PKI (key id "1").
inline constexpr char kAgencyA[] = "agency-a";
inline constexpr char kAgencyB[] = "agency-b";
inline constexpr char kAgencyC[] = "agency-c";
inline constexpr char kCoordinator[] = "agency-coord";
const std::vector<std::string>& FederationMemberIds();
google::protobuf::RepeatedPtrField<v1::Agency> FederationAgencies();
// The same membership as the policy library sees it.
const policy::Federation& PolicyFederation();
// Every member's public signing key: what any node verifies records against.
const Keyring& FederationKeys();

// Peers as a node's configuration lists them.
v1::Peer PullPeer(const std::string& agency, const std::string& address);
v1::Peer PushPeer(const std::string& agency, const std::string& address);
v1::Peer PullAndPushPeer(const std::string& agency, const std::string& address);
v1::Peer InboundPeer(const std::string& agency);

// The federation settings every test node runs with: everything at its one-second minimum.
inline constexpr char kFastFederation[] =
    "federation { heartbeat_seconds: 1 max_retry_seconds: 1 witness_interval_seconds: 1 }\n";

// A sharing policy that sends everything to agency-b (and nothing to anyone else).
inline constexpr char kEverythingToAgencyB[] = R"pb(
  name: "everything to agency-b"
  rules {
    id: "all-to-b"
    effect: EFFECT_PERMIT
    recipient { agencies: "agency-b" }
  }
)pb";

// Writes the configuration of `agency`'s node into `dir`: listening on `listen_address`, data in
// dir/data, the four members, `peers`, `policy_text` (a SharingPolicy in text format; empty: no
// policy file, so nothing is shared) in dir/policy.textproto, kFastFederation, then `extra`.
// Returns the configuration's path.
std::string WriteFederationNodeConfig(const std::string& dir, const std::string& agency,
                                      const std::string& listen_address,
                                      const std::string& policy_text,
                                      const std::vector<v1::Peer>& peers,
                                      const std::string& extra = "");

// (id, version): how replication keys a version.
using VersionKey = std::pair<std::string, uint64_t>;

// One version as a node holds it.
struct HeldVersion {
  v1::SignedRecord record;
  std::string received_from;  // empty for the node's own agency's records
  uint64_t cursor = 0;        // its feed position at the node
};

// What a node holds: its whole feed read by a pull of its own agency's analyst, who sees every
// version unredacted. Update() reads on from where the last read stopped.
struct Holdings {
  std::map<VersionKey, HeldVersion> versions;
  // Every (id, version) the feed listed more than once: replication must never store a version
  // twice.
  std::vector<VersionKey> duplicates;
  uint64_t since = 0;  // feed position after the last version read

  size_t CountOrigin(const std::string& origin) const;
};

// One nexusd of the test federation. Its port is reserved on construction, so that its peers'
// configurations can name it before it starts; it keeps its directory (configuration, data, log)
// across Stop/Kill and Start, as an operator's restart does.
class FederationNode {
 public:
  explicit FederationNode(std::string agency);
  ~FederationNode();

  const std::string& agency() const { return agency_; }
  std::string address() const { return port_.address(); }
  std::string data_dir() const { return dir_.path() + "/data"; }
  const std::string& dir() const { return dir_.path(); }

  // What the next Start() runs with. Peers and policy are kept across restarts.
  void set_policy(std::string policy_text) { policy_ = std::move(policy_text); }
  void AddPeer(v1::Peer peer) { peers_.push_back(std::move(peer)); }
  void set_extra_config(std::string extra) { extra_ = std::move(extra); }

  // Writes the configuration and starts nexusd; fails (with its log) if it does not serve.
  absl::Status Start();
  // SIGTERM; returns the exit status as waitpid gives it (-1 if it had to be killed).
  int Stop();
  // SIGKILL: a crash.
  void Kill();
  bool running() const { return process_ != nullptr && process_->ok(); }
  pid_t pid() const { return process_ == nullptr ? -1 : process_->pid(); }
  // "running", or how the process ended (it is reaped): for failure messages.
  std::string ProcessState() const;
  std::string ReadLog() const;

  std::unique_ptr<NexusClient> Analyst() const;
  // Reads the node's feed on from `holdings->since` as the node's own analyst.
  absl::Status Update(Holdings* holdings) const;
  absl::StatusOr<Holdings> ReadHoldings() const;

  // AgencyService.Get as the node's own analyst, with received_from and equivocations.
  absl::StatusOr<v1::GetResponse> Get(const std::string& id, uint64_t version) const;
  // Writes `policy_text` to the running node's policy file and reloads it as the node's admin
  // (AdminService.ReloadPolicy); the next Start() runs with it too.
  absl::StatusOr<v1::ReloadPolicyResponse> ReloadPolicy(std::string policy_text);
  // AdminService.ExplainDecision as the node's own analyst: the effect name.
  absl::StatusOr<std::string> Explain(const std::string& id, const std::string& recipient) const;
  // FederationService.Status as the node's own analyst.
  absl::StatusOr<v1::FederationStatusResponse> FederationStatus() const;
  // The node's audit log, read by its own agency's auditor.
  absl::StatusOr<std::vector<v1::AuditEntry>> AuditEntries(
      const v1::AuditFilter& filter = {}) const;

 private:
  std::string agency_;
  TempDir dir_;
  ReservedPort port_;
  std::string policy_;
  std::vector<v1::Peer> peers_;
  std::string extra_;
  std::unique_ptr<NexusdProcess> process_;
};

// The witness state `observer` holds of `peer`, from its federation status (empty if it has
// none or cannot answer).
v1::PeerWitness WitnessOf(const FederationNode& observer, const std::string& peer);

// Verifies `record` against the federation's keys; the error says what does not verify.
absl::StatusOr<OpenedRecord> VerifyRecord(const v1::SignedRecord& record);

// The parts a held version lacks (a digest in the signed manifest, no disclosure), in manifest
// order, e.g. "case_reference,indicator[1],summary" (indicator[i]: the i-th indicator part of the
// manifest); "" when nothing is withheld.
std::string WithheldParts(const v1::SignedRecord& record);

// A publishable draft: an alliance between a phone number and a person, with a case reference,
// tags and a summary, at `tlp` and `scope` (with `named` as distribution.agencies and `groups` as
// distribution.groups). `label` is its only tag, and goes into the case reference and the summary.
v1::Record FederationDraft(const std::string& label, v1::Tlp tlp, v1::DistributionScope scope,
                           const std::vector<std::string>& named = {},
                           const std::vector<std::string>& groups = {});

// Publishes `drafts` at `node` as its own analyst; every one must be stored. Returns the results
// (id and version) in order.
absl::StatusOr<std::vector<v1::PublishResult>> PublishAll(const FederationNode& node,
                                                          const std::vector<v1::Record>& drafts);

}  // namespace nexus::testing

#endif  // NEXUS_TESTS_FEDERATION_HARNESS_H_
