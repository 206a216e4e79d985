// Federation-wide search over real nexusd processes: agency-a's analyst asks its node, which asks
// its search peers one hop on behalf of agency-a. Each peer answers under its own policy for
// agency-a (records it may share, hit notices), every record verified at the asking node; a peer
// that is stopped (SIGSTOP: slow), down or refusing does not stall the answer, which names it.
// Both sides audit the query with a digest of the value, not the value; the answering node's
// per-agency rate limit refuses, audited, beyond its allowance.
#include <gtest/gtest.h>
#include <signal.h>

#include <string>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "common/crypto.h"
#include "tests/federation_harness.h"

namespace nexus::testing {
namespace {

constexpr char kPurpose[] = "CASE-2026-0099 vessel tracing";

constexpr char kPhone[] = "+223 70 12 34 56";
constexpr char kPhoneNormalized[] = "+22370123456";

v1::Record Tagged(const std::string& reference, const std::string& tag) {
  v1::Record record = SampleDraft({{v1::INDICATOR_TYPE_PHONE, kPhone}});
  record.set_case_reference(reference);
  record.set_tlp(v1::TLP_GREEN);
  record.mutable_distribution()->set_scope(v1::DISTRIBUTION_SCOPE_FEDERATION);
  record.mutable_tags()->clear_values();
  record.mutable_tags()->add_values(tag);
  return record;
}

// b shares its records with a but tells a only that it holds its "closed" ones (hit-only
// narrows a permit).
constexpr char kAnswererPolicy[] = R"pb(
  name: "to a, the closed ones as hit notices"
  rules {
    id: "to-a"
    effect: EFFECT_PERMIT
    recipient { agencies: "agency-a" }
  }
  rules {
    id: "closed"
    effect: EFFECT_HIT_ONLY
    recipient { agencies: "agency-a" }
    record { tags: "closed" }
  }
)pb";

// Resumes a node stopped with SIGSTOP when the test ends, however it ends.
struct Resume {
  pid_t pid;
  ~Resume() { kill(pid, SIGCONT); }
};

class FederatedSearchTest : public ::testing::Test {
 protected:
  // a dials its search peers (it pushes to them; nothing of theirs replicates to it, so every
  // record a's analyst sees of theirs came from the search); `answerer_extra` configures b and c.
  void StartAll(const std::string& answerer_extra, bool coordinator_knows_a) {
    for (FederationNode* peer : {&b_, &c_, &coord_}) {
      a_.AddPeer(PushPeer(peer->agency(), peer->address()));
      if (peer != &coord_ || coordinator_knows_a) peer->AddPeer(InboundPeer(kAgencyA));
      peer->set_policy(kAnswererPolicy);
    }
    b_.set_extra_config(answerer_extra);
    c_.set_extra_config(answerer_extra);
    a_.set_extra_config(R"pb(
      federation {
        search_peers: [ "agency-b", "agency-c", "agency-coord" ]
        search_deadline_seconds: 1
      }
    )pb");
    for (FederationNode* node : {&a_, &b_, &c_, &coord_})
      ASSERT_EQ(node->Start(), absl::OkStatus());
    auto published = PublishAll(b_, {Tagged("B-1", "open"), Tagged("B-2", "closed")});
    ASSERT_TRUE(published.ok()) << published.status();
    open_ = (*published)[0].id();
    closed_ = (*published)[1].id();
    ASSERT_TRUE(PublishAll(c_, {Tagged("C-1", "open")}).ok());
  }

  absl::StatusOr<v1::SearchResponse> SearchFederation(const std::string& agency = kAgencyA) {
    v1::SearchRequest request;
    request.set_value(kPhone);
    request.set_federation(true);
    ClientOptions options = ClientFor(a_.address(), agency);
    options.purpose = kPurpose;
    return (*NexusClient::Create(options))->Search(request);
  }

  static const v1::PeerSearchAnswer* AnswerOf(const v1::SearchResponse& response,
                                              const std::string& agency) {
    for (const v1::PeerSearchAnswer& answer : response.peers()) {
      if (answer.agency() == agency) return &answer;
    }
    return nullptr;
  }

