// Peers witness each other's audit logs over real connections: a node whose history is rewritten
// (its data directory replaced, the same signing key) is caught by the peer that witnessed it, the
// alarm shows in federation status and makes `nexusctl audit verify --peer` fail; a node that
// nobody can dial is witnessed over its own push stream.
#include <gtest/gtest.h>

#include <filesystem>
#include <string>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "tests/federation_harness.h"

namespace nexus::testing {
namespace {

// `nexusctl audit verify --peer` at `observer`, as its auditor; returns the exit code.
int VerifyPeer(const FederationNode& observer, const std::string& peer, std::string* output) {
  const std::string& pki = TestPki();
  return RunCommand(absl::StrCat(NEXUS_NEXUSCTL_PATH, " --target ", observer.address(), " --ca ",
                                 pki, "/ca.crt --cert ", pki, "/", observer.agency(),
                                 "/auditor.crt --key ", pki, "/", observer.agency(),
                                 "/auditor.key --keys ", pki, "/keys audit verify --peer ", peer),
                    output);
}

TEST(FederationWitnessTest, ARewrittenHistoryIsCaughtByThePeerThatWitnessedIt) {
  FederationNode a(kAgencyA), b(kAgencyB);
  a.AddPeer(PullPeer(kAgencyB, b.address()));
  b.AddPeer(PullPeer(kAgencyA, a.address()));
  ASSERT_EQ(a.Start(), absl::OkStatus());
  ASSERT_EQ(b.Start(), absl::OkStatus());
  // A's log grows (publishes, B's witness calls); B verifies each head as an extension.
  auto analyst = a.Analyst();
  ASSERT_NE(analyst, nullptr);
  ASSERT_TRUE(analyst
                  ->Publish({FederationDraft("witnessed", v1::TLP_GREEN,
                                             v1::DISTRIBUTION_SCOPE_FEDERATION)})
                  .ok());
  uint64_t first = 0;
  ASSERT_TRUE(WaitFor([&] { return (first = WitnessOf(b, kAgencyA).tree_size()) > 0; }));
  ASSERT_TRUE(analyst
                  ->Publish({FederationDraft("witnessed too", v1::TLP_GREEN,
                                             v1::DISTRIBUTION_SCOPE_FEDERATION)})
                  .ok());
  ASSERT_TRUE(WaitFor([&] { return WitnessOf(b, kAgencyA).tree_size() > first; }))
      << "B never saw A's log grow";
  std::string output;
  EXPECT_EQ(VerifyPeer(b, kAgencyA, &output), 0) << output;
  EXPECT_TRUE(WitnessOf(b, kAgencyA).alarm().empty());

  // A's operator replaces its history: same agency, same key, a new log.
  ASSERT_EQ(a.Stop(), 0);
  std::filesystem::remove_all(a.data_dir());
  ASSERT_EQ(a.Start(), absl::OkStatus());
  ASSERT_TRUE(WaitFor([&] { return !WitnessOf(b, kAgencyA).alarm().empty(); }, absl::Seconds(30)))
      << b.ReadLog();
  const std::string alarm = WitnessOf(b, kAgencyA).alarm();
  EXPECT_TRUE(absl::StrContains(alarm, "rollback") || absl::StrContains(alarm, "fork")) << alarm;
  EXPECT_EQ(VerifyPeer(b, kAgencyA, &output), 4) << output;
  // Sticky (peer_witness_test checks it head by head): still raised after B's restart.
  ASSERT_EQ(b.Stop(), 0);
  ASSERT_EQ(b.Start(), absl::OkStatus());
  EXPECT_EQ(WitnessOf(b, kAgencyA).alarm(), alarm);
  EXPECT_EQ(VerifyPeer(b, kAgencyA, &output), 4) << output;
}

TEST(FederationWitnessTest, ANodeNobodyCanDialIsWitnessedOverItsPushStream) {
  FederationNode hub(kAgencyB), member(kAgencyC);
  member.AddPeer(PullAndPushPeer(kAgencyB, hub.address()));
  hub.AddPeer(InboundPeer(kAgencyC));
  ASSERT_EQ(hub.Start(), absl::OkStatus());
  ASSERT_EQ(member.Start(), absl::OkStatus());
  ASSERT_TRUE(WaitFor([&] { return WitnessOf(hub, kAgencyC).tree_size() > 0; })) << hub.ReadLog();
  std::string output;
  EXPECT_EQ(VerifyPeer(hub, kAgencyC, &output), 0) << output;
  // And the member witnesses the hub it dials.
  ASSERT_TRUE(WaitFor([&] { return WitnessOf(member, kAgencyB).tree_size() > 0; }));
}

// Witnessing is audited when it matters, not at every fetch: while A's log does not change, B's
// fetches of its head (every second here) leave no entry; the next one after the log grows is
// audited and counts the routine fetches before it. The witness's last check is shown live.
TEST(FederationWitnessTest, RoutineHeadFetchesAreCountedNotEachAudited) {
  FederationNode a(kAgencyA), b(kAgencyB);
  a.AddPeer(InboundPeer(kAgencyB));
  b.AddPeer(PullPeer(kAgencyA, a.address()));
  ASSERT_EQ(a.Start(), absl::OkStatus());
  ASSERT_EQ(b.Start(), absl::OkStatus());
  ASSERT_TRUE(WaitFor([&] { return WitnessOf(b, kAgencyA).tree_size() > 0; })) << b.ReadLog();
  v1::AuditFilter by_b;
  by_b.add_actions(v1::AUDIT_ACTION_WITNESS);
  by_b.set_actor_agency(kAgencyB);
  // Each read of A's log is an entry of its own: the fetch after it is audited.
  absl::StatusOr<std::vector<v1::AuditEntry>> before = a.AuditEntries(by_b);
  ASSERT_TRUE(before.ok()) << before.status();
  // At least two more fetches by B, the log changing only by the read above.
  const int64_t start = absl::ToUnixMicros(absl::Now());
  int64_t checked = 0;
  ASSERT_TRUE(WaitFor([&] {
    return (checked = WitnessOf(b, kAgencyA).checked_unix_micros()) > start + 3'500'000;
  })) << "B's last check of A's head is not shown advancing";
  ASSERT_TRUE(WaitFor([&] { return WitnessOf(b, kAgencyA).checked_unix_micros() > checked; }));
  absl::StatusOr<std::vector<v1::AuditEntry>> after = a.AuditEntries(by_b);
  ASSERT_TRUE(after.ok()) << after.status();
  ASSERT_EQ(after->size(), before->size() + 1) << "one entry, for the fetch after the read";
  // The read just made is a change: the next fetch is audited, with the routine ones counted.
  std::vector<v1::AuditEntry> entries;
  ASSERT_TRUE(WaitFor([&] {
    absl::StatusOr<std::vector<v1::AuditEntry>> now = a.AuditEntries(by_b);
    if (now.ok()) entries = *now;
    return entries.size() >= before->size() + 2;
  }));
  const v1::AuditEntry& counted = entries[before->size() + 1];
  EXPECT_GE(counted.count(), 1u) << counted.ShortDebugString();
  EXPECT_TRUE(absl::StrContains(counted.detail(), "routine fetches")) << counted.detail();
  EXPECT_EQ(counted.outcome(), v1::AUDIT_OUTCOME_OK);
}

}  // namespace
}  // namespace nexus::testing
