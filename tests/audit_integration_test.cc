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
#include "client/audit_client.h"
#include "client/nexus_client.h"
#include "client/witness_file.h"
#include "common/audit_format.h"
#include "common/checkpoint.h"
#include "common/crypto.h"
#include "common/indicator_normalizer.h"
#include "common/merkle.h"
#include "common/record_seal.h"
#include "nexus/v1/audit.pb.h"
#include "rocksdb/db.h"
#include "common/store_keys.h"
#include "tests/corrupt_store.h"
#include "tests/node_storage.h"
#include "tests/test_support.h"

namespace nexus {
namespace {

using testing::ClientFor;
using testing::NexusdProcess;
using testing::SampleDraft;

// Opens a stopped node's data directory to alter its audit log the way an administrator could.
class DataDirEditor {
 public:
  explicit DataDirEditor(const std::string& dir) {
    std::vector<std::string> names;
    EXPECT_TRUE(rocksdb::DB::ListColumnFamilies(rocksdb::DBOptions(), dir, &names).ok());
    std::vector<rocksdb::ColumnFamilyDescriptor> families;
    for (const std::string& name : names)
      families.emplace_back(name, rocksdb::ColumnFamilyOptions());
    EXPECT_TRUE(rocksdb::DB::Open(rocksdb::DBOptions(), dir, families, &handles_, &db_).ok());
    for (size_t i = 0; i < names.size(); ++i) {
      if (names[i] == audit_format::kEntriesFamily) entries_ = handles_[i];
    }
    names_ = names;
  }
  ~DataDirEditor() {
    for (auto* handle : handles_) db_->DestroyColumnFamilyHandle(handle);
    delete db_;
  }
  // The entry's bytes, or empty if there is none.
  std::string Get(uint64_t index) {
    std::string value;
    rocksdb::Status s =
        db_->Get(rocksdb::ReadOptions(), entries_, audit_format::U64Key(index), &value);
    EXPECT_TRUE(s.ok() || s.IsNotFound()) << s.ToString();
    return value;
  }
  void Put(uint64_t index, const std::string& value) {
    EXPECT_TRUE(
        db_->Put(rocksdb::WriteOptions(), entries_, audit_format::U64Key(index), value).ok());
  }
  void Delete(uint64_t index) {
    EXPECT_TRUE(db_->Delete(rocksdb::WriteOptions(), entries_, audit_format::U64Key(index)).ok());
  }

  // Any column family, by name ("records", "feed", "indicators", "audit_tree", ...).
  std::string Get(const std::string& family, const std::string& key) {
    std::string value;
    rocksdb::Status s = db_->Get(rocksdb::ReadOptions(), Family(family), key, &value);
    EXPECT_TRUE(s.ok() || s.IsNotFound()) << s.ToString();
    return value;
  }
  void Put(const std::string& family, const std::string& key, const std::string& value) {
    EXPECT_TRUE(db_->Put(rocksdb::WriteOptions(), Family(family), key, value).ok());
  }
  void Delete(const std::string& family, const std::string& key) {
    EXPECT_TRUE(db_->Delete(rocksdb::WriteOptions(), Family(family), key).ok());
  }
  // Rewrites the log as a node made before audit targets were bound to the stored bytes and
  // before every commit signed a head: targets name id and version only, no head is stored, and
  // one checkpoint (signed by `key` as `origin`) covers the whole log, whose tree is rebuilt.
  void RewriteAsLegacy(const PrivateKey& key, const std::string& origin) {
    for (const char* family :
         {audit_format::kTreeFamily, audit_format::kCheckpointsFamily, audit_format::kHeadFamily}) {
      std::unique_ptr<rocksdb::Iterator> it(
          db_->NewIterator(rocksdb::ReadOptions(), Family(family)));
      for (it->SeekToFirst(); it->Valid(); it->Next()) Delete(family, it->key().ToString());
    }
    merkle::Frontier tree;
    for (uint64_t index = 0;; ++index) {
      std::string bytes = Get(index);
      if (bytes.empty()) break;
      v1::AuditEntry entry;
      ASSERT_TRUE(entry.ParseFromString(bytes));
      for (v1::AuditTarget& target : *entry.mutable_targets()) {
        target.clear_manifest_sha256();
        target.clear_feed_position();
      }
      bytes = entry.SerializeAsString();
      Put(index, bytes);
      std::vector<merkle::Frontier::Node> completed;
      tree.Append(merkle::LeafHash(bytes), &completed);
      for (const merkle::Frontier::Node& node : completed) {
        Put(audit_format::kTreeFamily, audit_format::TreeKey(node.level, node.index),
            std::string(reinterpret_cast<const char*>(node.hash.data()), node.hash.size()));
      }
    }
    v1::Checkpoint checkpoint;
    checkpoint.set_origin(origin);
    checkpoint.set_tree_size(tree.size());
    merkle::Hash root = tree.Root();
    checkpoint.set_root_hash(std::string(reinterpret_cast<const char*>(root.data()), 32));
    checkpoint.set_time_unix_micros(1);
    Put(audit_format::kCheckpointsFamily, audit_format::U64Key(tree.size()),
        SignCheckpoint(checkpoint, key, "1").SerializeAsString());
  }
  std::string LastKey(const std::string& family) {
    std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(rocksdb::ReadOptions(), Family(family)));
    it->SeekToLast();
    return it->Valid() ? it->key().ToString() : "";
  }

