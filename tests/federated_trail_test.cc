// A record's disclosure trail across a coordinator and two members, with real nodes: the origin's
// auditor reads every node's entries, each proved in that node's signed log; a node that is down
// is named; an auditor of another agency is refused everywhere; a node that requires a purpose
// refuses a question without one; every node asked audits the answer.
#include <grpcpp/channel.h>
#include <grpcpp/client_context.h>
#include <gtest/gtest.h>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "client/audit_client.h"
#include "client/channel.h"
#include "client/federation_client.h"
#include "common/crypto.h"
#include "common/trail_ask.h"
#include "nexus/v1/federation_service.grpc.pb.h"
#include "tests/federation_harness.h"

namespace nexus::testing {
namespace {

constexpr char kToCoordinatorAndB[] = R"pb(
  name: "to the coordinator and agency-b"
  rules {
    id: "region"
    effect: EFFECT_PERMIT
    recipient { agencies: "agency-coord" agencies: "agency-b" }
  }
)pb";

class FederatedTrailTest : public ::testing::Test {
 protected:
  // agency-a publishes; the coordinator pulls it and passes it on to agency-b, which reads it.
  // agency-a and agency-b are not peers: the record reaches agency-b only through the coordinator.
  void SetUp() override {
    a_.set_policy(kToCoordinatorAndB);
    coord_.set_policy(kEverythingToAgencyB);
    a_.AddPeer(PullPeer(kCoordinator, coord_.address()));
    coord_.AddPeer(PullPeer(kAgencyA, a_.address()));
    coord_.AddPeer(PullPeer(kAgencyB, b_.address()));
    b_.AddPeer(PullPeer(kCoordinator, coord_.address()));
    coord_.set_extra_config(coordinator_extra_);
    for (FederationNode* node : {&a_, &coord_, &b_}) {
      ASSERT_EQ(node->Start(), absl::OkStatus()) << node->agency();
    }
    auto published = PublishAll(
        a_, {FederationDraft("traced", v1::TLP_GREEN, v1::DISTRIBUTION_SCOPE_FEDERATION)});
    ASSERT_TRUE(published.ok()) << published.status();
    id_ = (*published)[0].id();
    ASSERT_TRUE(WaitFor([&] { return b_.Get(id_, 0).ok(); })) << coord_.ReadLog() << b_.ReadLog();
  }

  // `nexusctl audit trail ID --federation` at `node` as `auditor_agency`'s auditor.
  int Trail(const FederationNode& node, const std::string& auditor_agency, std::string* output,
            const std::string& purpose = "case 2026/117") {
    const std::string& pki = TestPki();
    return RunCommand(
        absl::StrCat(NEXUS_NEXUSCTL_PATH, " --target ", node.address(), " --ca ", pki,
                     "/ca.crt --cert ", pki, "/", auditor_agency, "/auditor.crt --key ", pki, "/",
                     auditor_agency, "/auditor.key --keys ", pki, "/keys",
                     purpose.empty() ? "" : absl::StrCat(" --purpose '", purpose, "'"),
                     " --witness ", witness_.path(), "/w audit trail ", id_, " --federation 2>&1"),
        output);
  }

  // The TRAIL entries of `node`'s log.
  std::vector<v1::AuditEntry> TrailEntries(const FederationNode& node) {
    v1::AuditFilter filter;
    filter.set_action(v1::AUDIT_ACTION_TRAIL);
    absl::StatusOr<std::vector<v1::AuditEntry>> entries = node.AuditEntries(filter);
    EXPECT_TRUE(entries.ok()) << entries.status();
    return entries.ok() ? *entries : std::vector<v1::AuditEntry>{};
  }

