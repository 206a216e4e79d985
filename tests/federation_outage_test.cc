// Outages and crashes: a node that was down catches up from its durable cursor; a receiving node
// killed (SIGKILL) in the middle of a stream loses nothing, stores nothing twice, and its audit log
// verifies offline.
#include <gtest/gtest.h>

#include <atomic>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "tests/federation_harness.h"

namespace nexus::testing {
namespace {

constexpr char kShareEverythingWithB[] = R"pb(
  name: "agency-a: everything to agency-b"
  rules {
    id: "all-to-b"
    effect: EFFECT_PERMIT
    recipient { agencies: "agency-b" }
  }
)pb";

constexpr char kShareEverythingWithA[] = R"pb(
  name: "agency-b: everything to agency-a"
  rules {
    id: "all-to-a"
    effect: EFFECT_PERMIT
    recipient { agencies: "agency-a" }
  }
)pb";

// A and B, each pulling from the other; A shares everything with B.
class FederationOutageTest : public ::testing::Test {
 protected:
  void SetUp() override {
    a_.set_policy(kShareEverythingWithB);
    b_.set_policy(kShareEverythingWithA);
    a_.AddPeer(PullPeer(kAgencyB, b_.address()));
    b_.AddPeer(PullPeer(kAgencyA, a_.address()));
    ASSERT_EQ(a_.Start(), absl::OkStatus());
    ASSERT_EQ(b_.Start(), absl::OkStatus());
  }

  // `count` GREEN federation-wide drafts, labelled prefix-0, prefix-1, ...
  static std::vector<v1::Record> Drafts(const std::string& prefix, int count) {
    std::vector<v1::Record> drafts;
    for (int i = 0; i < count; ++i) {
      drafts.push_back(FederationDraft(absl::StrCat(prefix, "-", i), v1::TLP_GREEN,
                                       v1::DISTRIBUTION_SCOPE_FEDERATION));
    }
    return drafts;
  }

  // Publishes at A over one stream; remembers what was stored.
  void PublishAtA(const std::vector<v1::Record>& drafts) {
    absl::StatusOr<std::vector<v1::PublishResult>> results =
        a_.Analyst()->PublishStream(drafts, 100);
    ASSERT_TRUE(results.ok()) << results.status();
    ASSERT_EQ(results->size(), drafts.size());
    for (const v1::PublishResult& result : *results) {
      ASSERT_EQ(result.outcome(), v1::PUBLISH_OUTCOME_STORED) << result.ShortDebugString();
      published_.insert({result.id(), result.version()});
    }
  }

  // Waits until B holds every version published at A, then checks that it holds each exactly
  // once, nothing else of A's, and that each verifies and came from A.
  void ExpectBCaughtUp(absl::Duration timeout) {
    Holdings holdings;
    absl::Status read;
    bool caught_up = WaitFor(
        [&] {
          read = b_.Update(&holdings);
          return read.ok() && holdings.CountOrigin(kAgencyA) >= published_.size();
        },
        timeout);
    ASSERT_TRUE(caught_up) << "B holds " << holdings.CountOrigin(kAgencyA) << " of "
                           << published_.size() << " versions published at A; " << read;
    // Read again from the start: what B serves after the wait, not what was seen on the way.
    absl::StatusOr<Holdings> all = b_.ReadHoldings();
    ASSERT_TRUE(all.ok()) << all.status();
    EXPECT_TRUE(all->duplicates.empty())
        << all->duplicates.size() << " versions stored twice, e.g. " << all->duplicates[0].first
        << "@" << all->duplicates[0].second;
    std::set<VersionKey> held;
    for (const auto& [key, version] : all->versions) {
      absl::StatusOr<OpenedRecord> opened = VerifyRecord(version.record);
      ASSERT_TRUE(opened.ok()) << key.first << "@" << key.second << ": " << opened.status();
      if (opened->header.origin_agency() != kAgencyA) continue;
      EXPECT_EQ(version.received_from, kAgencyA);
      held.insert(key);
    }
    EXPECT_EQ(held, published_);
  }

