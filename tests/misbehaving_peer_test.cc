// A misbehaving peer: an in-process FederationService, presenting agency-c's real node
// certificate, that serves a node a scripted stream: honest records, a record with one changed
// byte in its signed manifest, a record signed with another agency's key, a disclosure whose value
// does not match its digest, a second, differently signed manifest for a version it already sent
// (equivocation), another origin's RED record passed on, and a record of the receiving node's own
// agency. The node must refuse and audit the bad ones, keep and flag the equivocation, accept a
// version gap, and keep receiving from the misbehaving peer's later honest records and from an
// honest peer.
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "common/crypto.h"
#include "common/record_seal.h"
#include "common/record_validation.h"
#include "common/uuid.h"
#include "nexus/v1/federation_service.grpc.pb.h"
#include "tests/federation_harness.h"

namespace nexus::testing {
namespace {

// Serves `script` to whoever calls Replicate, from the caller's cursor on, then keeps the stream
// open with heartbeats until the caller goes away or the peer stops. Each batch's cursor is its
// position in the script (1-based).
class ScriptedPeer final : public v1::FederationService::Service {
 public:
  explicit ScriptedPeer(std::vector<v1::ReplicationBatch> script) : script_(std::move(script)) {
    for (size_t i = 0; i < script_.size(); ++i) script_[i].set_cursor(i + 1);
    if (!script_.empty()) script_.back().set_caught_up(true);
  }

  grpc::Status Replicate(grpc::ServerContext* context, const v1::ReplicateRequest* request,
                         grpc::ServerWriter<v1::ReplicationBatch>* writer) override {
    {
      absl::MutexLock lock(&mu_);
      calls_.push_back(request->since());
    }
    for (const v1::ReplicationBatch& batch : script_) {
      if (batch.cursor() <= request->since()) continue;
      v1::ReplicationBatch sent = batch;
      sent.set_sent_unix_micros(absl::ToUnixMicros(absl::Now()));
      if (!writer->Write(sent)) return grpc::Status::OK;
    }
    while (true) {
      {
        absl::MutexLock lock(&mu_);
        mu_.AwaitWithTimeout(absl::Condition(&stopping_), absl::Seconds(1));
        if (stopping_) return grpc::Status::OK;
      }
      if (context->IsCancelled()) return grpc::Status::CANCELLED;
      v1::ReplicationBatch heartbeat;
      heartbeat.set_caught_up(true);
      heartbeat.set_sent_unix_micros(absl::ToUnixMicros(absl::Now()));
      if (!writer->Write(heartbeat)) return grpc::Status::OK;
    }
  }

  void Stop() {
    absl::MutexLock lock(&mu_);
    stopping_ = true;
  }

  std::vector<uint64_t> calls() const {
    absl::MutexLock lock(&mu_);
    return calls_;
  }

 private:
  std::vector<v1::ReplicationBatch> script_;
  mutable absl::Mutex mu_;
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  std::vector<uint64_t> calls_ ABSL_GUARDED_BY(mu_);  // the `since` of each Replicate call
};

// A gRPC server for `service` on a free loopback port, over mutual TLS with `agency`'s node
// certificate from the test PKI.
class PeerServer {
 public:
  PeerServer(const std::string& agency, ScriptedPeer* service) : service_(service) {
    const std::string& pki = TestPki();
    grpc::SslServerCredentialsOptions tls(
        GRPC_SSL_REQUEST_AND_REQUIRE_CLIENT_CERTIFICATE_AND_VERIFY);
    tls.pem_root_certs = *ReadFileToString(pki + "/ca.crt");
    tls.pem_key_cert_pairs.push_back(
        {*ReadFileToString(absl::StrCat(pki, "/", agency, "/node.key")),
         *ReadFileToString(absl::StrCat(pki, "/", agency, "/node.crt"))});
    grpc::ServerBuilder builder;
    builder.AddListeningPort("127.0.0.1:0", grpc::SslServerCredentials(tls), &port_);
    builder.RegisterService(service);
    server_ = builder.BuildAndStart();
  }
  ~PeerServer() {
    service_->Stop();
    server_->Shutdown(std::chrono::system_clock::now() + std::chrono::seconds(5));
  }
  bool ok() const { return server_ != nullptr && port_ > 0; }
  std::string address() const { return absl::StrCat("127.0.0.1:", port_); }