 private:
  rocksdb::ColumnFamilyHandle* Family(const std::string& name) {
    for (size_t i = 0; i < names_.size(); ++i) {
      if (names_[i] == name) return handles_[i];
    }
    ADD_FAILURE() << "no column family " << name;
    return handles_[0];
  }
  rocksdb::DB* db_ = nullptr;
  std::vector<std::string> names_;
  std::vector<rocksdb::ColumnFamilyHandle*> handles_;
  rocksdb::ColumnFamilyHandle* entries_ = nullptr;
};

class AuditIntegrationTest : public ::testing::Test {
 protected:
  void SetUp() override {
    // agency-c is an oversight body; agency-b an ordinary member.
    config_ = testing::WriteNodeConfig(dir_.path(), "agency-a",
                                       "audit { oversight_agencies: \"agency-c\" }\n");
    StartNode();
  }
  void StartNode() {
    node_ = std::make_unique<NexusdProcess>(config_);
    ASSERT_TRUE(node_->ok()) << node_->ReadLog();
  }
  std::unique_ptr<NexusClient> Client(const std::string& agency = "agency-a") {
    return *NexusClient::Create(ClientFor(node_->address(), agency));
  }
  std::unique_ptr<AuditClient> Auditor(const std::string& agency = "agency-c") {
    return *AuditClient::Create(ClientFor(node_->address(), agency, "auditor"));
  }
  std::vector<v1::AuditEntry> AllEntries() {
    std::vector<v1::AuditEntry> entries;
    v1::ListEntriesRequest request;
    EXPECT_TRUE(Auditor()
                    ->ListEntries(request,
                                  [&](const v1::AuditEntryBytes& listed) {
                                    entries.emplace_back().ParseFromString(listed.entry());
                                    return true;
                                  })
                    .ok());
    return entries;
  }
  // Runs `nexusctl audit verify` with extra arguments; returns its exit code and output.
  int Verify(const std::string& args, std::string* output) {
    const std::string& pki = testing::TestPki();
    std::string connection =
        node_ != nullptr && node_->ok()
            ? absl::StrCat(" --target ", node_->address(), " --ca ", pki, "/ca.crt --cert ", pki,
                           "/agency-c/auditor.crt --key ", pki, "/agency-c/auditor.key")
            : "";
    return testing::RunCommand(
        absl::StrCat(NEXUS_NEXUSCTL_PATH, connection, " --keys ", pki, "/keys --witness ",
                     dir_.File("witness"), " audit verify ", args),
        output);
  }
  std::string DataDir() const { return dir_.path() + "/data"; }

