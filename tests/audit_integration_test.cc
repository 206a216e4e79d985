// The audit log of a real nexusd: every call recorded exactly once under concurrent clients,
// crash safety under kill -9, and tamper detection by `nexusctl audit verify` against the node's
// own data directory.
#include <gtest/gtest.h>

#include <atomic>
#include <filesystem>
#include <map>
#include <mutex>
#include <thread>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "client/witness_file.h"
#include "common/crypto.h"
#include "common/storage/audit_format.h"
#include "tests/audit_fixtures.h"
#include "tests/corrupt_store.h"
#include "tests/node_storage.h"
#include "tests/test_support.h"

namespace nexus {
namespace {

using testing::AuditIntegrationTest;
using testing::ClientFor;
using testing::DataDirEditor;
using testing::NexusdProcess;
using testing::SampleDraft;
using testing::StartNexusd;
using testing::TamperTest;

TEST_F(AuditIntegrationTest, EveryCallIsAuditedExactlyOnceUnderConcurrency) {
  constexpr int kThreads = 4, kRounds = 15;
  std::atomic<int> published{0}, gets{0}, searches{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      auto client = Client();
      for (int r = 0; r < kRounds; ++r) {
        auto results = client->Publish(
            {SampleDraft({{v1::INDICATOR_TYPE_PHONE, absl::StrCat("+4420", t * 1000 + r)}}),
             SampleDraft()});
        ASSERT_TRUE(results.ok());
        published += 2;
        ASSERT_TRUE(client->Get((*results)[0].id(), 0).ok());
        ++gets;
        v1::SearchRequest search;
        search.set_value(absl::StrCat("+4420", t * 1000 + r));
        ASSERT_EQ(client->Search(search)->hits_size(), 1);
        ++searches;
      }
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_FALSE(Client("agency-b")->Get("00000000-0000-4000-8000-000000000000", 0).ok());

  std::map<std::pair<int, int>, int> counts;  // (action, outcome) -> entries
  std::vector<v1::AuditEntry> entries = AllEntries();
  for (size_t i = 0; i < entries.size(); ++i) {
    EXPECT_EQ(entries[i].sequence(), i);
    ++counts[{entries[i].action(), entries[i].outcome()}];
  }
  EXPECT_EQ((counts[{v1::AUDIT_ACTION_PUBLISH, v1::AUDIT_OUTCOME_OK}]), published.load());
  EXPECT_EQ((counts[{v1::AUDIT_ACTION_GET, v1::AUDIT_OUTCOME_OK}]), gets.load());
  EXPECT_EQ((counts[{v1::AUDIT_ACTION_SEARCH, v1::AUDIT_OUTCOME_OK}]), searches.load());
  EXPECT_EQ((counts[{v1::AUDIT_ACTION_GET, v1::AUDIT_OUTCOME_REFUSED}]), 1);
  EXPECT_EQ((counts[{v1::AUDIT_ACTION_NODE_START, v1::AUDIT_OUTCOME_OK}]), 1);
  // The refusal names who was refused.
  for (const auto& entry : entries) {
    if (entry.outcome() == v1::AUDIT_OUTCOME_REFUSED) {
      EXPECT_EQ(entry.actor().agency_id(), "agency-b");
      EXPECT_EQ(entry.actor().certificate_fingerprint().size(), 64u);
    }
  }
  std::string output;
  EXPECT_EQ(Verify("", &output), 0) << output;
  EXPECT_TRUE(absl::StrContains(output, "OK: ")) << output;
}

TEST_F(AuditIntegrationTest, OnlyTheOwnAgencyAndOversightBodiesReadTheLog) {
  auto outsider = *AuditClient::Create(ClientFor(node_->address(), "agency-b", "analyst"));
  auto checkpoint = outsider->GetCheckpoint(false);
  EXPECT_TRUE(absl::IsPermissionDenied(checkpoint.status())) << checkpoint.status();
  // Another member's auditor would see every agency's queries and decisions: refused.
  EXPECT_TRUE(absl::IsPermissionDenied(Auditor("agency-b")->GetCheckpoint(false).status()));
  EXPECT_TRUE(Auditor("agency-c")->GetCheckpoint(false).ok());  // oversight body
  EXPECT_TRUE(Auditor("agency-a")->GetCheckpoint(false).ok());  // the node's own agency
}

// The auditor's default witness file is that of the node's identity (agency and signing key), and
// every verdict names it: another federation's agency of the same name, signing with another key,
// does not collide with it, even in a file of the earlier layout; a node whose data was replaced
// under the same key is told apart from a plain truncation.
TEST_F(AuditIntegrationTest, TheWitnessFileIsTheNodesIdentitysAndAReplacedLogIsToldApart) {
  const std::string home = dir_.File("home");
  const std::string& pki = testing::TestPki();
  auto verify = [&](std::string* output) {
    return testing::RunCommand(
        absl::StrCat("HOME=", home, " ", NEXUS_NEXUSCTL_PATH, " --target ", node_->address(),
                     " --ca ", pki, "/ca.crt --cert ", pki, "/agency-a/auditor.crt --key ", pki,
                     "/agency-a/auditor.key --keys ", pki, "/keys audit verify"),
        output);
  };
  // Another federation's agency-a, with its own key, witnessed at a size this log never had: in
  // the file of the earlier layout, keyed by agency only.
  PrivateKey other_key = PrivateKey::Generate();
  v1::Checkpoint other;
  other.set_origin("agency-a");
  other.set_tree_size(1000);
  other.set_root_hash(std::string(32, 'o'));
  const std::string legacy = home + "/.nexusctl/witness/agency-a.checkpoints";
  ASSERT_TRUE(WitnessFile(legacy).Add(SignCheckpoint(other, other_key, "1")).ok());
  ASSERT_TRUE(Client()->Publish({testing::SampleDraft(), testing::SampleDraft()}).ok());

  std::string output;
  ASSERT_EQ(verify(&output), 0) << output;
  const size_t at = output.find("witness file: " + home + "/.nexusctl/witness/agency-a.");
  ASSERT_NE(at, std::string::npos) << output;
  const std::string path = output.substr(at + 14, output.find('\n', at) - at - 14);
  EXPECT_EQ(path.size(), legacy.size() + 17) << path;  // ".<16 hex digits>" more
  ASSERT_TRUE(std::filesystem::exists(path)) << path;
  EXPECT_EQ(WitnessFile(legacy).Load()->size(), 1u) << "the earlier file is read, not written";

  // The node's data replaced, the same key: a shorter, different log.
  ASSERT_EQ(node_->Stop(), 0);
  node_.reset();
  std::filesystem::remove_all(dir_.path() + "/data");
  StartNode();
  EXPECT_EQ(verify(&output), 4) << output;
  EXPECT_TRUE(absl::StrContains(output, "another log under the same key")) << output;
  EXPECT_TRUE(absl::StrContains(output, "witness file: " + path)) << output;
}

TEST_F(AuditIntegrationTest, KillNineMidLoadLosesNoAcknowledgedEntry) {
  std::mutex mu;
  std::vector<std::string> acknowledged;
  std::atomic<bool> stop{false};
  std::vector<std::thread> threads;
  for (int t = 0; t < 3; ++t) {
    threads.emplace_back([&] {
      auto client = Client();
      while (!stop) {
        auto results = client->Publish({SampleDraft(), SampleDraft(), SampleDraft()});
        if (!results.ok()) break;
        std::lock_guard lock(mu);
        for (const auto& r : *results) acknowledged.push_back(r.id());
      }
    });
  }
  ASSERT_TRUE(testing::WaitFor([&] {
    std::lock_guard lock(mu);
    return acknowledged.size() >= 150;
  }));
  node_->Kill();
  stop = true;
  for (auto& thread : threads) thread.join();

  StartNode();
  std::set<std::string> audited;
  for (const auto& entry : AllEntries()) {
    if (entry.action() == v1::AUDIT_ACTION_PUBLISH && entry.outcome() == v1::AUDIT_OUTCOME_OK) {
      audited.insert(entry.targets(0).record_id());
    }
  }
  for (const std::string& id : acknowledged) EXPECT_TRUE(audited.count(id)) << id;
  std::string output;
  EXPECT_EQ(Verify("", &output), 0) << output;
}

TEST_F(TamperTest, OneChangedByteIsLocated) {
  {
    DataDirEditor editor(DataDir());
    std::string entry = editor.Get(7);
    entry.back() ^= 0x01;
    editor.Put(7, entry);
  }
  ExpectBrokenAt(7, "expected ");
}

TEST_F(TamperTest, DeletedEntryIsLocated) {
  DataDirEditor(DataDir()).Delete(5);
  ExpectBrokenAt(5, "entry 5 is missing");
}

TEST_F(TamperTest, SwappedEntriesAreLocated) {
  {
    DataDirEditor editor(DataDir());
    std::string three = editor.Get(3), eight = editor.Get(8);
    editor.Put(3, eight);
    editor.Put(8, three);
  }
  ExpectBrokenAt(3, "holds sequence 8");
}

TEST_F(TamperTest, TruncationIsLocated) {
  {
    DataDirEditor editor(DataDir());
    for (uint64_t i = size_ - 4; i < size_; ++i) editor.Delete(i);
  }
  ExpectBrokenAt(size_ - 4, "truncated");
}

TEST_F(TamperTest, RebuiltLogSignedByAnotherKeyIsRefused) {
  // Replace the whole directory with a log rebuilt from the same entries under a new key.
  std::vector<std::string> entries;
  {
    DataDirEditor editor(DataDir());
    for (uint64_t i = 0; i < size_; ++i) entries.push_back(editor.Get(i));
  }
  std::filesystem::remove_all(DataDir());
  {
    auto forged = testing::NodeStorage::Open(DataDir(), PrivateKey::Generate(), "agency-a");
    ASSERT_NE(forged, nullptr);
    for (const std::string& bytes : entries) {
      v1::AuditEntry entry;
      ASSERT_TRUE(entry.ParseFromString(bytes));
      ASSERT_TRUE(forged->audit->Append(entry).ok());
    }
    ASSERT_TRUE(forged->audit->Checkpoint().ok());
  }
  ExpectBrokenAt(0, "signature does not verify");
}

TEST_F(TamperTest, HistoryRewrittenWithTheNodesOwnKeyIsCaughtByTheWitness) {
  // An administrator holding the node's key rewrites entry 2 and re-signs everything: every
  // checkpoint verifies, but the auditor's witnessed checkpoint does not.
  std::vector<std::string> entries;
  {
    DataDirEditor editor(DataDir());
    for (uint64_t i = 0; i < size_; ++i) entries.push_back(editor.Get(i));
  }
  std::filesystem::remove_all(DataDir());
  {
    auto key = PrivateKey::FromPemFile(testing::TestPki() + "/agency-a/signing.key");
    ASSERT_TRUE(key.ok());
    auto forged = testing::NodeStorage::Open(DataDir(), *key, "agency-a");
    ASSERT_NE(forged, nullptr);
    for (size_t i = 0; i < entries.size(); ++i) {
      v1::AuditEntry entry;
      ASSERT_TRUE(entry.ParseFromString(entries[i]));
      if (i == 2) entry.set_request_id("rewritten");
      ASSERT_TRUE(forged->audit->Append(entry).ok());
    }
    ASSERT_TRUE(forged->audit->Checkpoint().ok());
  }
  std::string output;
  EXPECT_EQ(Verify(OfflineArgs(), &output), 4) << output;
  // Signed by the node's own key, yet another root than the one witnessed for the same size.
  EXPECT_TRUE(absl::StrContains(output, "FORK: you witnessed root")) << output;
  EXPECT_FALSE(absl::StrContains(output, "altered too")) << output;
}

TEST_F(TamperTest, AnEntryAddedAfterTheLastCheckpointIsAFailureAndTheNodeRefusesToStart) {
  // The tail after the newest checkpoint: a forged entry, the newest checkpoint deleted.
  {
    DataDirEditor editor(DataDir());
    v1::AuditEntry forged;
    ASSERT_TRUE(forged.ParseFromString(editor.Get(size_ - 1)));
    forged.set_sequence(size_);
    forged.set_detail("forged");
    editor.Put(size_, forged.SerializeAsString());
    editor.Delete(audit_format::kCheckpointsFamily,
                  editor.LastKey(audit_format::kCheckpointsFamily));
  }
  ExpectBrokenAt(size_, "covered by no signed head");
  std::string output;
  EXPECT_EQ(StartNexusd(config_, &output), 3) << output;
  EXPECT_TRUE(absl::StrContains(output, "does not verify")) << output;
  // The first bad entry is named (its stored leaf is missing, so that is what start-up sees).
  EXPECT_TRUE(absl::StrContains(output, absl::StrCat("entry ", size_, " "))) << output;

  // Deleting the signed head as well leaves the tail covered by nothing at all.
  DataDirEditor(DataDir()).Delete(audit_format::kHeadFamily, audit_format::kHeadKey);
  EXPECT_EQ(Verify(OfflineArgs(), &output), 4) << output;
  EXPECT_TRUE(absl::StrContains(output, "no signed head")) << output;
  EXPECT_FALSE(absl::StrContains(output, "note:")) << output;
  EXPECT_EQ(StartNexusd(config_, &output), 3) << output;

  // The operator's explicit recovery starts the node, and the log says so.
  node_ = std::make_unique<NexusdProcess>(
      config_, std::vector<std::string>{"--accept-unverified-audit-log"});
  ASSERT_TRUE(node_->ok()) << node_->ReadLog();
  bool recorded = false;
  for (const v1::AuditEntry& entry : AllEntries()) {
    recorded =
        recorded || (entry.action() == v1::AUDIT_ACTION_NODE_START &&
                     absl::StrContains(entry.log_opening().accepted_failure(), "no signed head"));
  }
  EXPECT_TRUE(recorded);
}

TEST_F(TamperTest, AnEditedLastEntryIsAFailure) {
  {
    DataDirEditor editor(DataDir());
    v1::AuditEntry edited;
    ASSERT_TRUE(edited.ParseFromString(editor.Get(size_ - 1)));
    edited.set_detail("edited");
    editor.Put(size_ - 1, edited.SerializeAsString());
  }
  ExpectBrokenAt(size_ - 1, "does not match the signed tree");
  std::string output;
  EXPECT_EQ(StartNexusd(config_, &output), 3) << output;
}

TEST_F(TamperTest, AFlippedStoredTreeNodeIsNamed) {
  {
    DataDirEditor editor(DataDir());
    std::string node = editor.Get(audit_format::kTreeFamily, audit_format::TreeKey(2, 1));
    ASSERT_EQ(node.size(), 32u);
    node[5] ^= 0x10;
    editor.Put(audit_format::kTreeFamily, audit_format::TreeKey(2, 1), node);
  }
  ExpectBrokenAt(4, "stored audit tree node level 2 index 1");
  std::string output;
  EXPECT_EQ(StartNexusd(config_, &output), 3) << output;
  EXPECT_TRUE(absl::StrContains(output, "node level 2 index 1")) << output;
}

TEST_F(TamperTest, AFlippedStoredLeafIsNamed) {
  {
    DataDirEditor editor(DataDir());
    std::string leaf = editor.Get(audit_format::kTreeFamily, audit_format::TreeKey(0, 6));
    leaf[0] ^= 0x01;
    editor.Put(audit_format::kTreeFamily, audit_format::TreeKey(0, 6), leaf);
  }
  ExpectBrokenAt(6, "stored audit tree leaf (level 0 index 6)");
}

TEST_F(TamperTest, ATruncationIsCaughtOnlineAfterAnAcceptedRestart) {
  {
    DataDirEditor editor(DataDir());
    for (uint64_t i = size_ - 12; i < size_; ++i) editor.Delete(i);
  }
  std::string output;
  EXPECT_EQ(StartNexusd(config_, &output), 3) << output;
  EXPECT_TRUE(absl::StrContains(output, "truncated")) << output;
  // Started anyway, the node signs heads over the shorter log and moves its own older, larger
  // checkpoints aside; the auditor's witness file, which holds one, still shows the truncation.
  node_ = std::make_unique<NexusdProcess>(
      config_, std::vector<std::string>{"--accept-unverified-audit-log"});
  ASSERT_TRUE(node_->ok()) << node_->ReadLog();
  EXPECT_EQ(Verify("", &output), 4) << output;
  EXPECT_TRUE(absl::StrContains(output, "truncated")) << output;
  // The recovery holds: the node starts again without the flag, and the offline verifier, for an
  // auditor who never saw the longer log, names the superseded checkpoints.
  ASSERT_EQ(node_->Stop(), 0);
  node_.reset();
  StartNode();
  std::filesystem::remove(dir_.File("witness"));
  EXPECT_EQ(Verify("", &output), 0) << output;  // online: the log verifies, with a note
  EXPECT_TRUE(absl::StrContains(output, "1 checkpoints superseded by accepted recoveries"))
      << output;
  EXPECT_TRUE(absl::StrContains(output, "WARNING: RECOVERY at entry")) << output;
  ASSERT_EQ(node_->Stop(), 0);
  node_.reset();
  std::filesystem::remove(dir_.File("witness"));
  // The truncated entries stored records, so the store disagrees; the log itself verifies.
  EXPECT_EQ(Verify(OfflineArgs(), &output), 4) << output;
  EXPECT_TRUE(absl::StrContains(output, "the log itself verifies")) << output;
  EXPECT_TRUE(absl::StrContains(output, "checkpoints superseded by accepted recoveries")) << output;
  EXPECT_TRUE(absl::StrContains(output, absl::StrCat("at entry ", size_ - 12))) << output;
}

TEST_F(TamperTest, AForeignCheckpointInTheWitnessIsNamedAsSuch) {
  auto key = PrivateKey::FromPemFile(testing::TestPki() + "/agency-b/signing.key");
  ASSERT_TRUE(key.ok());
  v1::Checkpoint foreign;
  foreign.set_origin("agency-b");
  foreign.set_tree_size(3);
  foreign.set_root_hash(std::string(32, 'x'));
  ASSERT_TRUE(WitnessFile(dir_.File("witness")).Add(SignCheckpoint(foreign, *key, "1")).ok());
  std::string output;
  EXPECT_EQ(Verify(OfflineArgs(), &output), 4) << output;
  EXPECT_TRUE(absl::StrContains(output, "foreign checkpoint")) << output;
  EXPECT_FALSE(absl::StrContains(output, "altered too")) << output;
}

TEST_F(TamperTest, OfflineVerifyRecordsWhatItVerifiedInTheWitness) {
  std::filesystem::remove(dir_.File("witness"));
  std::string output;
  ASSERT_EQ(Verify(OfflineArgs(), &output), 0) << output;
  auto witnessed = WitnessFile(dir_.File("witness")).Load();
  ASSERT_TRUE(witnessed.ok());
  ASSERT_EQ(witnessed->size(), 1u);
  v1::Checkpoint newest;
  ASSERT_TRUE(newest.ParseFromString(witnessed->back().checkpoint()));
  EXPECT_EQ(newest.tree_size(), size_);
  // Verifying again adds nothing: the same head is already witnessed.
  ASSERT_EQ(Verify(OfflineArgs(), &output), 0) << output;
  EXPECT_EQ(WitnessFile(dir_.File("witness")).Load()->size(), 1u);
}

TEST_F(TamperTest, CannotReadIsNotReportedAsTampering) {
  std::string output;
  EXPECT_EQ(Verify("--offline " + dir_.File("no-such-dir") + " --agency agency-a", &output), 5)
      << output;
  EXPECT_TRUE(absl::StrContains(output, "CANNOT READ")) << output;
  EXPECT_FALSE(absl::StrContains(output, "BROKEN")) << output;
}

// §5 of "Audit integrity, second round": a store whose table files fail their checksum when
// RocksDB opens them is a storage fault (nexusd exits 4, nexusctl says CANNOT READ), never a log
// that failed verification.
TEST_F(TamperTest, AChecksumErrorOpeningTheStoreIsAStorageFault) {
  ASSERT_GT(testing::CorruptFamilyIndexOnDisk(DataDir(), storage::kRecords), 0);
  std::string output;
  EXPECT_EQ(StartNexusd(config_, &output), 4) << output;
  EXPECT_TRUE(absl::StrContains(output, "cannot read store")) << output;
  EXPECT_TRUE(absl::StrContains(output, "storage fault, not a verification failure")) << output;
  EXPECT_FALSE(absl::StrContains(output, "does not verify")) << output;
  EXPECT_EQ(Verify(OfflineArgs(), &output), 5) << output;
  EXPECT_TRUE(absl::StrContains(output, "CANNOT READ")) << output;
}

// A checksum failure in the stored checkpoints (a failing disk) is no verdict either way: the
// offline verifier says CANNOT READ (5) rather than verifying a silently shortened list, and
// nexusd exits 4, not 3 ("failed verification").
TEST_F(TamperTest, UnreadableCheckpointsAreACannotReadNotAVerdict) {
  ASSERT_GT(testing::CorruptFamilyOnDisk(DataDir(), storage::kAuditCheckpoints), 0);
  std::string output;
  EXPECT_EQ(Verify(OfflineArgs(), &output), 5) << output;
  EXPECT_TRUE(absl::StrContains(output, "CANNOT READ the checkpoints")) << output;
  EXPECT_FALSE(absl::StrContains(output, "BROKEN")) << output;
  EXPECT_EQ(StartNexusd(config_, &output), 4) << output;
  EXPECT_TRUE(absl::StrContains(output, "cannot be read")) << output;
  EXPECT_FALSE(absl::StrContains(output, "does not verify")) << output;
}

}  // namespace
}  // namespace nexus
