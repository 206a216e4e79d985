// The node's audit log on a real RocksDB: appends, group commit under concurrency, proofs that
// check against the RFC 6962 verifier, reopening, and checkpoints.
#include "server/audit_log.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <functional>
#include <future>
#include <mutex>
#include <set>
#include <thread>

#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "common/checkpoint.h"
#include "common/merkle.h"
#include "common/storage/audit_format.h"
#include "common/storage/storage_fault.h"
#include "rocksdb/db.h"
#include "tests/corrupt_store.h"
#include "tests/node_storage.h"
#include "tests/raw_log.h"
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

  // The request ids of every stored entry, checking that entries run 0, 1, ... with their own
  // sequence numbers; `count` is how many there are.
  std::set<std::string> GaplessRequestIds(uint64_t& count) {
    std::set<std::string> requests;
    count = 0;
    EXPECT_TRUE(stack_->audit
                    ->ScanEntries(0, UINT64_MAX, false,
                                  [&](uint64_t index, const std::string& bytes, const auto&) {
                                    v1::AuditEntry entry;
                                    EXPECT_TRUE(entry.ParseFromString(bytes));
                                    EXPECT_EQ(index, count++);
                                    EXPECT_EQ(entry.sequence(), index);
                                    requests.insert(entry.request_id());
                                    return true;
                                  })
                    .ok());
    return requests;
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
  uint64_t expected = 0;
  std::set<std::string> requests = GaplessRequestIds(expected);
  EXPECT_EQ(expected, static_cast<uint64_t>(kThreads * kPerThread));
  EXPECT_EQ(requests.size(), static_cast<size_t>(kThreads * kPerThread));
  auto checkpoint = stack_->audit->Checkpoint();
  ASSERT_TRUE(checkpoint.ok());
  auto verified = VerifyCheckpoint(*checkpoint, keys_);
  ASSERT_TRUE(verified.ok()) << verified.status();
  EXPECT_EQ(*RootOf(*verified), merkle::RootOf(Leaves()));
}

// Appends told by a completion (no thread waits for each) mixed with waiting ones: each is told
// exactly once, and together they make one gapless log under one signed head.
TEST_F(AuditLogTest, AsyncAppendsInFlightAreEachToldOnceAndMakeOneGaplessLog) {
  constexpr int kThreads = 4, kAsyncPerThread = 100, kSyncPerThread = 10;
  // The standard mutex: ThreadSanitizer follows it (not Debian's abseil) from the writer thread.
  std::mutex mu;
  std::condition_variable told_cv;
  int told = 0, told_ok = 0;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kAsyncPerThread; ++i) {
        std::vector<v1::AuditEntry> entries;
        entries.push_back(Entry(absl::StrCat("async-", t, "-", i)));
        stack_->audit->AppendAsync(std::move(entries), [&](const absl::Status& status) {
          std::lock_guard lock(mu);
          ++told;
          if (status.ok()) ++told_ok;
          told_cv.notify_all();
        });
        if (i % (kAsyncPerThread / kSyncPerThread) == 0) {
          EXPECT_TRUE(stack_->audit->Append(Entry(absl::StrCat("sync-", t, "-", i))).ok());
        }
      }
    });
  }
  for (auto& thread : threads) thread.join();
  constexpr int kAsync = kThreads * kAsyncPerThread, kTotal = kAsync + kThreads * kSyncPerThread;
  {
    std::unique_lock lock(mu);
    ASSERT_TRUE(told_cv.wait_for(lock, std::chrono::seconds(60), [&] { return told >= kAsync; }));
    EXPECT_EQ(told, kAsync);
    EXPECT_EQ(told_ok, kAsync);
  }
  uint64_t expected = 0;
  std::set<std::string> requests = GaplessRequestIds(expected);
  EXPECT_EQ(expected, static_cast<uint64_t>(kTotal));
  EXPECT_EQ(requests.size(), static_cast<size_t>(kTotal));
  auto head = VerifyCheckpoint(*stack_->audit->Head(), keys_);
  ASSERT_TRUE(head.ok()) << head.status();
  EXPECT_EQ(head->tree_size(), static_cast<uint64_t>(kTotal));
  EXPECT_EQ(*RootOf(*head), merkle::RootOf(Leaves()));
}