  testing::TempDir dir_;
  std::string config_;
  std::unique_ptr<NexusdProcess> node_;
};

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

// A stopped node with a log of a few dozen entries, sealed by its final checkpoint.
class TamperTest : public AuditIntegrationTest {
 protected:
  void SetUp() override {
    AuditIntegrationTest::SetUp();
    {
      auto client = Client();
      for (int i = 0; i < 10; ++i) {
        auto results = client->Publish({SampleDraft()});
        ASSERT_TRUE(results.ok());
        ASSERT_TRUE(client->Get((*results)[0].id(), 0).ok());
      }
    }
    std::string output;
    ASSERT_EQ(Verify("", &output), 0) << output;  // the auditor witnesses a checkpoint
    ASSERT_EQ(node_->Stop(), 0);
    node_.reset();
    ASSERT_EQ(Verify("--offline " + DataDir(), &output), 0) << output;
    size_ = 0;
    DataDirEditor editor(DataDir());
    while (!editor.Get(size_).empty()) ++size_;
  }

  // Runs the offline verification and expects a break at `index`.
  void ExpectBrokenAt(uint64_t index, const std::string& why) {
    std::string output;
    EXPECT_EQ(Verify("--offline " + DataDir(), &output), 4) << output;
    EXPECT_TRUE(absl::StrContains(output, absl::StrCat("BROKEN at entry ", index, ":"))) << output;
    EXPECT_TRUE(absl::StrContains(output, why)) << output;
  }

  uint64_t size_ = 0;
};

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
  EXPECT_EQ(Verify("--offline " + DataDir(), &output), 4) << output;
  // Signed by the node's own key, yet another root than the one witnessed for the same size.
  EXPECT_TRUE(absl::StrContains(output, "FORK: you witnessed root")) << output;
  EXPECT_FALSE(absl::StrContains(output, "altered too")) << output;
}