  FederationNode a_{kAgencyA}, b_{kAgencyB}, c_{kAgencyC}, coord_{kCoordinator};
  std::string open_, closed_;
};

TEST_F(FederatedSearchTest, PeersAnswerUnderTheirPolicyAndThoseThatDoNotAreNamed) {
  StartAll("", /*coordinator_knows_a=*/false);
  // c stops answering (a stalled process); the coordinator does not know agency-a as a peer.
  ASSERT_EQ(kill(c_.pid(), SIGSTOP), 0);
  Resume resume{c_.pid()};
  const absl::Time asked = absl::Now();
  absl::StatusOr<v1::SearchResponse> response = SearchFederation();
  const absl::Duration took = absl::Now() - asked;
  ASSERT_TRUE(response.ok()) << response.status();
  EXPECT_EQ(response->hits_size(), 0) << "a's node holds none of it";
  ASSERT_EQ(response->peers_size(), 3) << response->ShortDebugString();

  const v1::PeerSearchAnswer* b = AnswerOf(*response, kAgencyB);
  ASSERT_NE(b, nullptr);
  EXPECT_TRUE(b->answered()) << b->error();
  ASSERT_EQ(b->hits_size(), 1) << b->ShortDebugString();
  absl::StatusOr<OpenedRecord> opened = VerifyRecord(b->hits(0).record());
  ASSERT_TRUE(opened.ok()) << opened.status();
  EXPECT_EQ(opened->header.id(), open_);
  EXPECT_EQ(b->hits(0).normalized(), kPhoneNormalized);
  ASSERT_EQ(b->hit_notices_size(), 1);
  EXPECT_EQ(b->hit_notices(0).holder(), kAgencyB);
  EXPECT_EQ(b->hit_notices(0).origin_agency(), kAgencyB);
  EXPECT_EQ(b->hit_notices(0).liaison(), "agency-b liaison desk");
  EXPECT_FALSE(absl::StrContains(b->ShortDebugString(), "B-2")) << "the closed record's content";
  EXPECT_EQ(b->unverified(), 0u);

  const v1::PeerSearchAnswer* c = AnswerOf(*response, kAgencyC);
  ASSERT_NE(c, nullptr);
  EXPECT_FALSE(c->answered());
  EXPECT_TRUE(absl::StrContains(c->error(), "no answer within 1s")) << c->error();
  EXPECT_EQ(c->hits_size(), 0);
  const v1::PeerSearchAnswer* coord = AnswerOf(*response, kCoordinator);
  ASSERT_NE(coord, nullptr);
  EXPECT_FALSE(coord->answered());
  EXPECT_TRUE(absl::StrContains(coord->error(), "PERMISSION_DENIED")) << coord->error();
  // The stalled peer cost the deadline, not the client's patience.
  EXPECT_LT(took, absl::Seconds(10));

  // Audited at both ends, with the value's digest and never the value.
  const std::string digest = HexEncode(DigestBytes(Sha256(kPhone)));
  v1::AuditFilter filter;
  filter.set_action(v1::AUDIT_ACTION_FEDERATED_SEARCH);
  absl::StatusOr<std::vector<v1::AuditEntry>> asked_log = a_.AuditEntries(filter);
  ASSERT_TRUE(asked_log.ok()) << asked_log.status();
  ASSERT_EQ(asked_log->size(), 1u);
  const v1::AuditEntry& asking = (*asked_log)[0];
  EXPECT_TRUE(absl::StrContains(asking.detail(), digest)) << asking.detail();
  EXPECT_FALSE(absl::StrContains(asking.detail(), "70 12 34")) << asking.detail();
  EXPECT_TRUE(absl::StrContains(asking.detail(), "'agency-c' did not answer")) << asking.detail();
  EXPECT_EQ(asking.actor().role(), "analyst");
  absl::StatusOr<std::vector<v1::AuditEntry>> answered_log = b_.AuditEntries(filter);
  ASSERT_TRUE(answered_log.ok()) << answered_log.status();
  ASSERT_EQ(answered_log->size(), 1u);
  const v1::AuditEntry& answering = (*answered_log)[0];
  EXPECT_EQ(answering.actor().agency_id(), kAgencyA);
  EXPECT_EQ(answering.actor().role(), "node");
  EXPECT_TRUE(absl::StrContains(answering.detail(), digest)) << answering.detail();
  // The person and the purpose travel with the question, in the asking node's word.
  EXPECT_TRUE(absl::StrContains(answering.detail(), "analyst 'agency-a analyst', role 'analyst'"))
      << answering.detail();
  EXPECT_EQ(answering.purpose(), kPurpose);
  EXPECT_EQ(asking.purpose(), kPurpose);
  EXPECT_EQ(asking.actor().person(), "agency-a analyst");
  EXPECT_FALSE(absl::StrContains(answering.detail(), "70 12 34")) << answering.detail();
  std::set<std::string> targets;
  for (const v1::AuditTarget& target : answering.targets()) targets.insert(target.record_id());
  EXPECT_EQ(targets, (std::set<std::string>{open_, closed_}));
  // The coordinator refused a caller it does not know as a peer, audited there too.
  absl::StatusOr<std::vector<v1::AuditEntry>> refused_log = coord_.AuditEntries(filter);
  ASSERT_TRUE(refused_log.ok()) << refused_log.status();
  ASSERT_EQ(refused_log->size(), 1u);
  EXPECT_EQ((*refused_log)[0].outcome(), v1::AUDIT_OUTCOME_REFUSED);
}

TEST_F(FederatedSearchTest, TheAnsweringNodesRateLimitRefusesBeyondItsAllowance) {
  StartAll("federation { search_rate_per_minute: 3 }", /*coordinator_knows_a=*/true);
  c_.Stop();  // down
  for (int i = 0; i < 3; ++i) {
    absl::StatusOr<v1::SearchResponse> response = SearchFederation();
    ASSERT_TRUE(response.ok()) << response.status();
    EXPECT_TRUE(AnswerOf(*response, kAgencyB)->answered()) << i;
    EXPECT_TRUE(absl::StrContains(AnswerOf(*response, kAgencyC)->error(), "unreachable"))
        << AnswerOf(*response, kAgencyC)->error();
  }
  absl::StatusOr<v1::SearchResponse> fourth = SearchFederation();
  ASSERT_TRUE(fourth.ok()) << fourth.status();
  const v1::PeerSearchAnswer* b = AnswerOf(*fourth, kAgencyB);
  EXPECT_FALSE(b->answered());
  EXPECT_TRUE(absl::StrContains(b->error(), "RESOURCE_EXHAUSTED")) << b->error();
  EXPECT_TRUE(absl::StrContains(b->error(), "search_rate_per_minute")) << b->error();
  EXPECT_EQ(b->hits_size(), 0);
  // The coordinator has its own allowance (the default), and answers.
  EXPECT_TRUE(AnswerOf(*fourth, kCoordinator)->answered());

  v1::AuditFilter filter;
  filter.set_action(v1::AUDIT_ACTION_FEDERATED_SEARCH);
  absl::StatusOr<std::vector<v1::AuditEntry>> log = b_.AuditEntries(filter);
  ASSERT_TRUE(log.ok()) << log.status();
  ASSERT_EQ(log->size(), 4u);
  EXPECT_EQ((*log)[3].outcome(), v1::AUDIT_OUTCOME_REFUSED);
  EXPECT_TRUE((*log)[3].targets().empty());
}

TEST_F(FederatedSearchTest, OnlyTheNodesOwnAgencyMayAskItsPeers) {
  StartAll("", /*coordinator_knows_a=*/true);
  // An analyst of agency-b searching a's node may not make a's node ask on its behalf.
  absl::StatusOr<v1::SearchResponse> response = SearchFederation(kAgencyB);
  ASSERT_FALSE(response.ok());
  EXPECT_EQ(response.status().code(), absl::StatusCode::kPermissionDenied);
  EXPECT_TRUE(absl::StrContains(response.status().message(), "own agency 'agency-a'"))
      << response.status();
  v1::AuditFilter filter;
  filter.set_action(v1::AUDIT_ACTION_FEDERATED_SEARCH);
  absl::StatusOr<std::vector<v1::AuditEntry>> log = b_.AuditEntries(filter);
  ASSERT_TRUE(log.ok());
  EXPECT_TRUE(log->empty()) << "b's node was asked";
}

}  // namespace
}  // namespace nexus::testing
