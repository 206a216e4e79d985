// The node's audit log on a real RocksDB: appends, group commit under concurrency, proofs that
// check against the RFC 6962 verifier, reopening, and checkpoints.
#include "server/audit_log.h"

#include <gtest/gtest.h>

#include <set>
#include <thread>

#include "absl/strings/str_cat.h"
#include "common/checkpoint.h"
#include "common/merkle.h"
#include "tests/node_storage.h"
#include "tests/test_support.h"

namespace nexus {
namespace {

v1::AuditEntry Entry(const std::string& request_id) {
  v1::AuditEntry entry;
  entry.set_action(v1::AUDIT_ACTION_GET);
  entry.set_outcome(v1::AUDIT_OUTCOME_OK);
  entry.set_request_id(request_id);
  return entry;
}

class AuditLogTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(keys_.Add("agency-a", "1", key_.public_key()).ok());
    stack_ = testing::NodeStorage::Open(dir_.path(), key_);
    ASSERT_NE(stack_, nullptr);
  }

  std::vector<merkle::Hash> Leaves() {
    std::vector<merkle::Hash> leaves;
    EXPECT_TRUE(
        stack_->audit
            ->ScanEntries(0, UINT64_MAX, false,
                          [&](uint64_t, const std::string& bytes, const merkle::Hash& leaf) {
                            EXPECT_EQ(leaf, merkle::LeafHash(bytes));
                            leaves.push_back(merkle::LeafHash(bytes));
                            return true;
                          })
            .ok());
    return leaves;
  }

  testing::TempDir dir_;
  PrivateKey key_ = PrivateKey::Generate();
  Keyring keys_;
  std::unique_ptr<testing::NodeStorage> stack_;
};

TEST_F(AuditLogTest, ProofsFromStoredNodesVerify) {
  for (int i = 0; i < 70; ++i) ASSERT_TRUE(stack_->audit->Append(Entry(absl::StrCat(i))).ok());
  std::vector<merkle::Hash> leaves = Leaves();
  ASSERT_EQ(leaves.size(), 70u);
  for (uint64_t size = 1; size <= 70; ++size) {
    std::vector<merkle::Hash> prefix(leaves.begin(), leaves.begin() + size);
    merkle::Hash root = merkle::RootOf(prefix);
    for (uint64_t i = 0; i < size; i += 7) {
      auto proof = stack_->audit->InclusionProof(i, size);
      ASSERT_TRUE(proof.ok()) << proof.status();
      EXPECT_TRUE(merkle::VerifyInclusion(i, size, leaves[i], *proof, root).ok())
          << i << "/" << size;
    }
    auto consistency = stack_->audit->ConsistencyProof(size, 70);
    ASSERT_TRUE(consistency.ok());
    EXPECT_TRUE(
        merkle::VerifyConsistency(size, 70, root, merkle::RootOf(leaves), *consistency).ok());
  }
  EXPECT_TRUE(absl::IsOutOfRange(stack_->audit->InclusionProof(0, 71).status()));
}

TEST_F(AuditLogTest, ConcurrentAppendsGetGaplessSequencesAndOneTree) {
  constexpr int kThreads = 16, kPerThread = 40;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kPerThread; ++i) {
        EXPECT_TRUE(stack_->audit->Append(Entry(absl::StrCat(t, "-", i))).ok());
      }
    });
  }
  for (auto& thread : threads) thread.join();
  std::set<std::string> requests;
  uint64_t expected = 0;
  ASSERT_TRUE(stack_->audit
                  ->ScanEntries(0, UINT64_MAX, false,
                                [&](uint64_t index, const std::string& bytes, const auto&) {
                                  v1::AuditEntry entry;
                                  EXPECT_TRUE(entry.ParseFromString(bytes));
                                  EXPECT_EQ(index, expected++);
                                  EXPECT_EQ(entry.sequence(), index);
                                  requests.insert(entry.request_id());
                                  return true;
                                })
                  .ok());
  EXPECT_EQ(expected, static_cast<uint64_t>(kThreads * kPerThread));
  EXPECT_EQ(requests.size(), static_cast<size_t>(kThreads * kPerThread));
  auto checkpoint = stack_->audit->Checkpoint();
  ASSERT_TRUE(checkpoint.ok());
  auto verified = VerifyCheckpoint(*checkpoint, keys_);
  ASSERT_TRUE(verified.ok()) << verified.status();
  EXPECT_EQ(*RootOf(*verified), merkle::RootOf(Leaves()));
}

TEST_F(AuditLogTest, ReopenContinuesTheSameTree) {
  for (int i = 0; i < 13; ++i) ASSERT_TRUE(stack_->audit->Append(Entry("before")).ok());
  stack_.reset();
  stack_ = testing::NodeStorage::Open(dir_.path(), key_);
  ASSERT_NE(stack_, nullptr);
  EXPECT_EQ(stack_->audit->size(), 13u);
  for (int i = 0; i < 6; ++i) ASSERT_TRUE(stack_->audit->Append(Entry("after")).ok());
  auto checkpoint = stack_->audit->Checkpoint();
  ASSERT_TRUE(checkpoint.ok());
  auto verified = VerifyCheckpoint(*checkpoint, keys_);
  EXPECT_EQ(verified->tree_size(), 19u);
  EXPECT_EQ(*RootOf(*verified), merkle::RootOf(Leaves()));
}

TEST_F(AuditLogTest, CheckpointsAreKeptAndNotRepeatedForTheSameSize) {
  EXPECT_TRUE(absl::IsFailedPrecondition(stack_->audit->Checkpoint().status()));
  ASSERT_TRUE(stack_->audit->Append(Entry("a")).ok());
  auto first = stack_->audit->Checkpoint();
  auto again = stack_->audit->Checkpoint();
  ASSERT_TRUE(first.ok() && again.ok());
  EXPECT_EQ(first->SerializeAsString(), again->SerializeAsString());
  ASSERT_TRUE(stack_->audit->Append(Entry("b")).ok());
  ASSERT_TRUE(stack_->audit->Checkpoint().ok());
  auto all = stack_->audit->Checkpoints(0);
  ASSERT_TRUE(all.ok());
  ASSERT_EQ(all->size(), 2u);
  EXPECT_EQ(VerifyCheckpoint((*all)[0], keys_)->tree_size(), 1u);
  EXPECT_EQ(VerifyCheckpoint((*all)[1], keys_)->tree_size(), 2u);
  EXPECT_EQ(stack_->audit->Checkpoints(2)->size(), 1u);
}

}  // namespace
}  // namespace nexus