// Runs nexusd on the stopped node's configuration and returns its exit code; a node that starts
// instead of refusing is stopped by `timeout` (exit 124).
int StartNexusd(const std::string& config, std::string* output) {
  return testing::RunCommand(absl::StrCat("timeout 30 ", NEXUS_NEXUSD_PATH, " --config ", config),
                             output);
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
  EXPECT_EQ(Verify("--offline " + DataDir(), &output), 4) << output;
  EXPECT_TRUE(absl::StrContains(output, "no signed head")) << output;
  EXPECT_FALSE(absl::StrContains(output, "note:")) << output;
  EXPECT_EQ(StartNexusd(config_, &output), 3) << output;

  // The operator's explicit recovery starts the node, and the log says so.
  node_ = std::make_unique<NexusdProcess>(
      config_, std::vector<std::string>{"--accept-unverified-audit-log"});
  ASSERT_TRUE(node_->ok()) << node_->ReadLog();
  bool recorded = false;
  for (const v1::AuditEntry& entry : AllEntries()) {
    recorded = recorded || (entry.action() == v1::AUDIT_ACTION_NODE_START &&
                            absl::StrContains(entry.detail(), "failed verification"));
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
  EXPECT_TRUE(absl::StrContains(output, "1 checkpoints superseded by an accepted recovery"))
      << output;
  ASSERT_EQ(node_->Stop(), 0);
  node_.reset();
  std::filesystem::remove(dir_.File("witness"));
  // The truncated entries stored records, so the store disagrees; the log itself verifies.
  EXPECT_EQ(Verify("--offline " + DataDir(), &output), 4) << output;
  EXPECT_TRUE(absl::StrContains(output, "the log itself verifies")) << output;
  EXPECT_TRUE(absl::StrContains(output, "checkpoints superseded by an accepted recovery"))
      << output;
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
  EXPECT_EQ(Verify("--offline " + DataDir(), &output), 4) << output;
  EXPECT_TRUE(absl::StrContains(output, "foreign checkpoint")) << output;
  EXPECT_FALSE(absl::StrContains(output, "altered too")) << output;
}

TEST_F(TamperTest, OfflineVerifyRecordsWhatItVerifiedInTheWitness) {
  std::filesystem::remove(dir_.File("witness"));
  std::string output;
  ASSERT_EQ(Verify("--offline " + DataDir(), &output), 0) << output;
  auto witnessed = WitnessFile(dir_.File("witness")).Load();
  ASSERT_TRUE(witnessed.ok());
  ASSERT_EQ(witnessed->size(), 1u);
  v1::Checkpoint newest;
  ASSERT_TRUE(newest.ParseFromString(witnessed->back().checkpoint()));
  EXPECT_EQ(newest.tree_size(), size_);
  // Verifying again adds nothing: the same head is already witnessed.
  ASSERT_EQ(Verify("--offline " + DataDir(), &output), 0) << output;
  EXPECT_EQ(WitnessFile(dir_.File("witness")).Load()->size(), 1u);
}

TEST_F(TamperTest, CannotReadIsNotReportedAsTampering) {
  std::string output;
  EXPECT_EQ(Verify("--offline " + dir_.File("no-such-dir"), &output), 5) << output;
  EXPECT_TRUE(absl::StrContains(output, "CANNOT READ")) << output;
  EXPECT_FALSE(absl::StrContains(output, "BROKEN")) << output;
}

// A checksum failure in the stored checkpoints (a failing disk) is no verdict either way: the
// offline verifier says CANNOT READ (5) rather than verifying a silently shortened list, and
// nexusd exits 4, not 3 ("failed verification").
TEST_F(TamperTest, UnreadableCheckpointsAreACannotReadNotAVerdict) {
  ASSERT_GT(testing::CorruptFamilyOnDisk(DataDir(), Storage::kAuditCheckpoints), 0);
  std::string output;
  EXPECT_EQ(Verify("--offline " + DataDir(), &output), 5) << output;
  EXPECT_TRUE(absl::StrContains(output, "CANNOT READ the checkpoints")) << output;
  EXPECT_FALSE(absl::StrContains(output, "BROKEN")) << output;
  EXPECT_EQ(StartNexusd(config_, &output), 4) << output;
  EXPECT_TRUE(absl::StrContains(output, "cannot be read")) << output;
  EXPECT_FALSE(absl::StrContains(output, "does not verify")) << output;
}

// A stopped node holding five records, the first of them revoked, each with its own phone.
class StoreTamperTest : public AuditIntegrationTest {
 protected:
  void SetUp() override {
    AuditIntegrationTest::SetUp();
    auto client = Client();
    for (int i = 0; i < 5; ++i) {
      auto results = client->Publish(
          {SampleDraft({{v1::INDICATOR_TYPE_PHONE, absl::StrCat("+33 6 12 34 56 7", i)}})});
      ASSERT_TRUE(results.ok());
      ids_.push_back((*results)[0].id());
    }
    ASSERT_TRUE(client->Revoke(ids_[0], "wrong").ok());
    client.reset();
    ASSERT_EQ(node_->Stop(), 0);
    node_.reset();
    std::string output;
    ASSERT_EQ(Verify("--offline " + DataDir(), &output), 0) << output;
    ASSERT_TRUE(absl::StrContains(output, "record store agrees")) << output;
  }
  // Store disagreement is reported as such, naming `what`.
  void ExpectDisagreement(const std::string& what) {
    std::string output;
    EXPECT_EQ(Verify("--offline " + DataDir(), &output), 4) << output;
    EXPECT_TRUE(absl::StrContains(output, "STORE AND LOG DISAGREE")) << output;
    EXPECT_TRUE(absl::StrContains(output, what)) << output;
    EXPECT_FALSE(absl::StrContains(output, "BROKEN")) << output;
  }
  std::vector<std::pair<uint64_t, std::string>> PullAll() {
    std::vector<std::pair<uint64_t, std::string>> pulled;
    v1::PullRequest request;
    EXPECT_TRUE(Client()
                    ->Pull(request,
                           [&](const v1::PullResponse& response) {
                             pulled.emplace_back(response.cursor(),
                                                 PeekHeader(response.record())->id());
                             return true;
                           })
                    .ok());
    return pulled;
  }
  std::vector<std::string> ids_;
};

// A data directory written before the binding and before signed heads is legitimate: it
// verifies, with notes saying what could not be checked, and what can be checked still is.
TEST_F(StoreTamperTest, ADataDirectoryFromBeforeTheBindingVerifiesWithNotes) {
  auto key = PrivateKey::FromPemFile(testing::TestPki() + "/agency-a/signing.key");
  ASSERT_TRUE(key.ok());
  DataDirEditor(DataDir()).RewriteAsLegacy(*key, "agency-a");
  std::filesystem::remove(dir_.File("witness"));  // it witnessed the rewritten history
  std::string output;
  EXPECT_EQ(Verify("--offline " + DataDir(), &output), 0) << output;
  EXPECT_TRUE(absl::StrContains(output, "record store agrees")) << output;
  EXPECT_TRUE(absl::StrContains(output, "note: 6 record versions were logged before")) << output;
  EXPECT_TRUE(absl::StrContains(output, "written before signed heads")) << output;
  // Existence and latest version are still checked.
  DataDirEditor(DataDir()).Delete("records", store_keys::RecordKey(ids_[0], 2));
  ExpectDisagreement("the latest version was deleted");
}

TEST_F(StoreTamperTest, WithoutAHeadAnEntryBeyondTheLastCheckpointIsAFailure) {
  auto key = PrivateKey::FromPemFile(testing::TestPki() + "/agency-a/signing.key");
  ASSERT_TRUE(key.ok());
  std::filesystem::remove(dir_.File("witness"));
  {
    DataDirEditor editor(DataDir());
    editor.RewriteAsLegacy(*key, "agency-a");
    uint64_t size = 0;
    while (!editor.Get(size).empty()) ++size;
    v1::AuditEntry forged;
    ASSERT_TRUE(forged.ParseFromString(editor.Get(size - 1)));
    forged.set_sequence(size);
    forged.set_detail("forged");
    editor.Put(size, forged.SerializeAsString());
  }
  std::string output;
  EXPECT_EQ(Verify("--offline " + DataDir(), &output), 4) << output;
  EXPECT_TRUE(absl::StrContains(output, "the node holds no signed head and its newest checkpoint"))
      << output;
  EXPECT_FALSE(absl::StrContains(output, "note:")) << output;
}

TEST_F(StoreTamperTest, ADeletedRevocationIsNamed) {
  DataDirEditor(DataDir()).Delete("records", store_keys::RecordKey(ids_[0], 2));
  ExpectDisagreement(
      absl::StrCat("record '", ids_[0], "': the audit log's latest version is 2 (entry"));
}

TEST_F(StoreTamperTest, APlantedIndexKeyGivesNoHitAndIsNamed) {
  auto planted = NormalizeIndicator(v1::INDICATOR_TYPE_PHONE, "+33 6 99 99 99 99");
  ASSERT_TRUE(planted.ok());
  DataDirEditor(DataDir()).Put(
      "indicators", store_keys::IndicatorKey(v1::INDICATOR_TYPE_PHONE, *planted, ids_[1], 1), "");
  ExpectDisagreement("(planted index key)");
  StartNode();
  v1::SearchRequest search;
  search.set_value("+33 6 99 99 99 99");
  auto hits = Client()->Search(search);
  ASSERT_TRUE(hits.ok()) << hits.status();
  EXPECT_EQ(hits->hits_size(), 0);
  search.set_value("+33 6 12 34 56 71");  // the record's own value still matches
  EXPECT_EQ(Client()->Search(search)->hits_size(), 1);
}

TEST_F(StoreTamperTest, AnIndexKeyNamingNoRecordIsSkippedNotTheEndOfASearch) {
  auto value = NormalizeIndicator(v1::INDICATOR_TYPE_PHONE, "+33 6 12 34 56 71");
  ASSERT_TRUE(value.ok());
  // The lowest possible id: the search meets it before the record that really carries the value.
  DataDirEditor(DataDir()).Put("indicators",
                               store_keys::IndicatorKey(v1::INDICATOR_TYPE_PHONE, *value,
                                                        "00000000-0000-4000-8000-000000000000", 1),
                               "");
  ExpectDisagreement("(planted index key)");
  StartNode();
  v1::SearchRequest search;
  search.set_value("+33 6 12 34 56 71");
  auto hits = Client()->Search(search);
  ASSERT_TRUE(hits.ok()) << hits.status();
  ASSERT_EQ(hits->hits_size(), 1);
  EXPECT_EQ(PeekHeader(hits->hits(0).record())->id(), ids_[1]);
  EXPECT_TRUE(absl::StrContains(node_->ReadLog(), "store damaged")) << node_->ReadLog();
}

TEST_F(StoreTamperTest, ADeletedFeedEntryIsNamedAndThePullGoesOn) {
  DataDirEditor(DataDir()).Delete("feed", store_keys::FeedKey(3));
  ExpectDisagreement("feed position 3 of record");
  StartNode();
  auto pulled = PullAll();
  EXPECT_EQ(pulled.size(), 5u);  // six versions stored, one unreachable through the feed
}

TEST_F(StoreTamperTest, ARedirectedFeedEntryIsNamedAndTheReaderSeesTheRepeat) {
  {
    DataDirEditor editor(DataDir());
    editor.Put("feed", store_keys::FeedKey(2), editor.Get("feed", store_keys::FeedKey(4)));
  }
  ExpectDisagreement("feed position 2 points to");
  StartNode();
  const std::string& pki = testing::TestPki();
  std::string output;
  int code = testing::RunCommand(
      absl::StrCat(NEXUS_NEXUSCTL_PATH, " --target ", node_->address(), " --ca ", pki,
                   "/ca.crt --cert ", pki, "/agency-a/analyst.crt --key ", pki,
                   "/agency-a/analyst.key --keys ", pki, "/keys pull --since 0"),
      &output);
  EXPECT_EQ(code, 4) << output;
  EXPECT_TRUE(absl::StrContains(output, "arrived twice")) << output;
}

TEST_F(StoreTamperTest, ADanglingFeedEntryIsSkippedReportedAndNamed) {
  DataDirEditor(DataDir()).Put("feed", store_keys::FeedKey(2),
                               store_keys::RecordKey("00000000-0000-4000-8000-000000000000", 1));
  ExpectDisagreement("feed position 2 points to record '00000000-0000-4000-8000-000000000000'");
  StartNode();
  auto pulled = PullAll();
  ASSERT_EQ(pulled.size(), 5u);  // the pull went past the damaged entry
  EXPECT_EQ(pulled[1].first, 3u);
  bool reported = false;
  for (const v1::AuditEntry& entry : AllEntries()) {
    reported =
        reported || (entry.action() == v1::AUDIT_ACTION_PULL &&
                     absl::StrContains(entry.detail(), "damaged feed entries at positions 2"));
  }
  EXPECT_TRUE(reported);
  EXPECT_TRUE(absl::StrContains(node_->ReadLog(), "feed entry 2 skipped")) << node_->ReadLog();
}

}  // namespace
}  // namespace nexus

