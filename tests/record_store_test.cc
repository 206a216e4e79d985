// The RocksDB record store: versions, the feed, the index, atomic group commits, reopening.
#include "server/record_store.h"

#include <gtest/gtest.h>

#include <set>
#include <thread>

#include "common/uuid.h"
#include "tests/test_support.h"

namespace nexus {
namespace {

RecordWrite MakeWrite(const std::string& id, uint64_t version, const std::string& phone) {
  RecordWrite write;
  write.id = id;
  write.version = version;
  write.record.set_manifest("manifest " + id + " v" + std::to_string(version));
  write.record.set_key_id("1");
  write.indicators.emplace_back(v1::INDICATOR_TYPE_PHONE, phone);
  return write;
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

TEST(RecordStore, KeepsEveryVersionAndServesTheLatest) {
  testing::TempDir dir;
  auto store = RecordStore::Open(dir.path());
  ASSERT_TRUE(store.ok()) << store.status();
  std::string id = NewUuid();
  EXPECT_TRUE(absl::IsNotFound((*store)->LatestVersion(id).status()));
  ASSERT_TRUE(WriteOne(**store, MakeWrite(id, 1, "+1111111"))[0].status.ok());
  ASSERT_TRUE(WriteOne(**store, MakeWrite(id, 2, "+2222222"))[0].status.ok());
  EXPECT_EQ(*(*store)->LatestVersion(id), 2u);
  EXPECT_EQ((*store)->Get(id, 0)->manifest(), "manifest " + id + " v2");
  EXPECT_EQ((*store)->Get(id, 1)->manifest(), "manifest " + id + " v1");
  EXPECT_TRUE(absl::IsNotFound((*store)->Get(id, 3).status()));
  EXPECT_EQ(Find(**store, "+1111111"), (std::vector<std::pair<std::string, uint64_t>>{{id, 1}}));
}

TEST(RecordStore, RefusesAVersionThatIsNotNext) {
  testing::TempDir dir;
  auto store = RecordStore::Open(dir.path());
  ASSERT_TRUE(store.ok());
  std::string id = NewUuid();
  EXPECT_TRUE(
      absl::IsFailedPrecondition(WriteOne(**store, MakeWrite(id, 2, "+1111111"))[0].status));
  ASSERT_TRUE(WriteOne(**store, MakeWrite(id, 1, "+1111111"))[0].status.ok());
  WriteOutcome again = WriteOne(**store, MakeWrite(id, 1, "+3333333"))[0];
  EXPECT_TRUE(absl::IsFailedPrecondition(again.status));
  // A refused write leaves nothing behind: no index entry, no feed entry.
  EXPECT_TRUE(Find(**store, "+3333333").empty());
  EXPECT_EQ((*store)->last_cursor(), 1u);
}

TEST(RecordStore, ABatchIsCheckedInOrder) {
  testing::TempDir dir;
  auto store = RecordStore::Open(dir.path());
  ASSERT_TRUE(store.ok());
  std::string id = NewUuid();
  std::vector<RecordWrite> writes;
  writes.push_back(MakeWrite(id, 1, "+1111111"));
  writes.push_back(MakeWrite(id, 2, "+1111111"));
  writes.push_back(MakeWrite(id, 2, "+1111111"));  // duplicate within the batch
  std::vector<WriteOutcome> outcomes = (*store)->Write(std::move(writes));
  EXPECT_TRUE(outcomes[0].status.ok());
  EXPECT_TRUE(outcomes[1].status.ok());
  EXPECT_TRUE(absl::IsFailedPrecondition(outcomes[2].status));
  EXPECT_EQ(outcomes[0].cursor, 1u);
  EXPECT_EQ(outcomes[1].cursor, 2u);
}

TEST(RecordStore, FeedIsOrderedAndResumable) {
  testing::TempDir dir;
  auto store = RecordStore::Open(dir.path());
  ASSERT_TRUE(store.ok());
  for (int i = 0; i < 10; ++i) WriteOne(**store, MakeWrite(NewUuid(), 1, "+1111111"));
  std::vector<uint64_t> cursors;
  ASSERT_TRUE((*store)
                  ->ScanFeed(4,
                             [&](uint64_t cursor, const v1::SignedRecord&) {
                               cursors.push_back(cursor);
                               return cursors.size() < 3;
                             })
                  .ok());
  EXPECT_EQ(cursors, (std::vector<uint64_t>{5, 6, 7}));
}

TEST(RecordStore, ConcurrentWritersGetDistinctGaplessCursors) {
  testing::TempDir dir;
  auto store = RecordStore::Open(dir.path());
  ASSERT_TRUE(store.ok());
  constexpr int kThreads = 8, kPerThread = 50;
  std::vector<std::thread> threads;
  std::vector<std::vector<uint64_t>> cursors(kThreads);
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kPerThread; ++i) {
        WriteOutcome outcome = WriteOne(**store, MakeWrite(NewUuid(), 1, "+4444444"))[0];
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
  EXPECT_EQ(Find(**store, "+4444444").size(), static_cast<size_t>(kThreads * kPerThread));
}

TEST(RecordStore, ConcurrentUpdatesOfOneRecordNeverShareAVersion) {
  testing::TempDir dir;
  auto store = RecordStore::Open(dir.path());
  ASSERT_TRUE(store.ok());
  std::string id = NewUuid();
  ASSERT_TRUE(WriteOne(**store, MakeWrite(id, 1, "+1111111"))[0].status.ok());
  std::atomic<int> stored{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&] {
      if (WriteOne(**store, MakeWrite(id, 2, "+1111111"))[0].status.ok()) ++stored;
    });
  }
  for (std::thread& thread : threads) thread.join();
  EXPECT_EQ(stored.load(), 1);
  EXPECT_EQ(*(*store)->LatestVersion(id), 2u);
}

TEST(RecordStore, ReopenKeepsRecordsAndCursor) {
  testing::TempDir dir;
  std::string id = NewUuid();
  {
    auto store = RecordStore::Open(dir.path());
    ASSERT_TRUE(store.ok());
    WriteOne(**store, MakeWrite(id, 1, "+1111111"));
    WriteOne(**store, MakeWrite(id, 2, "+1111111"));
  }
  auto store = RecordStore::Open(dir.path());
  ASSERT_TRUE(store.ok()) << store.status();
  EXPECT_EQ((*store)->last_cursor(), 2u);
  EXPECT_EQ(*(*store)->LatestVersion(id), 2u);
  EXPECT_EQ(WriteOne(**store, MakeWrite(NewUuid(), 1, "+5"))[0].cursor, 3u);
}

TEST(RecordStore, OpenFailureNamesTheDirectory) {
  auto store = RecordStore::Open("/proc/nexus-cannot-create-here");
  ASSERT_FALSE(store.ok());
  EXPECT_NE(store.status().message().find("/proc/nexus-cannot-create-here"), std::string::npos);
}

}  // namespace
}  // namespace nexus
