// The RocksDB record store: versions, the feed, the index, atomic group commits, reopening.
#include "server/record_store.h"

#include <gtest/gtest.h>

#include <set>
#include <thread>

#include "common/record_seal.h"
#include "common/uuid.h"
#include "rocksdb/db.h"
#include "tests/node_storage.h"
#include "tests/test_support.h"

namespace nexus {
namespace {

class RecordStoreTest : public ::testing::Test {
 protected:
  PrivateKey key_ = PrivateKey::Generate();
};

// A sealed record, as the publisher stores it: the store checks what it reads back.
RecordWrite MakeWrite(const std::string& id, uint64_t version, const std::string& phone) {
  static const PrivateKey* key = new PrivateKey(PrivateKey::Generate());
  v1::Record record = testing::SampleDraft({{v1::INDICATOR_TYPE_PHONE, phone}});
  record.set_id(id);
  record.set_version(version);
  record.set_origin_agency("agency-a");
  for (v1::Indicator& indicator : *record.mutable_indicators()) indicator.set_normalized(phone);
  RecordWrite write;
  write.id = id;
  write.version = version;
  write.origin = "agency-a";
  write.record = SealRecord(record, *key, "1");
  write.indicators.emplace_back(v1::INDICATOR_TYPE_PHONE, phone);
  return write;
}

uint64_t VersionOf(const absl::StatusOr<v1::SignedRecord>& record) {
  if (!record.ok()) return 0;
  absl::StatusOr<v1::RecordHeader> header = PeekHeader(*record);
  return header.ok() ? header->version() : 0;
}

std::vector<WriteOutcome> WriteOne(RecordStore& store, RecordWrite write) {
  std::vector<RecordWrite> writes;
  writes.push_back(std::move(write));
  return store.Write(std::move(writes));
}

std::vector<std::pair<std::string, uint64_t>> Find(RecordStore& store, const std::string& phone) {
  std::vector<std::pair<std::string, uint64_t>> found;
  EXPECT_TRUE(store
                  .FindIndicator(v1::INDICATOR_TYPE_PHONE, phone,
                                 [&](absl::string_view id, uint64_t version) {
                                   found.emplace_back(std::string(id), version);
                                   return true;
                                 })
                  .ok());
  return found;
}

TEST_F(RecordStoreTest, KeepsEveryVersionAndServesTheLatest) {
  testing::TempDir dir;
  auto stack = testing::NodeStorage::Open(dir.path(), key_);
  ASSERT_NE(stack, nullptr);
  RecordStore* store = stack->records.get();
  std::string id = NewUuid();
  EXPECT_TRUE(absl::IsNotFound(store->LatestVersion(id).status()));
  ASSERT_TRUE(WriteOne(*store, MakeWrite(id, 1, "+1111111"))[0].status.ok());
  ASSERT_TRUE(WriteOne(*store, MakeWrite(id, 2, "+2222222"))[0].status.ok());
  EXPECT_EQ(*store->LatestVersion(id), 2u);
  EXPECT_EQ(VersionOf(store->Get(id, 0)), 2u);
  EXPECT_EQ(VersionOf(store->Get(id, 1)), 1u);
  EXPECT_TRUE(absl::IsNotFound(store->Get(id, 3).status()));
  EXPECT_EQ(Find(*store, "+1111111"), (std::vector<std::pair<std::string, uint64_t>>{{id, 1}}));
}

TEST_F(RecordStoreTest, RefusesAVersionThatIsNotNext) {
  testing::TempDir dir;
  auto stack = testing::NodeStorage::Open(dir.path(), key_);
  ASSERT_NE(stack, nullptr);
  RecordStore* store = stack->records.get();
  std::string id = NewUuid();
  EXPECT_TRUE(absl::IsAborted(WriteOne(*store, MakeWrite(id, 2, "+1111111"))[0].status));
  ASSERT_TRUE(WriteOne(*store, MakeWrite(id, 1, "+1111111"))[0].status.ok());
  WriteOutcome again = WriteOne(*store, MakeWrite(id, 1, "+3333333"))[0];
  EXPECT_TRUE(absl::IsAborted(again.status));
  // A refused write leaves nothing behind: no index entry, no feed entry.
  EXPECT_TRUE(Find(*store, "+3333333").empty());
  EXPECT_EQ(store->last_cursor(), 1u);
}

TEST_F(RecordStoreTest, ABatchIsCheckedInOrder) {
  testing::TempDir dir;
  auto stack = testing::NodeStorage::Open(dir.path(), key_);
  ASSERT_NE(stack, nullptr);
  RecordStore* store = stack->records.get();
  std::string id = NewUuid();
  std::vector<RecordWrite> writes;
  writes.push_back(MakeWrite(id, 1, "+1111111"));
  writes.push_back(MakeWrite(id, 2, "+1111111"));
  writes.push_back(MakeWrite(id, 2, "+1111111"));  // duplicate within the batch
  std::vector<WriteOutcome> outcomes = store->Write(std::move(writes));
  EXPECT_TRUE(outcomes[0].status.ok());
  EXPECT_TRUE(outcomes[1].status.ok());
  EXPECT_TRUE(absl::IsAborted(outcomes[2].status));
  EXPECT_EQ(outcomes[0].cursor, 1u);
  EXPECT_EQ(outcomes[1].cursor, 2u);
}

TEST_F(RecordStoreTest, FeedIsOrderedAndResumable) {
  testing::TempDir dir;
  auto stack = testing::NodeStorage::Open(dir.path(), key_);
  ASSERT_NE(stack, nullptr);
  RecordStore* store = stack->records.get();
  for (int i = 0; i < 10; ++i) WriteOne(*store, MakeWrite(NewUuid(), 1, "+1111111"));
  std::vector<uint64_t> cursors;
  ASSERT_TRUE(store
                  ->ScanFeed(4,
                             [&](uint64_t cursor, const v1::SignedRecord&) {
                               cursors.push_back(cursor);
                               return cursors.size() < 3;
                             })
                  .ok());
  EXPECT_EQ(cursors, (std::vector<uint64_t>{5, 6, 7}));
}

// TAXII's date_added: each feed position has its own time, rising with the position, kept across
// a reopen, so that "added after a time" is a place in the feed.
TEST_F(RecordStoreTest, FeedTimesRiseWithPositionAndFindWhereATimeFalls) {
  testing::TempDir dir;
  std::vector<int64_t> times;
  {
    auto stack = testing::NodeStorage::Open(dir.path(), key_);
    ASSERT_NE(stack, nullptr);
    RecordStore* store = stack->records.get();
    EXPECT_EQ(*store->LastAddedBy(INT64_MAX), 0u);  // an empty feed
    std::vector<std::string> ids;
    for (int i = 1; i <= 5; ++i) {
      ids.push_back(NewUuid());
      ASSERT_TRUE(WriteOne(*store, MakeWrite(ids.back(), 1, "+3333333"))[0].status.ok());
    }
    for (uint64_t position = 1; position <= 5; ++position) {
      EXPECT_EQ(*store->PositionOf(ids[position - 1], 1), position);
    }
    EXPECT_EQ(*store->PositionOf(ids[0], 2), 0u);  // no such version
    for (uint64_t position = 1; position <= 5; ++position) {
      times.push_back(*store->AddedAt(position));
      if (position > 1) EXPECT_GT(times.back(), times[times.size() - 2]);
    }
    EXPECT_EQ(*store->AddedAt(6), 0);  // not there
  }
  auto stack = testing::NodeStorage::Open(dir.path(), key_);
  ASSERT_NE(stack, nullptr);
  RecordStore* store = stack->records.get();
  for (uint64_t position = 1; position <= 5; ++position) {
    EXPECT_EQ(*store->LastAddedBy(times[position - 1]), position);
    EXPECT_EQ(*store->LastAddedBy(times[position - 1] - 1), position - 1);
  }
  EXPECT_EQ(*store->LastAddedBy(0), 0u);
  // After a reopen, a new version's time is still after the last one's.
  ASSERT_TRUE(WriteOne(*store, MakeWrite(NewUuid(), 1, "+3333333"))[0].status.ok());
  EXPECT_GT(*store->AddedAt(6), times.back());
  EXPECT_EQ(*store->LastAddedBy(INT64_MAX), 6u);
}

// A store written before feed times and positions were kept gets both at its first open: times
// rising with the feed, before anything stored after, so that added_after finds every version.
TEST_F(RecordStoreTest, AStoreFromBeforeFeedTimesGetsThemAtItsFirstOpen) {
  testing::TempDir dir;
  std::vector<std::string> ids;
  {
    auto stack = testing::NodeStorage::Open(dir.path(), key_);
    ASSERT_NE(stack, nullptr);
    for (int i = 0; i < 4; ++i) {
      ids.push_back(NewUuid());
      ASSERT_TRUE(WriteOne(*stack->records, MakeWrite(ids.back(), 1, "+4444444"))[0].status.ok());
    }
    // As an older release left it: no times, no positions.
    rocksdb::DB* db = stack->storage->raw_db();
    for (storage::Family family : {storage::kFeedTimes, storage::kFeedPositions}) {
      ASSERT_TRUE(db->DropColumnFamily(stack->storage->raw_family(family)).ok());
    }
  }
  auto stack = testing::NodeStorage::Open(dir.path(), key_);
  ASSERT_NE(stack, nullptr);
  RecordStore* store = stack->records.get();
  int64_t previous = 0;
  for (uint64_t position = 1; position <= 4; ++position) {
    const int64_t added = *store->AddedAt(position);
    EXPECT_GT(added, previous) << position;
    previous = added;
    EXPECT_EQ(*store->PositionOf(ids[position - 1], 1), position);
  }
  EXPECT_EQ(*store->LastAddedBy(*store->AddedAt(2)), 2u);
  ASSERT_TRUE(WriteOne(*store, MakeWrite(NewUuid(), 1, "+4444444"))[0].status.ok());
  EXPECT_GT(*store->AddedAt(5), previous);
}

TEST_F(RecordStoreTest, ConcurrentWritersGetDistinctGaplessCursors) {
  testing::TempDir dir;
  auto stack = testing::NodeStorage::Open(dir.path(), key_);
  ASSERT_NE(stack, nullptr);
  RecordStore* store = stack->records.get();
  constexpr int kThreads = 8, kPerThread = 50;
  std::vector<std::thread> threads;
  std::vector<std::vector<uint64_t>> cursors(kThreads);
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kPerThread; ++i) {
        WriteOutcome outcome = WriteOne(*store, MakeWrite(NewUuid(), 1, "+4444444"))[0];
        EXPECT_TRUE(outcome.status.ok());
        cursors[t].push_back(outcome.cursor);
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  std::set<uint64_t> all;
  for (const auto& list : cursors) all.insert(list.begin(), list.end());
  EXPECT_EQ(all.size(), static_cast<size_t>(kThreads * kPerThread));
  EXPECT_EQ(*all.begin(), 1u);
  EXPECT_EQ(*all.rbegin(), static_cast<uint64_t>(kThreads * kPerThread));
  EXPECT_EQ(Find(*store, "+4444444").size(), static_cast<size_t>(kThreads * kPerThread));
}

TEST_F(RecordStoreTest, ConcurrentUpdatesOfOneRecordNeverShareAVersion) {
  testing::TempDir dir;
  auto stack = testing::NodeStorage::Open(dir.path(), key_);
  ASSERT_NE(stack, nullptr);
  RecordStore* store = stack->records.get();
  std::string id = NewUuid();
  ASSERT_TRUE(WriteOne(*store, MakeWrite(id, 1, "+1111111"))[0].status.ok());
  std::atomic<int> stored{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&] {
      if (WriteOne(*store, MakeWrite(id, 2, "+1111111"))[0].status.ok()) ++stored;
    });
  }
  for (std::thread& thread : threads) thread.join();
  EXPECT_EQ(stored.load(), 1);
  EXPECT_EQ(*store->LatestVersion(id), 2u);
}