namespace nexus {
namespace {

// Keys of the wrong length are what a hand-made edit leaves: the node must read around them (never
// past their end), serve everything else, and verification must name them.
TEST_F(StoreTamperTest, KeysOfTheWrongLengthAreReadAroundAndNamed) {
  {
    DataDirEditor editor(DataDir());
    editor.Put("feed", std::string("\xff", 1), store_keys::RecordKey(ids_[1], 1));  // sorts last
    editor.Put("records", ids_[2] + "abc", "not a record");  // under the id, shorter than a key
  }
  std::string output;
  EXPECT_EQ(Verify("--offline " + DataDir(), &output), 4) << output;
  StartNode();
  auto pulled = PullAll();
  EXPECT_EQ(pulled.size(), 6u);  // 5 versions 1 and the revocation; the damaged key passed over
  auto latest = Client()->Get(ids_[2], 0);
  ASSERT_TRUE(latest.ok()) << latest.status();
  EXPECT_EQ(PeekHeader(*latest)->version(), 1u);
  // New writes continue after the last real cursor, not after the damaged key.
  auto more = Client()->Publish({SampleDraft()});
  ASSERT_TRUE(more.ok());
  EXPECT_EQ((*more)[0].cursor(), 7u);
}

}  // namespace
}  // namespace nexus
