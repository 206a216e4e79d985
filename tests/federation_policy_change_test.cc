// A policy change reaches what replication already passed over: agency-c's node shares with
// agency-b's (which pulls from it); when agency-c widens its policy, by a reload or by a restart
// with another policy, agency-b receives what the new policy permits and the old one held back,
// and nothing it already holds is sent again. `policy explain` at agency-c and what agency-b holds
// agree. A narrower policy recalls nothing.
#include <gtest/gtest.h>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "tests/federation_harness.h"

namespace nexus::testing {
namespace {

std::string Policy(const std::string& rules) {
  return absl::StrCat("name: \"agency-c to agency-b\"\n", rules);
}

// GREEN to agency-b without its summary; nothing else.
const char kGreenWithoutSummary[] = R"pb(
  rules {
    id: "green-to-b"
    effect: EFFECT_PERMIT
    recipient { agencies: "agency-b" }
    record { tlp: TLP_GREEN }
    redact { summary: true }
  }
)pb";
// GREEN and AMBER to agency-b, whole, but never what is tagged "hold".
const char kGreenAndAmber[] = R"pb(
  rules {
    id: "green-amber-to-b"
    effect: EFFECT_PERMIT
    recipient { agencies: "agency-b" }
    record { tlp: [ TLP_GREEN, TLP_AMBER ] }
  }
  rules {
    id: "never-hold"
    effect: EFFECT_FORBID
    recipient { agencies: "agency-b" }
    record { tags: "hold" }
  }
)pb";

class FederationPolicyChangeTest : public ::testing::Test {
 protected:
  void SetUp() override {
    c_.set_policy(Policy(kGreenWithoutSummary));
    c_.AddPeer(InboundPeer(kAgencyB));
    b_.AddPeer(PullPeer(kAgencyC, c_.address()));
    ASSERT_EQ(c_.Start(), absl::OkStatus());
    ASSERT_EQ(b_.Start(), absl::OkStatus());
    absl::StatusOr<std::vector<v1::PublishResult>> published = PublishAll(
        c_, {FederationDraft("green", v1::TLP_GREEN, v1::DISTRIBUTION_SCOPE_FEDERATION),
             FederationDraft("amber", v1::TLP_AMBER, v1::DISTRIBUTION_SCOPE_FEDERATION),
             FederationDraft("hold", v1::TLP_AMBER, v1::DISTRIBUTION_SCOPE_FEDERATION),
             FederationDraft("last-green", v1::TLP_GREEN, v1::DISTRIBUTION_SCOPE_FEDERATION)});
    ASSERT_TRUE(published.ok()) << published.status();
    for (const v1::PublishResult& result : *published) ids_.push_back(result.id());
    // B's stream has passed over the AMBER records: the last GREEN one came after them.
    ASSERT_TRUE(WaitFor([&] { return b_.Get(ids_[3], 0).ok(); })) << b_.ReadLog();
    ASSERT_EQ(WithheldParts(b_.Get(ids_[0], 0)->record()), "summary");
    ASSERT_TRUE(absl::IsNotFound(b_.Get(ids_[1], 0).status()));
    ASSERT_EQ(*c_.Explain(ids_[1], kAgencyB), "deny");
  }

  v1::PeerCursor ReceivedFromC() {
    absl::StatusOr<v1::FederationStatusResponse> status = b_.FederationStatus();
    EXPECT_TRUE(status.ok()) << status.status();
    for (const v1::PeerStatus& peer : status->peers()) {
      if (peer.agency_id() == kAgencyC) return peer.received();
    }
    ADD_FAILURE() << "no peer agency-c at agency-b";
    return {};
  }

  FederationNode c_{kAgencyC}, b_{kAgencyB};
  std::vector<std::string> ids_;  // green, amber, hold (AMBER, tagged "hold"), last-green
};