  std::string coordinator_extra_;
  FederationNode a_{kAgencyA}, coord_{kCoordinator}, b_{kAgencyB};
  TempDir witness_;
  std::string id_;
};

// Whether the node of `witness` has verified a head of `agency`'s log at least `size` long.
bool Witnessed(const FederationNode& witness, const std::string& agency, uint64_t size) {
  absl::StatusOr<std::unique_ptr<FederationClient>> client =
      FederationClient::Create(ClientFor(witness.address(), witness.agency(), "auditor"));
  if (!client.ok()) return false;
  absl::StatusOr<v1::PeerHeadsResponse> heads = (*client)->PeerHeads(agency);
  return heads.ok() && heads->witness().tree_size() >= size;
}

TEST_F(FederatedTrailTest, TheOriginsAuditorFollowsTheRecordThroughTheCoordinator) {
  // Each answer is checked against the head the node before it witnessed, and the first against
  // the head this auditor witnessed (audit verify keeps it in the witness file).
  ASSERT_TRUE(
      WaitFor([&] { return Witnessed(a_, kCoordinator, 1) && Witnessed(coord_, kAgencyB, 1); }));
  std::string output;
  const std::string& pki = TestPki();
  ASSERT_EQ(RunCommand(absl::StrCat(NEXUS_NEXUSCTL_PATH, " --target ", a_.address(), " --ca ", pki,
                                    "/ca.crt --cert ", pki, "/agency-a/auditor.crt --key ", pki,
                                    "/agency-a/auditor.key --keys ", pki, "/keys --witness ",
                                    witness_.path(), "/w audit verify"),
                       &output),
            0)
      << output;
  ASSERT_EQ(Trail(a_, kAgencyA, &output), 0) << output << a_.ReadLog() << coord_.ReadLog();
  EXPECT_TRUE(absl::StrContains(output, "3 nodes")) << output;
  EXPECT_TRUE(absl::StrContains(output, "the node of 'agency-a' (asked via agency-a): verified"))
      << output;
  EXPECT_TRUE(absl::StrContains(
      output, "the node of 'agency-coord' (asked via agency-a > agency-coord): verified"))
      << output;
  EXPECT_TRUE(absl::StrContains(
      output, "the node of 'agency-b' (asked via agency-a > agency-coord > agency-b): verified"))
      << output;
  EXPECT_TRUE(absl::StrContains(output, "sent v1 to agency-coord")) << output;
  EXPECT_TRUE(absl::StrContains(output, "received v1 from agency-a")) << output;
  EXPECT_TRUE(absl::StrContains(output, "sent v1 to agency-b")) << output;
  EXPECT_TRUE(absl::StrContains(output, "received v1 from agency-coord")) << output;
  // agency-b's analyst read it: the harness's Get above.
  EXPECT_TRUE(absl::StrContains(output, "get v1 answered to agency-b/analyst")) << output;
  EXPECT_FALSE(absl::StrContains(output, "NOT VERIFIED")) << output;
  EXPECT_TRUE(absl::StrContains(output, "that this client witnessed")) << output;
  EXPECT_TRUE(absl::StrContains(output, "that the node of 'agency-a' witnessed")) << output;
  EXPECT_TRUE(absl::StrContains(output, "that the node of 'agency-coord' witnessed")) << output;

  // Every node asked recorded the answer, with the auditor (not the node passing the question
  // on) as the actor, the purpose, and the way it came.
  for (FederationNode* node : {&a_, &coord_, &b_}) {
    std::vector<v1::AuditEntry> entries = TrailEntries(*node);
    ASSERT_FALSE(entries.empty()) << node->agency();
    const v1::AuditEntry& answered = entries.front();
    EXPECT_EQ(answered.outcome(), v1::AUDIT_OUTCOME_OK) << answered.ShortDebugString();
    EXPECT_EQ(answered.actor().agency_id(), kAgencyA);
    EXPECT_EQ(answered.actor().role(), "auditor");
    EXPECT_EQ(answered.purpose(), "case 2026/117");
    ASSERT_EQ(answered.targets_size(), 1);
    EXPECT_EQ(answered.targets(0).record_id(), id_);
  }
  EXPECT_TRUE(absl::StrContains(TrailEntries(b_).front().detail(),
                                "asked through the node of 'agency-coord'"))
      << TrailEntries(b_).front().ShortDebugString();
  // The coordinator passed one question on to agency-b and answered one itself.
  int passed_on = 0;
  for (const v1::AuditEntry& entry : TrailEntries(coord_)) {
    passed_on += absl::StrContains(entry.detail(), "passed on to the node of 'agency-b'");
  }
  EXPECT_EQ(passed_on, 1);
}

TEST_F(FederatedTrailTest, ANodeThatIsDownIsNamedAndTheRestStillAnswers) {
  ASSERT_EQ(b_.Stop(), 0);
  std::string output;
  EXPECT_EQ(Trail(a_, kAgencyA, &output), 3) << output;
  EXPECT_TRUE(absl::StrContains(output, "the node of 'agency-a' (asked via agency-a): verified"))
      << output;
  EXPECT_TRUE(absl::StrContains(
      output, "the node of 'agency-coord' (asked via agency-a > agency-coord): verified"))
      << output;
  EXPECT_TRUE(absl::StrContains(output,
                                "the node of 'agency-b' (asked via agency-a > agency-coord > "
                                "agency-b): NO ANSWER"))
      << output;
  EXPECT_TRUE(absl::StrContains(output, "the node of 'agency-b'")) << output;
  // The coordinator audited that agency-b's node did not answer.
  bool refused = false;
  for (const v1::AuditEntry& entry : TrailEntries(coord_)) {
    refused = refused || (entry.outcome() == v1::AUDIT_OUTCOME_REFUSED &&
                          absl::StrContains(entry.detail(), "agency-b"));
  }
  EXPECT_TRUE(refused);
}

// `who`'s question (agency/role of the test PKI) for the record, along `path`.
v1::SignedTrailAsk Question(const std::string& who, const std::string& record_id,
                            const std::vector<std::string>& path) {
  absl::StatusOr<std::string> certificate = ReadFileToString(TestPki() + "/" + who + ".crt");
  absl::StatusOr<std::string> key = ReadFileToString(TestPki() + "/" + who + ".key");
  EXPECT_TRUE(certificate.ok() && key.ok());
  absl::StatusOr<v1::SignedTrailAsk> ask =
      SignTrailAsk(record_id, "curious", path, certificate.ok() ? *certificate : "",
                   key.ok() ? *key : "", absl::Now());
  EXPECT_TRUE(ask.ok()) << ask.status();
  return ask.ok() ? *ask : v1::SignedTrailAsk();
}

TEST_F(FederatedTrailTest, AnAuditorOfAnotherAgencyIsRefusedEverywhere) {
  // At its own node: agency-b holds the record but it is agency-a's.
  std::string output;
  EXPECT_EQ(Trail(b_, kAgencyB, &output), 3) << output;
  EXPECT_TRUE(absl::StrContains(output, "gives an auditor of 'agency-b' no trail of record"))
      << output;
  // Asked through its node at the coordinator and at the origin: refused there too, by each node
  // itself, in the same words whether or not it holds the record.
  absl::StatusOr<std::unique_ptr<AuditClient>> client =
      AuditClient::Create(ClientFor(b_.address(), kAgencyB, "auditor"));
  ASSERT_TRUE(client.ok()) << client.status();
  for (const std::vector<std::string>& path :
       {std::vector<std::string>{kAgencyB, kCoordinator},
        std::vector<std::string>{kAgencyB, kCoordinator, kAgencyA}}) {
    v1::RecordTrailRequest request;
    *request.mutable_ask() = Question("agency-b/auditor", id_, path);
    absl::StatusOr<v1::RecordTrailAnswer> answer = (*client)->RecordTrail(request);
    EXPECT_EQ(answer.status().code(), absl::StatusCode::kPermissionDenied) << answer.status();
    EXPECT_TRUE(absl::StrContains(
        answer.status().message(),
        absl::StrCat("the node of '", path.back(), "' gives an auditor of 'agency-b' no trail")))
        << answer.status();
    // The same question again is refused by the first node: each is taken once.
    absl::StatusOr<v1::RecordTrailAnswer> again = (*client)->RecordTrail(request);
    EXPECT_EQ(again.status().code(), absl::StatusCode::kAlreadyExists) << again.status();
  }
  // A node cannot ask in its own name: the question must carry an auditor's signature.
  v1::RecordTrailRequest forged;
  *forged.mutable_ask() = Question("agency-b/node", id_, {kAgencyB});
  EXPECT_EQ((*client)->RecordTrail(forged).status().code(), absl::StatusCode::kPermissionDenied);
  // Nor with another auditor's question: the first node takes only its caller's own.
  v1::RecordTrailRequest borrowed;
  *borrowed.mutable_ask() = Question("agency-a/auditor", id_, {kAgencyB});
  absl::Status refused = (*client)->RecordTrail(borrowed).status();
  EXPECT_TRUE(absl::StrContains(refused.message(), "another certificate than the caller's"))
      << refused;
}

TEST_F(FederatedTrailTest, ANodeCannotTakeAnAuditorsQuestionElsewhere) {
  // agency-b's node holds a question agency-a's auditor signed for the path agency-a > coord;
  // it asks the coordinator with it, as a peer: the path does not have agency-b before coord.
  ClientOptions node = ClientFor(coord_.address(), kAgencyB, "node");
  absl::StatusOr<std::shared_ptr<grpc::Channel>> channel = OpenChannel(node);
  ASSERT_TRUE(channel.ok()) << channel.status();
  auto stub = v1::FederationService::NewStub(*channel);
  for (const std::vector<std::string>& path :
       {std::vector<std::string>{kAgencyA, kCoordinator},
        std::vector<std::string>{kAgencyA, kCoordinator, kAgencyB}}) {
    v1::RecordTrailRequest request;
    *request.mutable_ask() = Question("agency-a/auditor", id_, path);
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
    v1::RecordTrailAnswer answer;
    grpc::Status status = stub->RecordTrail(&context, request, &answer);
    EXPECT_EQ(status.error_code(), grpc::StatusCode::PERMISSION_DENIED) << status.error_message();
    EXPECT_TRUE(absl::StrContains(status.error_message(), "right after the node of 'agency-b'"))
        << status.error_message();
  }
  // Every refusal is in the coordinator's log, with agency-a's auditor as the one who asked.
  int refused = 0;
  for (const v1::AuditEntry& entry : TrailEntries(coord_)) {
    refused +=
        entry.outcome() == v1::AUDIT_OUTCOME_REFUSED && entry.actor().agency_id() == kAgencyA;
  }
  EXPECT_EQ(refused, 2);
}

class PurposeRequiredTrailTest : public FederatedTrailTest {
 protected:
  void SetUp() override {
    coordinator_extra_ = "audit { require_purpose_for: AUDIT_ACTION_TRAIL }\n";
    FederatedTrailTest::SetUp();
  }
};

TEST_F(PurposeRequiredTrailTest, TheCoordinatorRefusesAQuestionWithoutAPurpose) {
  std::string output;
  EXPECT_EQ(Trail(a_, kAgencyA, &output, /*purpose=*/""), 3) << output;
  EXPECT_TRUE(absl::StrContains(output, "requires a purpose for a record's trail")) << output;
  std::vector<v1::AuditEntry> entries = TrailEntries(coord_);
  ASSERT_FALSE(entries.empty());
  EXPECT_EQ(entries.back().outcome(), v1::AUDIT_OUTCOME_REFUSED);
  EXPECT_EQ(entries.back().actor().agency_id(), kAgencyA);
  ASSERT_EQ(Trail(a_, kAgencyA, &output), 0) << output;
}

}  // namespace
}  // namespace nexus::testing