  // B's durable per-peer state says that it stored every version of A exactly once and was never
  // sent one again: the cursor is stored in the same batch as the versions, so no restart, crash
  // or reconnection resumes before what B already holds.
  void ExpectBCountsEachVersionOnce() {
    absl::StatusOr<v1::FederationStatusResponse> status = b_.FederationStatus();
    ASSERT_TRUE(status.ok()) << status.status();
    ASSERT_EQ(status->peers_size(), 1) << status->ShortDebugString();
    const v1::PeerStatus& a = status->peers(0);
    EXPECT_EQ(a.agency_id(), kAgencyA);
    EXPECT_EQ(a.received().received(), published_.size()) << a.ShortDebugString();
    EXPECT_EQ(a.received().unchanged(), 0u) << a.ShortDebugString();
    EXPECT_EQ(a.received().refused(), 0u) << a.ShortDebugString();
  }

  FederationNode a_{kAgencyA}, b_{kAgencyB};
  std::set<VersionKey> published_;
};

TEST_F(FederationOutageTest, StoppedNodeCatchesUpFromItsCursor) {
  PublishAtA(Drafts("before", 10));
  ASSERT_NO_FATAL_FAILURE(ExpectBCaughtUp(absl::Seconds(20)));

  ASSERT_EQ(b_.Stop(), 0);
  absl::Time start = absl::Now();
  PublishAtA(Drafts("while-down", 1000));
  std::printf("published 1000 records at A in %s\n",
              absl::FormatDuration(absl::Now() - start).c_str());
  ASSERT_EQ(b_.Start(), absl::OkStatus());
  start = absl::Now();
  ASSERT_NO_FATAL_FAILURE(ExpectBCaughtUp(absl::Seconds(90)));
  std::printf("B caught up 1000 records in %s after its restart\n",
              absl::FormatDuration(absl::Now() - start).c_str());

  // The serving node's restart does not invalidate the cursor B holds: B resumes where it was,
  // and nothing arrives twice.
  ASSERT_EQ(a_.Stop(), 0);
  ASSERT_EQ(a_.Start(), absl::OkStatus());
  PublishAtA(Drafts("after-a-restart", 10));
  ASSERT_NO_FATAL_FAILURE(ExpectBCaughtUp(absl::Seconds(30)));

  ASSERT_NO_FATAL_FAILURE(ExpectBCountsEachVersionOnce());
}

TEST_F(FederationOutageTest, ReceiverKilledMidStreamThreeTimesLosesAndDuplicatesNothing) {
  PublishAtA(Drafts("before", 10));
  ASSERT_NO_FATAL_FAILURE(ExpectBCaughtUp(absl::Seconds(20)));

  int mid_stream_kills = 0;
  for (int round = 0; round < 3; ++round) {
    // A backlog for B: 1,000 versions published while it is down, so that after its start it is
    // receiving for a while.
    if (round == 0) {
      ASSERT_EQ(b_.Stop(), 0);
    }
    PublishAtA(Drafts(absl::StrCat("round-", round), 1000));
    ASSERT_EQ(b_.Start(), absl::OkStatus());
    Holdings holdings;
    ASSERT_TRUE(b_.Update(&holdings).ok());
    size_t at_start = holdings.CountOrigin(kAgencyA);
    // Kill it as soon as it has stored something of the backlog.
    ASSERT_TRUE(WaitFor(
        [&] { return b_.Update(&holdings).ok() && holdings.CountOrigin(kAgencyA) > at_start; },
        absl::Seconds(30)))
        << "B stored nothing of the backlog";
    b_.Kill();
    size_t at_kill = holdings.CountOrigin(kAgencyA);
    std::printf("round %d: B killed holding %zu of %zu versions of A (%zu at its start)\n", round,
                at_kill, published_.size(), at_start);
    if (at_kill < published_.size()) ++mid_stream_kills;
  }
  // At least one kill must have hit B while it was receiving; on this machine, all three do.
  EXPECT_GE(mid_stream_kills, 1);

  ASSERT_EQ(b_.Start(), absl::OkStatus());
  ASSERT_NO_FATAL_FAILURE(ExpectBCaughtUp(absl::Seconds(90)));
  ASSERT_NO_FATAL_FAILURE(ExpectBCountsEachVersionOnce());
  ASSERT_EQ(b_.Stop(), 0);

  std::string output;
  int code = RunCommand(
      absl::StrCat(NEXUS_NEXUSCTL_PATH, " --keys ", TestPki(), "/keys --witness ", b_.dir(),
                   "/witness audit verify --offline ", b_.data_dir(), " --agency ", b_.agency()),
      &output);
  EXPECT_EQ(code, 0) << output;
}

}  // namespace
}  // namespace nexus::testing