TEST_F(FederationPolicyChangeTest, AWiderPolicyDeliversWhatTheOldOneHeldBackAndNothingTwice) {
  // FederationDraft tags each record with its label: "hold" is tagged "hold".
  absl::StatusOr<v1::ReloadPolicyResponse> reloaded = c_.ReloadPolicy(Policy(kGreenAndAmber));
  ASSERT_TRUE(reloaded.ok()) << reloaded.status();
  EXPECT_EQ(reloaded->rules(), 2u);
  EXPECT_EQ(reloaded->reoffered_peers(), 1u);
  EXPECT_EQ(reloaded->file(), c_.dir() + "/policy.textproto");

  ASSERT_TRUE(WaitFor([&] { return b_.Get(ids_[1], 0).ok(); })) << c_.ReadLog();
  EXPECT_EQ(*c_.Explain(ids_[1], kAgencyB), "permit");
  // The summary the old rules withheld is added to the held version, verified.
  ASSERT_TRUE(WaitFor([&] { return WithheldParts(b_.Get(ids_[0], 0)->record()).empty(); }));
  // Still forbidden: explain and holdings agree.
  EXPECT_EQ(*c_.Explain(ids_[2], kAgencyB), "deny");
  EXPECT_TRUE(absl::IsNotFound(b_.Get(ids_[2], 0).status()));
  // What B held under the old rules was not sent again, but for the two GREEN versions whose
  // summaries it lacked: each of those arrived to complete a held version.
  v1::PeerCursor received = ReceivedFromC();
  EXPECT_EQ(received.disclosures_added(), 2u) << received.ShortDebugString();
  EXPECT_EQ(received.unchanged(), received.disclosures_added()) << received.ShortDebugString();
  EXPECT_EQ(received.received(), 3u) << received.ShortDebugString();

  // A restart with a policy that no longer forbids "hold" delivers it as well.
  ASSERT_EQ(c_.Stop(), 0);
  c_.set_policy(Policy(R"pb(
    rules {
      id: "green-amber-to-b"
      effect: EFFECT_PERMIT
      recipient { agencies: "agency-b" }
      record { tlp: [ TLP_GREEN, TLP_AMBER ] }
    }
  )pb"));
  ASSERT_EQ(c_.Start(), absl::OkStatus());
  ASSERT_TRUE(WaitFor([&] { return b_.Get(ids_[2], 0).ok(); })) << c_.ReadLog();
  EXPECT_EQ(ReceivedFromC().unchanged(), 2u);  // only "hold" was new to the restarted rules

  // A narrower policy recalls nothing, and its reload says so by its answer.
  reloaded = c_.ReloadPolicy(Policy(""));
  ASSERT_TRUE(reloaded.ok()) << reloaded.status();
  EXPECT_EQ(reloaded->rules(), 0u);
  EXPECT_TRUE(b_.Get(ids_[1], 0).ok());
  EXPECT_EQ(*c_.Explain(ids_[1], kAgencyB), "deny");
}

// A restart with the same rules is no change: nothing is offered again.
TEST_F(FederationPolicyChangeTest, ARestartWithTheSameRulesOffersNothingAgain) {
  ASSERT_EQ(c_.Stop(), 0);
  ASSERT_EQ(c_.Start(), absl::OkStatus());
  absl::StatusOr<v1::FederationStatusResponse> status = c_.FederationStatus();
  ASSERT_TRUE(status.ok()) << status.status();
  ASSERT_EQ(status->peers_size(), 1);
  EXPECT_EQ(status->peers(0).reoffer_positions(), 0u);
  v1::AuditFilter filter;
  filter.set_action(v1::AUDIT_ACTION_REPLICATE);
  absl::StatusOr<std::vector<v1::AuditEntry>> entries = c_.AuditEntries(filter);
  ASSERT_TRUE(entries.ok()) << entries.status();
  for (const v1::AuditEntry& entry : *entries) {
    EXPECT_FALSE(absl::StrContains(entry.detail(), "re-offer")) << entry.ShortDebugString();
  }
}

}  // namespace
}  // namespace nexus::testing
