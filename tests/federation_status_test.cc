// `federation status` during an outage, with real nodes: how long a peer has been unreachable
// counts from when it went away, not from the latest retry; the last error is there; and what
// waits for it is the real backlog, not a stale 0.
#include <gtest/gtest.h>

#include "absl/time/clock.h"
#include "tests/federation_harness.h"

namespace nexus::testing {
namespace {

v1::PeerStatus StatusOf(const FederationNode& node, const std::string& peer) {
  absl::StatusOr<v1::FederationStatusResponse> status = node.FederationStatus();
  EXPECT_TRUE(status.ok()) << status.status();
  if (status.ok()) {
    for (const v1::PeerStatus& each : status->peers()) {
      if (each.agency_id() == peer) return each;
    }
  }
  ADD_FAILURE() << "no peer " << peer;
  return {};
}

class FederationStatusTest : public ::testing::Test {
 protected:
  void SetUp() override {
    c_.set_policy(kEverythingToAgencyB);
    c_.AddPeer(InboundPeer(kAgencyB));
    b_.AddPeer(PullPeer(kAgencyC, c_.address()));
    ASSERT_EQ(c_.Start(), absl::OkStatus());
    ASSERT_EQ(b_.Start(), absl::OkStatus());
    auto first = PublishAll(
        c_, {FederationDraft("first", v1::TLP_GREEN, v1::DISTRIBUTION_SCOPE_FEDERATION)});
    ASSERT_TRUE(first.ok()) << first.status();
    ASSERT_TRUE(WaitFor([&] { return b_.Get((*first)[0].id(), 0).ok(); })) << b_.ReadLog();
  }

  FederationNode c_{kAgencyC}, b_{kAgencyB};
};

TEST_F(FederationStatusTest, AStoppedMemberShowsSinceWhenAndWhatWaitsForIt) {
  ASSERT_TRUE(WaitFor([&] { return StatusOf(c_, kAgencyB).connected(); }));
  ASSERT_EQ(b_.Stop(), 0);
  const int64_t stopped = absl::ToUnixMicros(absl::Now());
  // Three versions for B, and one it may not have (its own agency's origin is never echoed:
  // here, a RED record named to nobody but the coordinator itself).
  ASSERT_TRUE(
      PublishAll(c_, {FederationDraft("w1", v1::TLP_GREEN, v1::DISTRIBUTION_SCOPE_FEDERATION),
                      FederationDraft("w2", v1::TLP_GREEN, v1::DISTRIBUTION_SCOPE_FEDERATION),
                      FederationDraft("w3", v1::TLP_AMBER, v1::DISTRIBUTION_SCOPE_FEDERATION),
                      FederationDraft("not-for-b", v1::TLP_RED,
                                      v1::DISTRIBUTION_SCOPE_NAMED_AGENCIES, {kAgencyA})})
          .ok());
  v1::PeerStatus b;
  ASSERT_TRUE(WaitFor([&] {
    b = StatusOf(c_, kAgencyB);
    return !b.connected();
  }));
  EXPECT_TRUE(b.backlog_known()) << b.ShortDebugString();
  EXPECT_EQ(b.versions_behind(), 4u) << b.ShortDebugString();
  EXPECT_EQ(b.versions_waiting(), 3u) << b.ShortDebugString();
  EXPECT_FALSE(b.versions_waiting_more());
  // Disconnected since about when it stopped (the stream's end is noticed within a second).
  EXPECT_LE(b.since_unix_micros(), stopped + 2'000'000) << b.ShortDebugString();

  // They go out when it returns, and the backlog is then empty.
  ASSERT_EQ(b_.Start(), absl::OkStatus());
  ASSERT_TRUE(WaitFor([&] {
    b = StatusOf(c_, kAgencyB);
    return b.connected() && b.versions_waiting() == 0 && b.versions_behind() == 0;
  })) << b.ShortDebugString();
}

TEST_F(FederationStatusTest, RetriesDoNotResetHowLongAPeerHasBeenUnreachable) {
  ASSERT_EQ(c_.Stop(), 0);
  v1::PeerStatus first;
  ASSERT_TRUE(WaitFor([&] {
    first = StatusOf(b_, kAgencyC);
    return !first.connected() && !first.last_error().empty();
  }));
  // Another attempt fails (a later error), yet the outage still counts from its start.
  v1::PeerStatus later;
  ASSERT_TRUE(WaitFor([&] {
    later = StatusOf(b_, kAgencyC);
    return later.last_error_unix_micros() > first.last_error_unix_micros();
  }));
  EXPECT_FALSE(later.connected());
  EXPECT_EQ(later.since_unix_micros(), first.since_unix_micros());
  EXPECT_LT(later.since_unix_micros(), later.last_error_unix_micros());
}

}  // namespace
}  // namespace nexus::testing
