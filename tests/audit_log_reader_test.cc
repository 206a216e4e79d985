// The audit log reader over a real RocksDB store: entries and stored nodes come out as the node
// wrote them although they are read on threads of their own; a consumer that stops early stops
// the reading; a read error is Unavailable. And the bounded queue those threads hand over by.
#include "common/storage/audit_log_reader.h"

#include <gtest/gtest.h>

#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "common/merkle.h"
#include "common/storage/bounded_queue.h"
#include "tests/corrupt_store.h"
#include "tests/node_storage.h"
#include "tests/test_support.h"

namespace nexus {
namespace {

// More than two chunks of entries (2048 each) and of tree nodes, with a partial last chunk.
constexpr uint64_t kEntries = 5000;

class AuditLogReaderTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto stack = testing::NodeStorage::Open(dir_.path(), key_);
    ASSERT_NE(stack, nullptr);
    std::vector<v1::AuditEntry> batch;
    for (uint64_t i = 0; i < kEntries; ++i) {
      v1::AuditEntry& entry = batch.emplace_back();
      entry.set_action(v1::AUDIT_ACTION_GET);
      entry.set_outcome(v1::AUDIT_OUTCOME_OK);
      entry.set_request_id(absl::StrCat("request-", i));
    }
    ASSERT_TRUE(stack->audit->Append(std::move(batch)).ok());
  }

  // Opens the store (again) and a reader over its audit families.
  void OpenReader() {
    reader_.reset();
    auto storage = storage::RocksDbStore::Open(dir_.path());
    ASSERT_TRUE(storage.ok()) << storage.status();
    storage_ = *std::move(storage);
    reader_ = std::make_unique<AuditLogReader>(storage_.get());
  }

  testing::TempDir dir_;
  PrivateKey key_ = PrivateKey::Generate();
  std::unique_ptr<storage::RocksDbStore> storage_;
  std::unique_ptr<AuditLogReader> reader_;
};

TEST_F(AuditLogReaderTest, EntriesComeInIndexOrderWithTheirStoredLeaves) {
  OpenReader();
  uint64_t next = 0;
  absl::Status read = reader_->Entries()(
      [&](uint64_t index, absl::string_view bytes, absl::string_view stored_leaf) {
        EXPECT_EQ(index, next);
        v1::AuditEntry entry;
        EXPECT_TRUE(entry.ParseFromArray(bytes.data(), static_cast<int>(bytes.size())));
        EXPECT_EQ(entry.request_id(), absl::StrCat("request-", index));
        const merkle::Hash leaf = merkle::LeafHash(bytes);
        EXPECT_EQ(stored_leaf,
                  absl::string_view(reinterpret_cast<const char*>(leaf.data()), leaf.size()));
        ++next;
        return true;
      });
  EXPECT_TRUE(read.ok()) << read;
  EXPECT_EQ(next, kEntries);
}

TEST_F(AuditLogReaderTest, StopsWhenVisitSaysSo) {
  OpenReader();
  // In the first chunk, at a chunk's end, at the next chunk's start, and at the very end.
  for (uint64_t last : {uint64_t{0}, uint64_t{2047}, uint64_t{2048}, kEntries - 1}) {
    uint64_t visited = 0;
    absl::Status read =
        reader_->Entries()([&](uint64_t index, absl::string_view, absl::string_view) {
          ++visited;
          return index != last;
        });
    EXPECT_TRUE(read.ok()) << read;
    EXPECT_EQ(visited, last + 1);
  }
  // Returning joined the reading thread: the store closes under no reader.
  reader_.reset();
  storage_.reset();
}

TEST_F(AuditLogReaderTest, UnreadableEntriesAreUnavailable) {
  ASSERT_GT(testing::CorruptFamilyOnDisk(dir_.path(), storage::kAuditEntries), 0);
  OpenReader();
  uint64_t next = 0;
  absl::Status read = reader_->Entries()([&](uint64_t index, absl::string_view, absl::string_view) {
    EXPECT_EQ(index, next++);  // what is read before the error still comes in order
    return true;
  });
  EXPECT_TRUE(absl::IsUnavailable(read)) << read;
  EXPECT_LT(next, kEntries);
}