TEST_F(RecordStoreTest, ReopenKeepsRecordsAndCursor) {
  testing::TempDir dir;
  std::string id = NewUuid();
  {
    auto stack = testing::NodeStorage::Open(dir.path(), key_);
    ASSERT_NE(stack, nullptr);
    RecordStore* store = stack->records.get();
    WriteOne(*store, MakeWrite(id, 1, "+1111111"));
    WriteOne(*store, MakeWrite(id, 2, "+1111111"));
  }
  auto stack = testing::NodeStorage::Open(dir.path(), key_);
  ASSERT_NE(stack, nullptr);
  RecordStore* store = stack->records.get();
  EXPECT_EQ(store->last_cursor(), 2u);
  EXPECT_EQ(*store->LatestVersion(id), 2u);
  EXPECT_EQ(WriteOne(*store, MakeWrite(NewUuid(), 1, "+5"))[0].cursor, 3u);
}

TEST_F(RecordStoreTest, OpenFailureNamesTheDirectory) {
  auto storage = storage::RocksDbStore::Open("/proc/nexus-cannot-create-here");
  ASSERT_FALSE(storage.ok());
  EXPECT_NE(storage.status().message().find("/proc/nexus-cannot-create-here"), std::string::npos);
}

// A stored version and a refused write are audited in the batch that decides them; a lost
// version race (ABORTED) is not: its writer prepares the draft again and audits what becomes of
// it, so that each draft has one entry.
TEST_F(RecordStoreTest, EveryWriteHasExactlyOneAuditEntryInItsBatch) {
  testing::TempDir dir;
  auto stack = testing::NodeStorage::Open(dir.path(), key_);
  ASSERT_NE(stack, nullptr);
  std::string id = NewUuid();
  std::vector<RecordWrite> writes;
  writes.push_back(MakeWrite(id, 1, "+1111111"));
  writes.push_back(MakeWrite(id, 3, "+1111111"));  // not the next version: a lost race
  RecordWrite foreign = MakeWrite(id, 2, "+1111111");
  foreign.origin = "agency-b";  // refused: the id is agency-a's
  writes.push_back(std::move(foreign));
  writes[0].audit.set_request_id("r1");
  writes[1].audit.set_request_id("r2");
  writes[2].audit.set_request_id("r3");
  std::vector<WriteOutcome> outcomes = stack->records->Write(std::move(writes));
  EXPECT_TRUE(outcomes[0].audited);
  EXPECT_TRUE(absl::IsAborted(outcomes[1].status)) << outcomes[1].status;
  EXPECT_FALSE(outcomes[1].audited);
  EXPECT_TRUE(absl::IsPermissionDenied(outcomes[2].status)) << outcomes[2].status;
  EXPECT_TRUE(outcomes[2].audited);
  ASSERT_EQ(stack->audit->size(), 2u);
  std::vector<v1::AuditEntry> entries;
  ASSERT_TRUE(stack->audit
                  ->ScanEntries(0, 2, false,
                                [&](uint64_t index, const std::string& bytes, const auto&) {
                                  entries.emplace_back().ParseFromString(bytes);
                                  EXPECT_EQ(entries.back().sequence(), index);
                                  return true;
                                })
                  .ok());
  EXPECT_EQ(entries[0].request_id(), "r1");
  EXPECT_EQ(entries[0].outcome(), v1::AUDIT_OUTCOME_OK);
  EXPECT_EQ(entries[0].targets(0).record_id(), id);
  EXPECT_EQ(entries[0].detail(), "cursor 1");
  EXPECT_EQ(entries[1].request_id(), "r3");
  EXPECT_EQ(entries[1].outcome(), v1::AUDIT_OUTCOME_REFUSED);
  EXPECT_EQ(entries[1].code(), static_cast<int>(absl::StatusCode::kPermissionDenied));
}

}  // namespace
}  // namespace nexus