// A completion runs on the queue's writer thread: a waiting commit from there could never be
// written (the writer would wait for itself), so it fails at once instead of hanging the node.
TEST_F(AuditLogTest, AWaitingCommitFromTheWriterThreadFailsAtOnce) {
  std::promise<absl::Status> inner;
  stack_->commits->CommitAsync([](storage::Batch&) {},
                               [&](const absl::Status&) {
                                 inner.set_value(stack_->commits->Commit([](storage::Batch&) {}));
                               });
  std::future<absl::Status> answered = inner.get_future();
  ASSERT_EQ(answered.wait_for(std::chrono::seconds(30)), std::future_status::ready);
  absl::Status status = answered.get();
  EXPECT_TRUE(absl::IsFailedPrecondition(status)) << status;
  EXPECT_TRUE(absl::StrContains(status.message(), "would wait for itself")) << status;
  ASSERT_TRUE(stack_->audit->Append(Entry("after")).ok());  // the queue goes on
}

// Appends still queued when the log is closed are written and told first: none is lost, and the
// queue never stages into a log that is gone (ASan would see it).
TEST_F(AuditLogTest, ClosingTheLogWaitsForTheAsyncAppendsItWasHanded) {
  constexpr int kAppends = 200;
  std::atomic<int> told_ok{0};
  for (int i = 0; i < kAppends; ++i) {
    std::vector<v1::AuditEntry> entries;
    entries.push_back(Entry(absl::StrCat("queued-", i)));
    stack_->audit->AppendAsync(std::move(entries), [&](const absl::Status& status) {
      if (status.ok()) ++told_ok;
    });
  }
  stack_.reset();  // closes the log and the queue at once
  EXPECT_EQ(told_ok.load(), kAppends);
  stack_ = testing::NodeStorage::Open(dir_.path(), key_);
  ASSERT_NE(stack_, nullptr);
  EXPECT_EQ(stack_->audit->size(), static_cast<uint64_t>(kAppends));
}

