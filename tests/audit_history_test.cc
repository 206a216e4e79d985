// What an insider with a node's data directory tries next, once entries, tree and checkpoints
// are all checked: pass the log off as one written before signed heads, re-sign it as another
// member, or delete the trace of a recovery. Each edit is made with the test's own RocksDB
// editor, then the real nexusd and nexusctl look at the result.
#include <gtest/gtest.h>

#include <filesystem>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "common/crypto.h"
#include "common/storage/audit_format.h"
#include "tests/audit_fixtures.h"
#include "tests/node_storage.h"
#include "tests/test_support.h"

namespace nexus {
namespace {

using testing::DataDirEditor;
using testing::StartNexusd;
using testing::TamperTest;

class AuditHistoryTest : public TamperTest {
 protected:
  // Deletes entries [from, size_) and every checkpoint above `from`, and the signed head.
  void EraseTailFrom(uint64_t from) {
    DataDirEditor editor(DataDir());
    for (uint64_t i = from; i < size_; ++i) editor.Delete(i);
    while (true) {
      std::string last = editor.LastKey(audit_format::kCheckpointsFamily);
      if (last.empty() || audit_format::ReadNumberKey(last).value_or(0) <= from) break;
      editor.Delete(audit_format::kCheckpointsFamily, last);
    }
    editor.Delete(audit_format::kHeadFamily, audit_format::kHeadKey);
  }
  // Counts the stored entries again (after the node ran).
  void RecountEntries() {
    DataDirEditor editor(DataDir());
    size_ = 0;
    while (!editor.Get(size_).empty()) ++size_;
  }
  // The size of the newest stored checkpoint.
  uint64_t LastCheckpointSize() {
    return audit_format::ReadNumberKey(
               DataDirEditor(DataDir()).LastKey(audit_format::kCheckpointsFamily))
        .value_or(0);
  }
};

// §1: the tail after an earlier checkpoint is erased with the newer checkpoints and the head, so
// that the rest looks like a log from before signed heads. Its entries say otherwise.
TEST_F(AuditHistoryTest, ErasingTheTailAsIfTheLogWereOlderThanSignedHeadsIsCaught) {
  // A second run of the node: the first run's shutdown checkpoint now lies inside the log.
  const uint64_t first_run = LastCheckpointSize();
  StartNode();
  ASSERT_TRUE(Client()->Publish({testing::SampleDraft()}).ok());
  ASSERT_EQ(node_->Stop(), 0);
  node_.reset();
  RecountEntries();
  ASSERT_GT(size_, first_run + 2);
  EraseTailFrom(first_run);

  std::string output;
  EXPECT_EQ(Verify(OfflineArgs(), &output), 4) << output;
  EXPECT_TRUE(absl::StrContains(output, "BROKEN")) << output;
  EXPECT_TRUE(absl::StrContains(output, "no signed head is stored")) << output;
  EXPECT_FALSE(absl::StrContains(output, "written before signed heads")) << output;
  // nexusd refuses it too, rather than signing a new head over the shortened log.
  EXPECT_EQ(StartNexusd(config_, &output), 3) << output;
  EXPECT_TRUE(absl::StrContains(output, "no signed head is stored")) << output;
}

// A log that really was written before signed heads is taken over; the upgrade is in the signed
// log, and from then on the same erasure is caught.
TEST_F(AuditHistoryTest, AnUpgradeFromALogWithoutHeadsIsRecordedAndProtectsWhatFollows) {
  auto key = PrivateKey::FromPemFile(testing::TestPki() + "/agency-a/signing.key");
  ASSERT_TRUE(key.ok());
  DataDirEditor(DataDir()).RewriteAsLegacy(*key, "agency-a");
  std::filesystem::remove(dir_.File("witness"));  // it witnessed the history before the rewrite
  std::string output;
  ASSERT_EQ(Verify(OfflineArgs(), &output), 0) << output;
  ASSERT_TRUE(absl::StrContains(output, "written before signed heads")) << output;

  StartNode();
  bool upgrade_recorded = false;
  for (const v1::AuditEntry& entry : AllEntries()) {
    upgrade_recorded = upgrade_recorded || (entry.action() == v1::AUDIT_ACTION_NODE_START &&
                                            entry.log_opening().upgraded_from_checkpoints_only() &&
                                            entry.log_opening().verified_entries() == size_);
  }
  EXPECT_TRUE(upgrade_recorded);
  ASSERT_EQ(node_->Stop(), 0);
  node_.reset();
  EXPECT_EQ(Verify(OfflineArgs(), &output), 0) << output;
  EXPECT_TRUE(absl::StrContains(
      output, absl::StrCat("entries 0 to ", size_ - 1, " were written before signed heads")))
      << output;
  EXPECT_TRUE(absl::StrContains(output, absl::StrCat("from entry ", size_, " (NODE_START")))
      << output;

  // Erasing what followed the upgrade, down to the legacy checkpoint, is caught.
  const uint64_t legacy_size = size_;
  RecountEntries();
  EraseTailFrom(legacy_size + 1);
  EXPECT_EQ(Verify(OfflineArgs(), &output), 4) << output;
  EXPECT_TRUE(absl::StrContains(
      output, absl::StrCat("entry ", legacy_size, " was written by a node that signs a head")))
      << output;
}

// §2: the whole log rebuilt and signed with another member's key, as that member. It verifies as
// that member's log, which is not the log of the node being audited.
TEST_F(AuditHistoryTest, ALogReSignedAsAnotherMemberFailsAgainstTheAgencyExpected) {
  testing::TempDir home;
  const std::string& pki = testing::TestPki();
  auto nexusctl = [&](const std::string& args, std::string* output) {
    // No --witness: the auditor's default witness file, under HOME.
    return testing::RunCommand(absl::StrCat("HOME=", home.path(), " ", NEXUS_NEXUSCTL_PATH,
                                            " --keys ", pki, "/keys audit verify ", args),
                               output);
  };
  std::string output;
  ASSERT_EQ(nexusctl(OfflineArgs(), &output), 0) << output;  // witnesses agency-a's log
  // The file of agency-a's identity: its agency and signing key.
  const size_t at = output.find("witness file: ");
  ASSERT_NE(at, std::string::npos) << output;
  const std::string witness = output.substr(at + 14, output.find('\n', at) - at - 14);
  EXPECT_TRUE(absl::StartsWith(witness, home.File(".nexusctl/witness/agency-a."))) << witness;
  ASSERT_TRUE(std::filesystem::exists(witness)) << output;

  std::vector<std::string> entries;
  {
    DataDirEditor editor(DataDir());
    for (uint64_t i = 0; i < size_; ++i) entries.push_back(editor.Get(i));
  }
  std::filesystem::remove_all(DataDir());
  {
    auto other_key = PrivateKey::FromPemFile(pki + "/agency-b/signing.key");
    ASSERT_TRUE(other_key.ok());
    auto forged = testing::NodeStorage::Open(DataDir(), *other_key, "agency-b");
    ASSERT_NE(forged, nullptr);
    for (const std::string& bytes : entries) {
      v1::AuditEntry entry;
      ASSERT_TRUE(entry.ParseFromString(bytes));
      ASSERT_TRUE(forged->audit->Append(entry).ok());
    }
    ASSERT_TRUE(forged->audit->Checkpoint().ok());
  }
  EXPECT_EQ(nexusctl(OfflineArgs(), &output), 4) << output;
  EXPECT_TRUE(absl::StrContains(output, "signed as agency 'agency-b', not as 'agency-a'"))
      << output;
  EXPECT_TRUE(absl::StrContains(output, "witness file: " + witness)) << output;
  EXPECT_FALSE(absl::StrContains(output, "OK:")) << output;
  EXPECT_EQ(nexusctl(absl::StrCat("--offline ", DataDir(), " --agency agency-a"), &output), 4)
      << output;
  // Without the agency, offline verification does not guess it from the log.
  EXPECT_EQ(nexusctl(absl::StrCat("--offline ", DataDir()), &output), 2) << output;
  EXPECT_TRUE(absl::StrContains(output, "--agency AGENCY, or --config NODE_CONFIG")) << output;
  // The node of agency-a does not start on it.
  EXPECT_EQ(StartNexusd(config_, &output), 3) << output;
  EXPECT_TRUE(absl::StrContains(output, "signed as agency 'agency-b'")) << output;
}

// §3: a recovery is recorded in the signed NODE_START entry; deleting the checkpoints it moved
// aside (unsigned data) leaves the recovery in the log's history, where every verification
// reports it.
TEST_F(AuditHistoryTest, EveryRecoveryStaysInTheLogsHistory) {
  // The last two entries (the shutdown's) bind no record: the store still agrees after them.
  {
    DataDirEditor editor(DataDir());
    for (uint64_t i = size_ - 2; i < size_; ++i) editor.Delete(i);
  }
  std::string output;
  ASSERT_EQ(StartNexusd(config_, &output), 3) << output;
  node_ = std::make_unique<testing::NexusdProcess>(
      config_, std::vector<std::string>{"--accept-unverified-audit-log"});
  ASSERT_TRUE(node_->ok()) << node_->ReadLog();
  ASSERT_EQ(node_->Stop(), 0);
  node_.reset();
  {
    DataDirEditor editor(DataDir());
    while (true) {
      std::string key = editor.LastKey(audit_format::kSupersededFamily);
      if (key.empty()) break;
      editor.Delete(audit_format::kSupersededFamily, key);
    }
  }
  std::filesystem::remove(dir_.File("witness"));  // it witnessed the longer log
  EXPECT_EQ(Verify(OfflineArgs(), &output), 0) << output;
  const std::string recovery = absl::StrCat("WARNING: RECOVERY at entry ", size_ - 2);
  EXPECT_TRUE(absl::StrContains(output, recovery)) << output;
  EXPECT_TRUE(absl::StrContains(output, "truncated")) << output;

  // Online too, and in JSON, for scripts.
  StartNode();
  EXPECT_EQ(Verify("", &output), 0) << output;
  EXPECT_TRUE(absl::StrContains(output, recovery)) << output;
  std::string json;
  EXPECT_EQ(testing::RunCommand(
                absl::StrCat(NEXUS_NEXUSCTL_PATH, " --json --target ", node_->address(), " --ca ",
                             testing::TestPki(), "/ca.crt --cert ", testing::TestPki(),
                             "/agency-c/auditor.crt --key ", testing::TestPki(),
                             "/agency-c/auditor.key --keys ", testing::TestPki(),
                             "/keys --witness ", dir_.File("witness"), " audit verify"),
                &json),
            0)
      << json;
  EXPECT_TRUE(absl::StrContains(json, absl::StrCat("\"recoveries\":[{\"entry\":", size_ - 2)))
      << json;
}

}  // namespace
}  // namespace nexus