 private:
  ScriptedPeer* service_;
  int port_ = 0;
  std::unique_ptr<grpc::Server> server_;
};

PrivateKey SigningKeyOf(const std::string& agency) {
  absl::StatusOr<PrivateKey> key =
      PrivateKey::FromPemFile(absl::StrCat(TestPki(), "/", agency, "/signing.key"));
  if (!key.ok()) std::abort();
  return *key;
}

// A record of `origin` (GREEN and federation-wide unless `draft` is given), as its node would have
// prepared it for signing.
v1::Record OriginRecord(const std::string& origin, const std::string& label, uint64_t version = 1,
                        std::optional<v1::Record> draft = std::nullopt) {
  v1::Record record =
      draft.has_value() ? *std::move(draft)
                        : FederationDraft(label, v1::TLP_GREEN, v1::DISTRIBUTION_SCOPE_FEDERATION);
  if (!ValidateAndNormalize(record).ok()) std::abort();
  record.set_id(NewUuid());
  record.set_origin_agency(origin);
  record.set_version(version);
  int64_t now = absl::ToUnixMicros(absl::Now());
  record.set_created_unix_micros(now);
  record.set_modified_unix_micros(now);
  return record;
}

v1::ReplicationBatch BatchOf(const v1::SignedRecord& record) {
  v1::ReplicationBatch batch;
  *batch.add_versions()->mutable_record() = record;
  return batch;
}

// agency-a's node pulls from the scripted agency-c and from agency-b's real node.
class MisbehavingPeerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const PrivateKey c_key = SigningKeyOf(kAgencyC);
    // Honest, before anything else.
    v1::Record honest_first = OriginRecord(kAgencyC, "honest-first");
    // One changed byte in the signed manifest: the last byte of the last part's digest, so that
    // the manifest still parses and only the signature can tell.
    v1::Record tampered = OriginRecord(kAgencyC, "tampered");
    v1::SignedRecord tampered_signed = SealRecord(tampered, c_key, "1");
    std::string* manifest = tampered_signed.mutable_manifest();
    manifest->back() = static_cast<char>(manifest->back() ^ 0x01);
    // Claims agency-c as origin; signed with agency-b's key.
    v1::Record wrong_key = OriginRecord(kAgencyC, "wrong-key");
    v1::SignedRecord wrong_key_signed = SealRecord(wrong_key, SigningKeyOf(kAgencyB), "1");
    // Correctly signed, but the summary disclosed is not the one whose digest was signed.
    v1::Record bad_part = OriginRecord(kAgencyC, "bad-part");
    v1::SignedRecord bad_part_signed = SealRecord(bad_part, c_key, "1");
    v1::Disclosure& summary =
        *bad_part_signed.mutable_disclosures(bad_part_signed.disclosures_size() - 1);
    ASSERT_EQ(summary.value(), "Record bad-part.");
    summary.set_value("Record bad-part, rewritten on the way.");
    // The origin signs two different manifests for one (id, version).
    v1::Record equivocated = OriginRecord(kAgencyC, "equivocated");
    equivocal_first_ = SealRecord(equivocated, c_key, "1");
    equivocated.set_summary("A different story, signed for the same version.");
    equivocal_second_ = SealRecord(equivocated, c_key, "1");
    // agency-b's RED record for agency-a, correctly signed, passed on by agency-c: RED leaves only
    // from its origin's node.
    v1::Record relayed_red =
        OriginRecord(kAgencyB, "relayed-red", 1,
                     FederationDraft("relayed-red", v1::TLP_RED,
                                     v1::DISTRIBUTION_SCOPE_NAMED_AGENCIES, {kAgencyA}));
    v1::SignedRecord relayed_red_signed = SealRecord(relayed_red, SigningKeyOf(kAgencyB), "1");
    // A record of the receiving node's own agency, correctly signed: its versions come only from
    // its own publishing.
    v1::Record own = OriginRecord(kAgencyA, "own-agency");
    v1::SignedRecord own_signed = SealRecord(own, SigningKeyOf(kAgencyA), "1");
    // Version 3 of a record whose versions 1 and 2 this node never saw: a gap is normal for a
    // holder.
    v1::Record later_version = OriginRecord(kAgencyC, "later-version", 3);
    // One version sent twice: first without its summary (as a redacting holder passes it on),
    // then whole. The second copy's extra part verifies against the signed digest, so it is added.
    v1::Record completed = OriginRecord(kAgencyC, "completed-later");
    v1::SignedRecord completed_whole = SealRecord(completed, c_key, "1");
    v1::SignedRecord completed_partial = completed_whole;
    WithholdPart(completed_partial, completed_partial.disclosures_size() - 1);
    completed_id_ = completed.id();
    // Honest, after everything else.
    v1::Record honest_last = OriginRecord(kAgencyC, "honest-last");

