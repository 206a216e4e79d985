// A node restored from a backup, with real processes: A is backed up while it serves, publishes
// more, then is restored from the copy. What each side reports: A serves what it held at the
// backup and its log verifies at start; B, which pulled from A and witnessed its log, still holds
// every record (those A lost too) and raises a rollback alarm about A's log, since A now shows a
// shorter history than B verified.
#include <gtest/gtest.h>

#include <filesystem>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "client/admin_client.h"
#include "tests/federation_harness.h"

namespace nexus::testing {
namespace {

TEST(FederationBackupTest, ARestoredNodeServesItsBackupAndItsPeerRaisesARollbackAlarm) {
  FederationNode a(kAgencyA), b(kAgencyB);
  const std::string backups = a.dir() + "/backups";
  a.set_policy(kEverythingToAgencyB);
  a.AddPeer(InboundPeer(kAgencyB));
  a.set_extra_config(absl::StrCat("backup { directory: \"", backups, "\" }\n"));
  b.AddPeer(PullPeer(kAgencyA, a.address()));
  ASSERT_EQ(a.Start(), absl::OkStatus());
  ASSERT_EQ(b.Start(), absl::OkStatus());

  auto before = PublishAll(
      a, {FederationDraft("before 1", v1::TLP_GREEN, v1::DISTRIBUTION_SCOPE_FEDERATION),
          FederationDraft("before 2", v1::TLP_GREEN, v1::DISTRIBUTION_SCOPE_FEDERATION)});
  ASSERT_TRUE(before.ok()) << before.status();
  auto admin = *AdminClient::Create(ClientFor(a.address(), kAgencyA, "admin"));
  absl::StatusOr<v1::BackupResponse> taken = admin->Backup("before-more");
  ASSERT_TRUE(taken.ok()) << taken.status();
  auto after =
      PublishAll(a, {FederationDraft("after 1", v1::TLP_GREEN, v1::DISTRIBUTION_SCOPE_FEDERATION),
                     FederationDraft("after 2", v1::TLP_GREEN, v1::DISTRIBUTION_SCOPE_FEDERATION)});
  ASSERT_TRUE(after.ok()) << after.status();
  // B holds all four and has witnessed A's log beyond the backup.
  ASSERT_TRUE(WaitFor([&] { return b.Get((*after)[1].id(), 0).ok(); })) << b.ReadLog();
  ASSERT_TRUE(WaitFor([&] {
    return WitnessOf(b, kAgencyA).tree_size() > taken->audit_entries() + 2;
  })) << b.ReadLog();
  EXPECT_TRUE(WitnessOf(b, kAgencyA).alarm().empty());

  // A's operator restores the backup into A's data directory.
  ASSERT_EQ(a.Stop(), 0);
  std::filesystem::remove_all(a.data_dir());
  std::filesystem::copy(taken->directory(), a.data_dir(), std::filesystem::copy_options::recursive);
  ASSERT_EQ(a.Start(), absl::OkStatus());
  auto analyst = a.Analyst();
  for (const v1::PublishResult& result : *before) {
    EXPECT_TRUE(analyst->Get(result.id(), 0).ok()) << result.id();
  }
  for (const v1::PublishResult& result : *after) {
    EXPECT_TRUE(absl::IsNotFound(analyst->Get(result.id(), 0).status())) << result.id();
  }
  // B still holds what A lost, and says that A's log went back.
  for (const v1::PublishResult& result : *after) {
    EXPECT_TRUE(b.Get(result.id(), 0).ok()) << result.id();
  }
  ASSERT_TRUE(WaitFor([&] { return !WitnessOf(b, kAgencyA).alarm().empty(); }, absl::Seconds(30)))
      << b.ReadLog();
  const std::string alarm = WitnessOf(b, kAgencyA).alarm();
  EXPECT_TRUE(absl::StrContains(alarm, "rollback") || absl::StrContains(alarm, "fork")) << alarm;
}

}  // namespace
}  // namespace nexus::testing