// RocksDB rejects a batch that writes to a dropped column family: a real failed write, after
// the audit log staged an entry, its tree nodes and a head into the same batch.
TEST_F(AuditLogTest, AFailedWriteIsStickyAndTheHeadStaysTheDurableOne) {
  ASSERT_TRUE(stack_->audit->Append(Entry("before")).ok());
  auto head_before = stack_->audit->Head();
  ASSERT_TRUE(head_before.ok());
  // A family this test never reads, dropped under the open store.
  ASSERT_TRUE(stack_->storage->raw_db()
                  ->DropColumnFamily(stack_->storage->raw_family(storage::kContent))
                  .ok());
  absl::Status failed = stack_->commits->Commit([&](storage::Batch& batch) {
    v1::AuditEntry entry = Entry("lost");
    stack_->audit->Stage(entry, batch);
    batch.Put(storage::kContent, "key", "value");
  });
  ASSERT_FALSE(failed.ok());
  EXPECT_TRUE(absl::StrContains(failed.message(), "unknown state")) << failed;
  // Without the sticky error this append would restage sequence 1 from the durable frontier.
  absl::Status later = stack_->audit->Append(Entry("after"));
  ASSERT_FALSE(later.ok());
  EXPECT_EQ(later, failed);
  EXPECT_TRUE(absl::StrContains(later.message(), "restart the node")) << later;
  // An append told by a completion learns the same failure.
  std::promise<absl::Status> async_told;
  std::vector<v1::AuditEntry> entries;
  entries.push_back(Entry("after, async"));
  stack_->audit->AppendAsync(std::move(entries),
                             [&](const absl::Status& status) { async_told.set_value(status); });
  std::future<absl::Status> async_status = async_told.get_future();
  ASSERT_EQ(async_status.wait_for(std::chrono::seconds(30)), std::future_status::ready);
  EXPECT_EQ(async_status.get(), failed);
  EXPECT_EQ(stack_->audit->size(), 1u);
  auto head_after = stack_->audit->Head();
  ASSERT_TRUE(head_after.ok());
  EXPECT_EQ(head_after->SerializeAsString(), head_before->SerializeAsString());
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

using testing::RawLog;

class AuditLogStartTest : public AuditLogTest {
 protected:
  // Closes the log, lets `tamper` edit the directory, and opens it again as nexusd would.
  absl::StatusOr<std::unique_ptr<AuditLog>> Reopen(const std::function<void(RawLog&)>& tamper,
                                                   bool accept = false) {
    stack_.reset();
    {
      RawLog raw(dir_.path());
      tamper(raw);
    }
    auto storage = storage::RocksDbStore::Open(dir_.path());
    EXPECT_TRUE(storage.ok());
    storage_ = *std::move(storage);
    commits_ = std::make_unique<CommitQueue>(storage_.get());
    AuditLog::Options options{"agency-a", "1"};
    options.accept_unverified = accept;
    options.verify_before_serving_max_entries = verify_limit_;
    absl::Time start = absl::Now();
    auto opened = AuditLog::Open(storage_.get(), commits_.get(), key_, options);
    open_time_ = absl::Now() - start;
    return opened;
  }
  void TearDown() override {
    log_.reset();
    commits_.reset();
    storage_.reset();
  }
  std::unique_ptr<storage::RocksDbStore> storage_;
  std::unique_ptr<CommitQueue> commits_;
  std::unique_ptr<AuditLog> log_;
  absl::Duration open_time_;         // of the last AuditLog::Open, verification included
  uint64_t verify_limit_ = 1000000;  // AuditLog::Options::verify_before_serving_max_entries
};

TEST_F(AuditLogStartTest, EveryCommitSignsAHeadCoveringIt) {
  EXPECT_TRUE(absl::IsNotFound(stack_->audit->Head().status()));
  for (int i = 1; i <= 5; ++i) {
    std::vector<v1::AuditEntry> batch(i, Entry("x"));
    ASSERT_TRUE(stack_->audit->Append(batch).ok());
    auto head = stack_->audit->Head();
    ASSERT_TRUE(head.ok());
    auto verified = VerifyCheckpoint(*head, keys_);
    ASSERT_TRUE(verified.ok()) << verified.status();
    EXPECT_EQ(verified->tree_size(), stack_->audit->size());
    EXPECT_EQ(*RootOf(*verified), merkle::RootOf(Leaves()));
  }
  // No periodic checkpoint was signed, yet nothing is uncovered.
  EXPECT_TRUE(stack_->audit->Checkpoints(0)->empty());
}

TEST_F(AuditLogStartTest, AnEntryAppendedOutsideTheNodeIsRefusedAtStart) {
  for (int i = 0; i < 9; ++i) ASSERT_TRUE(stack_->audit->Append(Entry("a")).ok());
  ASSERT_TRUE(stack_->audit->Checkpoint().ok());
  auto opened = Reopen([](RawLog& raw) {
    v1::AuditEntry forged = Entry("forged");
    forged.set_sequence(9);
    std::string bytes = forged.SerializeAsString();
    raw.Put(storage::kAuditEntries, audit_format::EntryKey(9), bytes);
    // A thorough attacker also writes every tree node the entry completes.
    auto frontier = merkle::Frontier::Load(9, [&](int level, uint64_t index) {
      std::string node = raw.Get(storage::kAuditTree, audit_format::TreeKey(level, index));
      merkle::Hash hash;
      std::copy(node.begin(), node.end(), hash.begin());
      return absl::StatusOr<merkle::Hash>(hash);
    });
    ASSERT_TRUE(frontier.ok());
    std::vector<merkle::Frontier::Node> completed;
    frontier->Append(merkle::LeafHash(bytes), &completed);
    for (const auto& node : completed) {
      raw.Put(storage::kAuditTree, audit_format::TreeKey(node.level, node.index),
              std::string(reinterpret_cast<const char*>(node.hash.data()), 32));
    }
  });
  ASSERT_TRUE(absl::IsDataLoss(opened.status())) << opened.status();
  EXPECT_TRUE(absl::StrContains(opened.status().message(), "entry 9 is covered by no"))
      << opened.status();
}

TEST_F(AuditLogStartTest, AnEditedTailWithItsHeadAndCheckpointDeletedIsRefused) {
  for (int i = 0; i < 9; ++i) ASSERT_TRUE(stack_->audit->Append(Entry("a")).ok());
  ASSERT_TRUE(stack_->audit->Checkpoint().ok());  // at 9
  ASSERT_TRUE(stack_->audit->Append(Entry("b")).ok());
  ASSERT_TRUE(stack_->audit->Append(Entry("c")).ok());
  auto opened = Reopen([](RawLog& raw) {
    v1::AuditEntry forged = Entry("edited");
    forged.set_sequence(10);
    raw.Put(storage::kAuditEntries, audit_format::EntryKey(10), forged.SerializeAsString());
    raw.Delete(storage::kAuditHead, audit_format::kHeadKey);
  });
  ASSERT_TRUE(absl::IsDataLoss(opened.status())) << opened.status();
  // Its entries say that every commit signed a head: without one, the log is not taken as one
  // written before signed heads, whose newest checkpoint would cover it.
  EXPECT_TRUE(absl::StrContains(opened.status().message(), "no signed head is stored"))
      << opened.status();
}

TEST_F(AuditLogStartTest, AFlippedTreeNodeIsNamedAndRepairedOnlyWhenAccepted) {
  for (int i = 0; i < 16; ++i) ASSERT_TRUE(stack_->audit->Append(Entry("a")).ok());
  auto flip = [](RawLog& raw) {
    std::string node = raw.Get(storage::kAuditTree, audit_format::TreeKey(2, 1));
    node[0] ^= 1;
    raw.Put(storage::kAuditTree, audit_format::TreeKey(2, 1), node);
  };
  auto refused = Reopen(flip);
  ASSERT_TRUE(absl::IsDataLoss(refused.status()));
  EXPECT_TRUE(absl::StrContains(refused.status().message(), "node level 2 index 1"))
      << refused.status();
  commits_.reset();
  storage_.reset();
  auto accepted = Reopen([](RawLog&) {}, /*accept=*/true);
  ASSERT_TRUE(accepted.ok()) << accepted.status();
  log_ = *std::move(accepted);
  EXPECT_TRUE(absl::StrContains(log_->opening().accepted_failure(), "node level 2 index 1"));
  // Repaired: proofs from stored nodes check against the rebuilt tree, and later appends sign
  // heads over it.
  ASSERT_TRUE(log_->Append(Entry("after")).ok());
  auto head = VerifyCheckpoint(*log_->Head(), keys_);
  ASSERT_TRUE(head.ok());
  auto proof = log_->InclusionProof(5, 17);
  ASSERT_TRUE(proof.ok());
  std::vector<merkle::Hash> leaves;
  ASSERT_TRUE(log_->ScanEntries(0, 17, false,
                                [&](uint64_t, const std::string& bytes, const merkle::Hash&) {
                                  leaves.push_back(merkle::LeafHash(bytes));
                                  return true;
                                })
                  .ok());
  EXPECT_TRUE(merkle::VerifyInclusion(5, 17, leaves[5], *proof, *RootOf(*head)).ok());
  // The repair is durable: the next start verifies without the flag.
  log_.reset();
  commits_.reset();
  storage_.reset();
  auto clean = Reopen([](RawLog&) {});
  ASSERT_TRUE(clean.ok()) << clean.status();
  EXPECT_TRUE((*clean)->opening().accepted_failure().empty());
}

// An accepted recovery moves the checkpoints that contradict the accepted tree (here: larger
// than the truncated log) aside, so the next start verifies without the flag.
TEST_F(AuditLogStartTest, AnAcceptedTruncationStartsAgainWithoutTheFlag) {
  for (int i = 0; i < 8; ++i) ASSERT_TRUE(stack_->audit->Append(Entry("a")).ok());
  ASSERT_TRUE(stack_->audit->Checkpoint().ok());  // at 8: kept, it matches the entries
  for (int i = 0; i < 4; ++i) ASSERT_TRUE(stack_->audit->Append(Entry("b")).ok());
  ASSERT_TRUE(stack_->audit->Checkpoint().ok());  // at 12: contradicts the truncated log
  auto truncate = [](RawLog& raw) {
    for (uint64_t i = 10; i < 12; ++i)
      raw.Delete(storage::kAuditEntries, audit_format::EntryKey(i));
  };
  auto accepted = Reopen(truncate, /*accept=*/true);
  ASSERT_TRUE(accepted.ok()) << accepted.status();
  log_ = *std::move(accepted);
  EXPECT_TRUE(absl::StrContains(log_->opening().accepted_failure(), "truncated"));
  // The checkpoint that contradicts the accepted tree is named for the NODE_START entry.
  ASSERT_EQ(log_->opening().superseded_checkpoints_size(), 1) << log_->opening().DebugString();
  EXPECT_EQ(log_->opening().superseded_checkpoints(0), 12u);
  ASSERT_TRUE(log_->Append(Entry("node start")).ok());
  auto kept = log_->Checkpoints(0);
  ASSERT_TRUE(kept.ok());
  ASSERT_EQ(kept->size(), 1u);
  EXPECT_EQ(VerifyCheckpoint((*kept)[0], keys_)->tree_size(), 8u);
  log_.reset();
  commits_.reset();
  storage_.reset();
  auto again = Reopen([](RawLog& raw) {
    // The superseded checkpoint is kept, under its key.
    EXPECT_FALSE(raw.Get(storage::kAuditSuperseded, audit_format::CheckpointKey(12)).empty());
  });
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_TRUE((*again)->opening().accepted_failure().empty());
  EXPECT_EQ((*again)->size(), 11u);
}

TEST_F(AuditLogStartTest, ATruncatedTailIsRefused) {
  for (int i = 0; i < 12; ++i) ASSERT_TRUE(stack_->audit->Append(Entry("a")).ok());
  auto opened = Reopen([](RawLog& raw) {
    for (uint64_t i = 8; i < 12; ++i) raw.Delete(storage::kAuditEntries, audit_format::EntryKey(i));
  });
  ASSERT_TRUE(absl::IsDataLoss(opened.status()));
  EXPECT_TRUE(absl::StrContains(opened.status().message(), "truncated")) << opened.status();
}

// A store that cannot be read (here: RocksDB finds a corrupted data block by its checksum) is a
// storage fault, reported as such, not as a log that failed verification.
// An entry moved under a key that is no sequence number (a byte added or cut) is something no
// node writes: a verification failure that names the key, never a store that "cannot be read",
// and never read as some other entry's number.
TEST_F(AuditLogStartTest, AnEntryUnderAMalformedKeyIsRefusedAsTamperingNamingTheKey) {
  for (int i = 0; i < 12; ++i) ASSERT_TRUE(stack_->audit->Append(Entry("a")).ok());
  for (const std::string& bad_key :
       {audit_format::EntryKey(5) + "x", audit_format::EntryKey(5).substr(0, 7)}) {
    auto opened = Reopen([&](RawLog& raw) {
      const std::string bytes = raw.Get(storage::kAuditEntries, audit_format::EntryKey(5));
      raw.Put(storage::kAuditEntries, bad_key, bytes);
    });
    ASSERT_TRUE(absl::IsDataLoss(opened.status()))
        << opened.status() << " key " << absl::BytesToHexString(bad_key) << " size "
        << (opened.ok() ? (*opened)->size() : 0);
    EXPECT_FALSE(IsStorageFault(opened.status())) << opened.status();
    EXPECT_TRUE(absl::StrContains(opened.status().message(), "not an 8-byte sequence number"))
        << opened.status();
    EXPECT_TRUE(absl::StrContains(opened.status().message(), absl::BytesToHexString(bad_key)))
        << opened.status();
    // Nor can the operator accept it: the tree cannot be rebuilt over such a key, and that is
    // damage to name, not a disk to check.
    commits_.reset();
    storage_.reset();
    auto accepted = Reopen([](RawLog&) {}, /*accept=*/true);
    ASSERT_TRUE(absl::IsDataLoss(accepted.status())) << accepted.status();
    EXPECT_FALSE(IsStorageFault(accepted.status())) << accepted.status();
    EXPECT_TRUE(absl::StrContains(accepted.status().message(), "cannot be accepted either"))
        << accepted.status();
    commits_.reset();
    storage_.reset();
    RawLog(dir_.path()).Delete(storage::kAuditEntries, bad_key);  // the next case starts clean
  }
}

TEST_F(AuditLogStartTest, AStoreThatCannotBeReadIsNotReportedAsTampering) {
  for (int i = 0; i < 12; ++i) ASSERT_TRUE(stack_->audit->Append(Entry("a")).ok());
  ASSERT_TRUE(stack_->audit->Checkpoint().ok());
  stack_.reset();
  ASSERT_GT(testing::CorruptFamilyOnDisk(dir_.path(), storage::kAuditCheckpoints), 0);
  auto opened = Reopen([](RawLog&) {});
  ASSERT_FALSE(opened.ok());
  EXPECT_FALSE(absl::IsDataLoss(opened.status())) << opened.status();
  EXPECT_TRUE(absl::IsUnavailable(opened.status())) << opened.status();
  EXPECT_TRUE(IsStorageFault(opened.status())) << opened.status();
  EXPECT_TRUE(absl::StrContains(opened.status().message(), "cannot be read")) << opened.status();
}

// Start-up verification rehashes the whole log: its cost, for the README.
TEST_F(AuditLogStartTest, StartUpVerificationOfAHundredThousandEntries) {
  constexpr int kEntries = 100000, kBatch = 1000;
  for (int i = 0; i < kEntries / kBatch; ++i) {
    std::vector<v1::AuditEntry> batch(kBatch, Entry("a fairly ordinary request id 1234567890"));
    for (v1::AuditEntry& entry : batch) entry.set_detail(std::string(150, 'd'));
    ASSERT_TRUE(stack_->audit->Append(batch).ok());
  }
  auto opened = Reopen([](RawLog&) {});
  absl::Duration took = open_time_;
  ASSERT_TRUE(opened.ok()) << opened.status();
  EXPECT_EQ((*opened)->size(), static_cast<uint64_t>(kEntries));
  RecordProperty("verify_100k_ms", static_cast<int>(absl::ToInt64Milliseconds(took)));
  std::printf("start-up verification of %d entries: %s\n", kEntries,
              absl::FormatDuration(took).c_str());
}

}  // namespace
}  // namespace nexus