    honest_ = {honest_first.id(), later_version.id(), completed.id(), honest_last.id()};
    refused_ = {{"changed manifest byte", tampered.id()},
                {"wrong agency's key", wrong_key.id()},
                {"disclosure not matching its digest", bad_part.id()},
                {"RED passed on by a node that is not its origin's", relayed_red.id()},
                {"a record of the receiving node's own agency", own.id()}};
    equivocated_id_ = equivocated.id();
    peer_ = std::make_unique<ScriptedPeer>(std::vector<v1::ReplicationBatch>{
        BatchOf(SealRecord(honest_first, c_key, "1")), BatchOf(tampered_signed),
        BatchOf(wrong_key_signed), BatchOf(bad_part_signed), BatchOf(equivocal_first_),
        BatchOf(equivocal_second_), BatchOf(relayed_red_signed), BatchOf(own_signed),
        BatchOf(SealRecord(later_version, c_key, "1")), BatchOf(completed_partial),
        BatchOf(completed_whole), BatchOf(SealRecord(honest_last, c_key, "1"))});
    server_ = std::make_unique<PeerServer>(kAgencyC, peer_.get());
    ASSERT_TRUE(server_->ok());

    // A shares nothing (no policy file): it only receives.
    a_.AddPeer(PullPeer(kAgencyC, server_->address()));
    a_.AddPeer(PullPeer(kAgencyB, b_.address()));
    b_.set_policy(R"pb(
      name: "agency-b: everything to agency-a"
      rules {
        id: "all-to-a"
        effect: EFFECT_PERMIT
        recipient { agencies: "agency-a" }
      }
    )pb");
    b_.AddPeer(InboundPeer(kAgencyA));
    ASSERT_EQ(b_.Start(), absl::OkStatus());
    ASSERT_EQ(a_.Start(), absl::OkStatus());
  }

  void TearDown() override {
    a_.Stop();  // before the scripted peer goes away
  }

  // Publishes one record at B and waits until A holds it.
  void ExpectHonestPeerFlows(const std::string& label) {
    absl::StatusOr<std::vector<v1::PublishResult>> published =
        PublishAll(b_, {FederationDraft(label, v1::TLP_GREEN, v1::DISTRIBUTION_SCOPE_FEDERATION)});
    ASSERT_TRUE(published.ok()) << published.status();
    const std::string id = (*published)[0].id();
    absl::StatusOr<v1::GetResponse> got;
    ASSERT_TRUE(WaitFor([&] {
      got = a_.Get(id, 0);
      return got.ok();
    })) << label
        << " from the honest peer never reached A: " << got.status();
    EXPECT_EQ(got->received_from(), kAgencyB);
    EXPECT_TRUE(VerifyRecord(got->record()).ok());
  }

  std::unique_ptr<ScriptedPeer> peer_;
  std::unique_ptr<PeerServer> server_;
  FederationNode a_{kAgencyA}, b_{kAgencyB};
  std::vector<std::string> honest_;
  std::vector<std::pair<std::string, std::string>> refused_;  // (what is wrong, record id)
  std::string equivocated_id_;
  std::string completed_id_;
  v1::SignedRecord equivocal_first_, equivocal_second_;
};

