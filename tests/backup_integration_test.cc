// Online backups with a real nexusd: `nexusctl admin backup NAME` as the node's administrator
// copies the whole store while the node serves; the copy's audit log verifies offline (with the
// record store cross-checked); a node started on the copy serves exactly what the node held then
// and its own log verifies at start; and what is refused is refused, audited: another role, a
// name that is a path, a name taken, a node without backup.directory.
#include <gtest/gtest.h>

#include <filesystem>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "client/admin_client.h"
#include "client/audit_client.h"
#include "client/nexus_client.h"
#include "tests/test_support.h"

namespace nexus {
namespace {

std::string Nexusctl(const std::string& address, const std::string& role, const std::string& args) {
  const std::string& pki = testing::TestPki();
  return absl::StrCat(NEXUS_NEXUSCTL_PATH, " --target ", address, " --ca ", pki, "/ca.crt --cert ",
                      pki, "/agency-a/", role, ".crt --key ", pki, "/agency-a/", role,
                      ".key --keys ", pki, "/keys ", args);
}

std::vector<std::string> PublishSome(const std::string& address, int count,
                                     const std::string& label) {
  auto analyst = *NexusClient::Create(testing::ClientFor(address, "agency-a"));
  std::vector<v1::Record> drafts;
  for (int i = 0; i < count; ++i) {
    drafts.push_back(testing::SampleDraft());
    drafts.back().set_summary(absl::StrCat(label, " ", i));
  }
  absl::StatusOr<std::vector<v1::PublishResult>> published = analyst->Publish(drafts);
  EXPECT_TRUE(published.ok()) << published.status();
  std::vector<std::string> ids;
  if (published.ok()) {
    for (const v1::PublishResult& result : *published) ids.push_back(result.id());
  }
  return ids;
}

TEST(BackupIntegrationTest, ACopyTakenWhileServingVerifiesAndANodeStartsOnIt) {
  testing::TempDir dir;
  const std::string backups = dir.File("backups");
  testing::NexusdProcess node(testing::WriteNodeConfig(
      dir.path(), "agency-a", absl::StrCat("backup { directory: \"", backups, "\" }\n")));
  ASSERT_TRUE(node.ok()) << node.ReadLog();
  const std::vector<std::string> before = PublishSome(node.address(), 3, "before");
  ASSERT_EQ(before.size(), 3u);

  std::string out;
  ASSERT_EQ(testing::RunCommand(Nexusctl(node.address(), "admin", "admin backup first"), &out), 0)
      << out;
  const std::string copy = backups + "/first";
  EXPECT_TRUE(absl::StrContains(out, "backup in " + copy)) << out;
  EXPECT_TRUE(std::filesystem::exists(copy + "/CURRENT")) << out;
  // Taken while the node serves: it goes on publishing.
  const std::vector<std::string> after = PublishSome(node.address(), 2, "after");
  ASSERT_EQ(after.size(), 2u);

  // Refusals, each audited under BACKUP.
  EXPECT_EQ(testing::RunCommand(Nexusctl(node.address(), "admin", "admin backup first"), &out), 1)
      << out;
  EXPECT_TRUE(absl::StrContains(out, "exists already")) << out;
  EXPECT_EQ(testing::RunCommand(Nexusctl(node.address(), "admin", "admin backup ../escape"), &out),
            2)
      << out;
  EXPECT_TRUE(absl::StrContains(out, "is not 1 to 64 letters")) << out;
  EXPECT_FALSE(std::filesystem::exists(dir.File("escape")));
  EXPECT_EQ(testing::RunCommand(Nexusctl(node.address(), "analyst", "admin backup mine"), &out), 1)
      << out;
  EXPECT_FALSE(std::filesystem::exists(backups + "/mine"));
  {
    auto auditor = *AuditClient::Create(testing::ClientFor(node.address(), "agency-a", "auditor"));
    v1::ListEntriesRequest request;
    request.mutable_filter()->add_actions(v1::AUDIT_ACTION_BACKUP);
    int ok = 0, refused = 0;
    absl::Status listed = auditor->ListEntries(request, [&](const v1::AuditEntryBytes& bytes) {
      v1::AuditEntry entry;
      if (bytes.total_size() == 0 && entry.ParseFromString(bytes.entry())) {
        ok += entry.outcome() == v1::AUDIT_OUTCOME_OK;
        refused += entry.outcome() == v1::AUDIT_OUTCOME_REFUSED;
      }
      return true;
    });
    ASSERT_TRUE(listed.ok()) << listed;
    EXPECT_EQ(ok, 1);
    EXPECT_EQ(refused, 3);
  }

  // The copy verifies offline, the record store cross-checked against its log.
  const std::string& pki = testing::TestPki();
  EXPECT_EQ(
      testing::RunCommand(
          absl::StrCat(NEXUS_NEXUSCTL_PATH, " --keys ", pki, "/keys --witness ",
                       dir.File("witness"), " audit verify --offline ", copy, " --agency agency-a"),
          &out),
      0)
      << out;
  EXPECT_TRUE(absl::StrContains(out, "record store agrees")) << out;
  ASSERT_EQ(node.Stop(), 0);

  // A node started on the copy serves what the node held at the backup, nothing after.
  testing::TempDir restored_dir;
  std::filesystem::copy(copy, restored_dir.File("data"), std::filesystem::copy_options::recursive);
  testing::NexusdProcess restored(testing::WriteNodeConfig(restored_dir.path(), "agency-a"));
  ASSERT_TRUE(restored.ok()) << restored.ReadLog();
  auto analyst = *NexusClient::Create(testing::ClientFor(restored.address(), "agency-a"));
  for (const std::string& id : before) EXPECT_TRUE(analyst->Get(id, 0).ok()) << id;
  for (const std::string& id : after) {
    EXPECT_TRUE(absl::IsNotFound(analyst->Get(id, 0).status())) << id;
  }
}

TEST(BackupIntegrationTest, WithoutABackupDirectoryBackupsAreOff) {
  testing::TempDir dir;
  testing::NexusdProcess node(testing::WriteNodeConfig(dir.path(), "agency-a"));
  ASSERT_TRUE(node.ok()) << node.ReadLog();
  auto admin = *AdminClient::Create(testing::ClientFor(node.address(), "agency-a", "admin"));
  absl::StatusOr<v1::BackupResponse> taken = admin->Backup("nightly");
  EXPECT_TRUE(absl::IsFailedPrecondition(taken.status())) << taken.status();
  EXPECT_TRUE(absl::StrContains(taken.status().message(), "backup.directory")) << taken.status();
}

}  // namespace
}  // namespace nexus