// The nodes a rebuild completes, leaf by leaf, as the verifier asks for them.
std::vector<merkle::Frontier::Node> RebuiltNodes(AuditLogReader& reader) {
  std::vector<merkle::Frontier::Node> nodes;
  merkle::Frontier tree;
  EXPECT_TRUE(reader
                  .Entries()([&](uint64_t, absl::string_view bytes, absl::string_view) {
                    std::vector<merkle::Frontier::Node> completed;
                    tree.Append(merkle::LeafHash(bytes), &completed);
                    for (const merkle::Frontier::Node& node : completed) {
                      if (node.level > 0) nodes.push_back(node);
                    }
                    return true;
                  })
                  .ok());
  return nodes;
}

TEST_F(AuditLogReaderTest, StoredNodesInRebuildOrderMatchTheRebuild) {
  OpenReader();
  const std::vector<merkle::Frontier::Node> rebuilt = RebuiltNodes(*reader_);
  ASSERT_EQ(rebuilt.size(), kEntries - 5);  // n minus the set bits of n (5000 has five)
  merkle::NodeReader stored = reader_->StoredNodes();
  for (const merkle::Frontier::Node& node : rebuilt) {
    absl::StatusOr<merkle::Hash> hash = stored(node.level, node.index);
    ASSERT_TRUE(hash.ok()) << node.level << "/" << node.index << ": " << hash.status();
    EXPECT_EQ(*hash, node.hash) << node.level << "/" << node.index;
  }
  // Past the stored tree, and asked again out of order: read directly.
  EXPECT_TRUE(absl::IsNotFound(stored(1, kEntries / 2).status()));
  absl::StatusOr<merkle::Hash> again = stored(rebuilt[10].level, rebuilt[10].index);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(*again, rebuilt[10].hash);
}

TEST_F(AuditLogReaderTest, StoredNodesSkippedOrAskedOutOfOrderStillAnswer) {
  OpenReader();
  const std::vector<merkle::Frontier::Node> rebuilt = RebuiltNodes(*reader_);
  merkle::NodeReader stored = reader_->StoredNodes();
  // Every seventh node, then a step back now and then (a proof's order is not a rebuild's).
  for (size_t i = 0; i < rebuilt.size(); i += 7) {
    for (size_t j : {i, i >= 100 ? i - 100 : i}) {
      absl::StatusOr<merkle::Hash> hash = stored(rebuilt[j].level, rebuilt[j].index);
      ASSERT_TRUE(hash.ok()) << hash.status();
      EXPECT_EQ(*hash, rebuilt[j].hash);
    }
  }
}

TEST_F(AuditLogReaderTest, StoredNodesLeftEarlyStopTheirThread) {
  OpenReader();
  {
    merkle::NodeReader stored = reader_->StoredNodes();
    ASSERT_TRUE(stored(1, 0).ok());  // starts the read-ahead, which soon waits on a full queue
    merkle::NodeReader copy = stored;
  }  // the last copy is gone: the thread was joined
  reader_.reset();
  storage_.reset();
}

TEST(BoundedQueueTest, HandsItemsOverInOrderAndDrainsAfterClose) {
  BoundedQueue<int> queue(2);
  EXPECT_TRUE(queue.Push(1));
  EXPECT_TRUE(queue.Push(2));
  queue.Close();
  EXPECT_FALSE(queue.Push(3));
  EXPECT_EQ(queue.Pop(), 1);
  EXPECT_EQ(queue.Pop(), 2);
  EXPECT_EQ(queue.Pop(), std::nullopt);
}

TEST(BoundedQueueTest, AFullQueueHoldsTheProducerUntilTheConsumerTakesOrCloses) {
  BoundedQueue<int> queue(1);
  std::vector<int> taken;
  std::thread consumer([&] {
    while (std::optional<int> item = queue.Pop()) {
      taken.push_back(*item);
      if (taken.size() == 500) {  // the consumer stops early
        queue.Close();
        break;
      }
    }
  });
  int pushed = 0;
  while (queue.Push(pushed)) ++pushed;  // ends when the consumer closes
  consumer.join();
  ASSERT_EQ(taken.size(), 500u);
  for (int i = 0; i < 500; ++i) EXPECT_EQ(taken[i], i);
  EXPECT_LE(pushed, 501);  // at most one item beyond what was taken was queued
}

}  // namespace
}  // namespace nexus