TEST_F(MisbehavingPeerTest, BadRecordsAreRefusedAuditedAndEquivocationIsFlagged) {
  ASSERT_NO_FATAL_FAILURE(ExpectHonestPeerFlows("honest-peer-before"));

  // The last honest record of the scripted stream comes after every bad one: once it is held,
  // the node has dealt with all of them.
  absl::StatusOr<v1::GetResponse> last;
  ASSERT_TRUE(WaitFor([&] {
    last = a_.Get(honest_.back(), 0);
    return last.ok();
  })) << "the scripted peer's last honest record never arrived: "
      << last.status() << "\nReplicate calls: " << peer_->calls().size() << "\n"
      << a_.ReadLog();
  for (const std::string& id : honest_) {
    absl::StatusOr<v1::GetResponse> got = a_.Get(id, 0);
    ASSERT_TRUE(got.ok()) << id << ": " << got.status();
    EXPECT_EQ(got->received_from(), kAgencyC);
    EXPECT_TRUE(VerifyRecord(got->record()).ok());
  }
  absl::StatusOr<v1::GetResponse> gap = a_.Get(honest_[1], 0);
  ASSERT_TRUE(gap.ok()) << gap.status();
  EXPECT_EQ(PeekHeader(gap->record())->version(), 3u);
  absl::StatusOr<v1::GetResponse> completed = a_.Get(completed_id_, 1);
  ASSERT_TRUE(completed.ok()) << completed.status();
  EXPECT_EQ(WithheldParts(completed->record()), "");

  // Not stored.
  for (const auto& [what, id] : refused_) {
    absl::StatusOr<v1::GetResponse> got = a_.Get(id, 0);
    EXPECT_TRUE(absl::IsNotFound(got.status()))
        << what << ": " << (got.ok() ? "stored" : got.status().ToString());
  }

  // The first manifest is the record; the second is kept as evidence and shown.
  absl::StatusOr<v1::GetResponse> equivocated = a_.Get(equivocated_id_, 1);
  ASSERT_TRUE(equivocated.ok()) << equivocated.status();
  EXPECT_EQ(equivocated->record().manifest(), equivocal_first_.manifest());
  ASSERT_EQ(equivocated->equivocations_size(), 1);
  EXPECT_EQ(equivocated->equivocations(0).manifest(), equivocal_second_.manifest());
  EXPECT_EQ(equivocated->equivocations(0).signature(), equivocal_second_.signature());

  // Federation status counts them, against the scripted peer only.
  absl::StatusOr<v1::FederationStatusResponse> status = a_.FederationStatus();
  ASSERT_TRUE(status.ok()) << status.status();
  ASSERT_EQ(status->peers_size(), 2) << status->ShortDebugString();
  for (const v1::PeerStatus& peer : status->peers()) {
    if (peer.agency_id() == kAgencyC) {
      EXPECT_GE(peer.received().refused(), refused_.size()) << peer.ShortDebugString();
      // (Counted per arrival: a reconnection that replays the stream counts it again.)
      EXPECT_GE(peer.received().equivocations(), 1u) << peer.ShortDebugString();
      EXPECT_EQ(peer.received().disclosures_added(), 1u) << peer.ShortDebugString();
      // The honest records and the first of the equivocating manifests.
      EXPECT_EQ(peer.received().received(), honest_.size() + 1) << peer.ShortDebugString();
    } else {
      EXPECT_EQ(peer.received().refused(), 0u) << peer.ShortDebugString();
      EXPECT_EQ(peer.received().equivocations(), 0u) << peer.ShortDebugString();
    }
  }

  // Each refusal is in A's audit log: a RECEIVE entry, refused, from agency-c, naming the record.
  v1::AuditFilter filter;
  filter.set_action(v1::AUDIT_ACTION_RECEIVE);
  absl::StatusOr<std::vector<v1::AuditEntry>> entries = a_.AuditEntries(filter);
  ASSERT_TRUE(entries.ok()) << entries.status() << "; A's node: " << a_.ProcessState() << "\n"
                            << a_.ReadLog();
  for (const auto& [what, id] : refused_) {
    bool audited = false;
    for (const v1::AuditEntry& entry : *entries) {
      if (entry.outcome() != v1::AUDIT_OUTCOME_REFUSED || entry.actor().agency_id() != kAgencyC) {
        continue;
      }
      for (const v1::AuditTarget& target : entry.targets()) audited |= target.record_id() == id;
      audited |= absl::StrContains(entry.error(), id) || absl::StrContains(entry.detail(), id);
    }
    EXPECT_TRUE(audited) << what << " (" << id << "): no refused RECEIVE entry names it";
  }
  // The equivocation is audited too.
  bool equivocation_audited = false;
  for (const v1::AuditEntry& entry : *entries) {
    bool names_it = absl::StrContains(entry.error(), equivocated_id_) ||
                    absl::StrContains(entry.detail(), equivocated_id_);
    for (const v1::AuditTarget& target : entry.targets()) {
      names_it |= target.record_id() == equivocated_id_;
    }
    equivocation_audited |= names_it && (absl::StrContains(entry.detail(), "equivocat") ||
                                         absl::StrContains(entry.error(), "equivocat"));
  }
  EXPECT_TRUE(equivocation_audited) << "no RECEIVE entry reports the equivocation";

  // The honest peer's stream was not disturbed.
  ASSERT_NO_FATAL_FAILURE(ExpectHonestPeerFlows("honest-peer-after"));
}

}  // namespace
}  // namespace nexus::testing
