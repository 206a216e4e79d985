#include "tests/federation_harness.h"

#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <fstream>
#include <set>
#include <tuple>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "client/admin_client.h"
#include "client/audit_client.h"
#include "client/federation_client.h"
#include "google/protobuf/text_format.h"

namespace nexus::testing {
namespace {

struct MemberFacts {
  const char* id;
  const char* country;
  std::vector<const char*> groups;
  v1::Sector sector;
};

const std::vector<MemberFacts>& Members() {
  static const auto* members = new std::vector<MemberFacts>{
      {kAgencyA, "FR", {"region-west"}, v1::SECTOR_POLICE},
      {kAgencyB, "FR", {"region-west"}, v1::SECTOR_COUNTER_TERRORISM},
      {kAgencyC, "DE", {"region-east"}, v1::SECTOR_FINANCIAL_INTELLIGENCE},
      {kCoordinator, "BE", {"region-west", "coordinator"}, v1::SECTOR_REGIONAL_BODY},
  };
  return *members;
}

std::string ToText(const google::protobuf::Message& message) {
  std::string text;
  google::protobuf::TextFormat::PrintToString(message, &text);
  return text;
}

v1::Peer MakePeer(const std::string& agency, const std::string& address,
                  v1::Peer::Direction direction) {
  v1::Peer peer;
  peer.set_agency_id(agency);
  peer.set_address(address);
  peer.set_direction(direction);
  return peer;
}

}  // namespace

const std::vector<std::string>& FederationMemberIds() {
  static const auto* ids = [] {
    auto* ids = new std::vector<std::string>;
    for (const MemberFacts& member : Members()) ids->push_back(member.id);
    return ids;
  }();
  return *ids;
}

google::protobuf::RepeatedPtrField<v1::Agency> FederationAgencies() {
  const std::string& pki = TestPki();
  google::protobuf::RepeatedPtrField<v1::Agency> agencies;
  for (const MemberFacts& member : Members()) {
    v1::Agency* agency = agencies.Add();
    agency->set_id(member.id);
    agency->set_country(member.country);
    for (const char* group : member.groups) agency->add_groups(group);
    agency->set_sector(member.sector);
    agency->set_liaison(absl::StrCat(member.id, " liaison desk"));
    v1::AgencyKey* key = agency->add_keys();
    key->set_key_id("1");
    key->set_public_key_file(absl::StrCat(pki, "/keys/", member.id, ".pub"));
  }
  return agencies;
}

const policy::Federation& PolicyFederation() {
  static const auto* federation = new policy::Federation(FederationAgencies());
  return *federation;
}

const Keyring& FederationKeys() {
  static const Keyring* keys = [] {
    auto* keys = new Keyring;
    for (const std::string& id : FederationMemberIds()) {
      absl::StatusOr<PublicKey> key =
          PublicKey::FromPemFile(absl::StrCat(TestPki(), "/keys/", id, ".pub"));
      if (!key.ok() || !keys->Add(id, "1", *key).ok()) std::abort();
    }
    return keys;
  }();
  return *keys;
}

v1::Peer PullPeer(const std::string& agency, const std::string& address) {
  return MakePeer(agency, address, v1::Peer::DIRECTION_PULL);
}
v1::Peer PushPeer(const std::string& agency, const std::string& address) {
  return MakePeer(agency, address, v1::Peer::DIRECTION_PUSH);
}
v1::Peer PullAndPushPeer(const std::string& agency, const std::string& address) {
  return MakePeer(agency, address, v1::Peer::DIRECTION_PULL_AND_PUSH);
}
v1::Peer InboundPeer(const std::string& agency) {
  return MakePeer(agency, "", v1::Peer::DIRECTION_INBOUND);
}

std::string WriteFederationNodeConfig(const std::string& dir, const std::string& agency,
                                      const std::string& listen_address,
                                      const std::string& policy_text,
                                      const std::vector<v1::Peer>& peers,
                                      const std::string& extra) {
  const std::string& pki = TestPki();
  v1::NodeConfig config;
  config.set_agency_id(agency);
  config.set_listen_address(listen_address);
  config.set_data_dir(dir + "/data");
  config.mutable_tls()->set_certificate_file(absl::StrCat(pki, "/", agency, "/node.crt"));
  config.mutable_tls()->set_private_key_file(absl::StrCat(pki, "/", agency, "/node.key"));
  config.mutable_tls()->set_ca_file(pki + "/ca.crt");
  config.set_signing_key_file(absl::StrCat(pki, "/", agency, "/signing.key"));
  config.set_signing_key_id("1");
  *config.mutable_agencies() = FederationAgencies();
  if (!policy_text.empty()) {
    config.set_policy_file(dir + "/policy.textproto");
    std::ofstream(config.policy_file()) << policy_text;
  }
  for (const v1::Peer& peer : peers) *config.add_peers() = peer;
  // `extra` may set federation or links fields too: merged, not appended as a second block.
  // Text that does not parse is appended as it is, for nexusd to refuse with its position.
  std::string unparsed;
  for (const std::string& text : {std::string(kFastFederation), extra}) {
    v1::NodeConfig more;
    if (google::protobuf::TextFormat::ParseFromString(text, &more)) {
      config.MergeFrom(more);
    } else {
      unparsed += text;
    }
  }
  std::string path = dir + "/node.textproto";
  std::ofstream(path) << ToText(config) << unparsed;
  return path;
}

size_t Holdings::CountOrigin(const std::string& origin) const {
  size_t count = 0;
  for (const auto& [key, held] : versions) {
    absl::StatusOr<v1::RecordHeader> header = PeekHeader(held.record);
    if (header.ok() && header->origin_agency() == origin) ++count;
  }
  return count;
}

FederationNode::FederationNode(std::string agency) : agency_(std::move(agency)) {}

FederationNode::~FederationNode() {
  if (process_ != nullptr) process_->Stop();
}

absl::Status FederationNode::Start() {
  if (running()) return absl::FailedPreconditionError(agency_ + "'s node is already running");
  std::string config =
      WriteFederationNodeConfig(dir_.path(), agency_, address(), policy_, peers_, extra_);
  port_.Release();
  process_ = std::make_unique<NexusdProcess>(config);
  if (!process_->ok()) {
    return absl::InternalError(
        absl::StrCat(agency_, "'s node did not start; its log:\n", process_->ReadLog()));
  }
  return absl::OkStatus();
}

int FederationNode::Stop() {
  if (process_ == nullptr) return -1;
  int status = process_->Stop();
  process_.reset();
  return status;
}

void FederationNode::Kill() {
  if (process_ == nullptr) return;
  process_->Kill();
  process_.reset();
}

std::string FederationNode::ProcessState() const {
  if (!running()) return "not started";
  int status = 0;
  if (waitpid(process_->pid(), &status, WNOHANG) != process_->pid()) return "running";
  if (WIFSIGNALED(status)) return absl::StrCat("killed by signal ", WTERMSIG(status));
  return absl::StrCat("exited with status ", WEXITSTATUS(status));
}

std::string FederationNode::ReadLog() const {
  std::ifstream in(dir_.path() + "/nexusd.log");
  return std::string(std::istreambuf_iterator<char>(in), {});
}

std::unique_ptr<NexusClient> FederationNode::Analyst() const {
  absl::StatusOr<std::unique_ptr<NexusClient>> client =
      NexusClient::Create(ClientFor(address(), agency_));
  if (!client.ok()) std::abort();  // the test PKI's files are missing
  return *std::move(client);
}

absl::Status FederationNode::Update(Holdings* holdings) const {
  v1::PullRequest request;
  request.set_since(holdings->since);
  return Analyst()->Pull(request, [&](const v1::PullResponse& response) {
    holdings->since = response.cursor();
    absl::StatusOr<v1::RecordHeader> header = PeekHeader(response.record());
    VersionKey key = header.ok() ? VersionKey{header->id(), header->version()}
                                 : VersionKey{"<unreadable>", response.cursor()};
    HeldVersion held{response.record(), response.received_from(), response.cursor()};
    if (!holdings->versions.emplace(key, std::move(held)).second) {
      holdings->duplicates.push_back(key);
    }
    return true;
  });
}

absl::StatusOr<Holdings> FederationNode::ReadHoldings() const {
  Holdings holdings;
  if (absl::Status read = Update(&holdings); !read.ok()) return read;
  return holdings;
}

absl::StatusOr<v1::GetResponse> FederationNode::Get(const std::string& id, uint64_t version) const {
  return Analyst()->GetWithProvenance(id, version);
}

absl::StatusOr<v1::ReloadPolicyResponse> FederationNode::ReloadPolicy(std::string policy_text) {
  policy_ = std::move(policy_text);
  std::ofstream(dir_.path() + "/policy.textproto") << policy_;
  absl::StatusOr<std::unique_ptr<AdminClient>> admin =
      AdminClient::Create(ClientFor(address(), agency_, "admin"));
  if (!admin.ok()) return admin.status();
  return (*admin)->ReloadPolicy();
}

absl::StatusOr<std::string> FederationNode::Explain(const std::string& id,
                                                    const std::string& recipient) const {
  absl::StatusOr<std::unique_ptr<AdminClient>> client =
      AdminClient::Create(ClientFor(address(), agency_));
  if (!client.ok()) return client.status();
  v1::ExplainDecisionRequest request;
  request.set_record_id(id);
  request.set_recipient(recipient);
  absl::StatusOr<v1::ExplainDecisionResponse> explained = (*client)->ExplainDecision(request);
  if (!explained.ok()) return explained.status();
  return explained->effect_name();
}

absl::StatusOr<v1::FederationStatusResponse> FederationNode::FederationStatus() const {
  absl::StatusOr<std::unique_ptr<FederationClient>> client =
      FederationClient::Create(ClientFor(address(), agency_));
  if (!client.ok()) return client.status();
  return (*client)->Status();
}

v1::PeerWitness WitnessOf(const FederationNode& observer, const std::string& peer) {
  absl::StatusOr<v1::FederationStatusResponse> status = observer.FederationStatus();
  if (!status.ok()) return v1::PeerWitness();
  for (const v1::PeerStatus& entry : status->peers()) {
    if (entry.agency_id() == peer) return entry.witness();
  }
  return v1::PeerWitness();
}

absl::StatusOr<std::vector<v1::AuditEntry>> FederationNode::AuditEntries(
    const v1::AuditFilter& filter) const {
  absl::StatusOr<std::unique_ptr<AuditClient>> auditor =
      AuditClient::Create(ClientFor(address(), agency_, "auditor"));
  if (!auditor.ok()) return auditor.status();
  v1::ListEntriesRequest request;
  *request.mutable_filter() = filter;
  std::vector<v1::AuditEntry> entries;
  absl::Status listed = (*auditor)->ListEntries(request, [&](const v1::AuditEntryBytes& bytes) {
    if (bytes.total_size() == 0) entries.emplace_back().ParseFromString(bytes.entry());
    return true;
  });
  if (!listed.ok()) return listed;
  return entries;
}

absl::StatusOr<OpenedRecord> VerifyRecord(const v1::SignedRecord& record) {
  return OpenRecord(record, FederationKeys());
}

std::string WithheldParts(const v1::SignedRecord& record) {
  v1::Manifest manifest;
  if (!manifest.ParseFromString(record.manifest())) return "<unreadable manifest>";
  std::set<uint32_t> disclosed;
  for (const v1::Disclosure& disclosure : record.disclosures()) disclosed.insert(disclosure.part());
  std::vector<std::string> names;
  int indicator = 0;
  for (int i = 0; i < manifest.parts_size(); ++i) {
    const v1::PartKind kind = manifest.parts(i).kind();
    std::string name = absl::AsciiStrToLower(v1::PartKind_Name(kind).substr(strlen("PART_KIND_")));
    if (kind == v1::PART_KIND_INDICATOR) absl::StrAppend(&name, "[", indicator++, "]");
    if (!disclosed.count(i)) names.push_back(std::move(name));
  }
  return absl::StrJoin(names, ",");
}

v1::Record FederationDraft(const std::string& label, v1::Tlp tlp, v1::DistributionScope scope,
                           const std::vector<std::string>& named,
                           const std::vector<std::string>& groups) {
  v1::Record record = SampleDraft({{v1::INDICATOR_TYPE_PHONE, "+33 6 12 34 56 78"},
                                   {v1::INDICATOR_TYPE_PERSON, "Jean Dupont"}});
  record.set_tlp(tlp);
  record.mutable_distribution()->set_scope(scope);
  for (const std::string& agency : named) record.mutable_distribution()->add_agencies(agency);
  for (const std::string& group : groups) record.mutable_distribution()->add_groups(group);
  record.set_case_reference("CASE-" + label);
  record.mutable_tags()->clear_values();
  record.mutable_tags()->add_values(label);
  record.set_summary("Record " + label + ".");
  return record;
}

absl::StatusOr<std::vector<v1::PublishResult>> PublishAll(const FederationNode& node,
                                                          const std::vector<v1::Record>& drafts) {
  absl::StatusOr<std::vector<v1::PublishResult>> results = node.Analyst()->Publish(drafts);
  if (!results.ok()) return results.status();
  for (const v1::PublishResult& result : *results) {
    if (result.outcome() != v1::PUBLISH_OUTCOME_STORED) {
      return absl::InternalError(
          absl::StrCat("publish at ", node.agency(), " not stored: ", result.ShortDebugString()));
    }
  }
  return results;
}

}  // namespace nexus::testing
