// Fixtures of the audit tests over a real nexusd: an editor of a stopped node's data directory
// (what an administrator could do to it), a node with an auditor, and a stopped node whose log
// an attacker edits before the real binaries look at it.
#ifndef NEXUS_TESTS_AUDIT_FIXTURES_H_
#define NEXUS_TESTS_AUDIT_FIXTURES_H_

#include <gtest/gtest.h>

#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "client/audit_client.h"
#include "client/nexus_client.h"
#include "common/checkpoint.h"
#include "common/crypto.h"
#include "common/merkle.h"
#include "common/record_seal.h"
#include "common/storage/audit_format.h"
#include "nexus/v1/audit.pb.h"
#include "rocksdb/db.h"
#include "tests/test_support.h"

namespace nexus::testing {

// Every entry of the log `auditor` reads that `filter` keeps, in order.
inline std::vector<v1::AuditEntry> ListAuditEntries(AuditClient& auditor,
                                                    const v1::AuditFilter& filter = {}) {
  std::vector<v1::AuditEntry> entries;
  v1::ListEntriesRequest request;
  *request.mutable_filter() = filter;
  EXPECT_TRUE(auditor
                  .ListEntries(request,
                               [&](const v1::AuditEntryBytes& listed) {
                                 entries.emplace_back().ParseFromString(listed.entry());
                                 return true;
                               })
                  .ok());
  return entries;
}

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
        db_->Get(rocksdb::ReadOptions(), entries_, audit_format::EntryKey(index), &value);
    EXPECT_TRUE(s.ok() || s.IsNotFound()) << s.ToString();
    return value;
  }
  void Put(uint64_t index, const std::string& value) {
    EXPECT_TRUE(
        db_->Put(rocksdb::WriteOptions(), entries_, audit_format::EntryKey(index), value).ok());
  }
  void Delete(uint64_t index) {
    EXPECT_TRUE(db_->Delete(rocksdb::WriteOptions(), entries_, audit_format::EntryKey(index)).ok());
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
      entry.clear_log_format();  // nor did entries name their format then
      entry.clear_log_opening();
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
    Put(audit_format::kCheckpointsFamily, audit_format::CheckpointKey(tree.size()),
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
  std::vector<v1::AuditEntry> AllEntries() { return ListAuditEntries(*Auditor()); }
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
  // `audit verify` over the stopped node's data directory, as the log of its configured agency.
  std::string OfflineArgs() const { return "--offline " + DataDir() + " --config " + config_; }

  testing::TempDir dir_;
  std::string config_;
  std::unique_ptr<NexusdProcess> node_;
};

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
    ASSERT_EQ(Verify(OfflineArgs(), &output), 0) << output;
    size_ = 0;
    DataDirEditor editor(DataDir());
    while (!editor.Get(size_).empty()) ++size_;
  }

  // Runs the offline verification and expects a break at `index`.
  void ExpectBrokenAt(uint64_t index, const std::string& why) {
    std::string output;
    EXPECT_EQ(Verify(OfflineArgs(), &output), 4) << output;
    EXPECT_TRUE(absl::StrContains(output, absl::StrCat("BROKEN at entry ", index, ":"))) << output;
    EXPECT_TRUE(absl::StrContains(output, why)) << output;
  }

  uint64_t size_ = 0;
};

// Runs nexusd on the stopped node's configuration and returns its exit code; a node that starts
// instead of refusing is stopped by `timeout` (exit 124).
inline int StartNexusd(const std::string& config, std::string* output) {
  return testing::RunCommand(absl::StrCat("timeout 30 ", NEXUS_NEXUSD_PATH, " --config ", config),
                             output);
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
    ASSERT_EQ(Verify(OfflineArgs(), &output), 0) << output;
    ASSERT_TRUE(absl::StrContains(output, "record store agrees")) << output;
  }
  // Store disagreement is reported as such, naming `what`.
  void ExpectDisagreement(const std::string& what) {
    std::string output;
    EXPECT_EQ(Verify(OfflineArgs(), &output), 4) << output;
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

}  // namespace nexus::testing

#endif  // NEXUS_TESTS_AUDIT_FIXTURES_H_
