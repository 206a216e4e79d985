// The store interface (common/storage/store.h) on its RocksDB implementation, in a temporary
// directory: what each call answers, that a batch is all or nothing, that a cursor within a
// prefix ends at it (what RecordStore::LatestVersion relies on), that a snapshot does not see
// later writes, and that the offline tools' read-only open reads what a node wrote, older
// directories that lack a family included.
#include "common/storage/rocksdb_store.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "common/storage/storage_fault.h"
#include "common/storage/store_keys.h"
#include "rocksdb/db.h"
#include "tests/test_support.h"

namespace nexus::storage {
namespace {

using store_keys::RecordKey;

// Record ids of 36 bytes (the records family's prefix), in key order.
const std::string kIdA(36, 'a');
const std::string kIdB(36, 'b');
const std::string kIdC(36, 'c');
const std::string kIdD(36, 'd');

std::unique_ptr<RocksDbStore> OpenStore(const std::string& dir) {
  absl::StatusOr<std::unique_ptr<RocksDbStore>> store = RocksDbStore::Open(dir);
  EXPECT_TRUE(store.ok()) << store.status();
  return store.ok() ? *std::move(store) : nullptr;
}

void Write(Store& store, Family family, absl::string_view key, absl::string_view value) {
  ASSERT_TRUE(store.Put(family, key, value, /*sync=*/false).ok());
}

// Every key the cursor passes from where it stands, moving with `move`.
std::vector<std::string> Keys(Cursor& cursor, void (Cursor::*move)()) {
  std::vector<std::string> keys;
  for (; cursor.Valid(); (cursor.*move)()) keys.emplace_back(cursor.key());
  EXPECT_TRUE(cursor.status().ok()) << cursor.status();
  return keys;
}

TEST(RocksDbStoreTest, PutGetAndDeleteKeepFamiliesApart) {
  testing::TempDir dir;
  std::unique_ptr<RocksDbStore> store = OpenStore(dir.path());
  ASSERT_NE(store, nullptr);
  Write(*store, kFeed, "key", "in feed");
  Write(*store, kLinks, "key", "in links");
  Write(*store, kDefault, "setting", "in default");
  EXPECT_EQ(*store->Get(kFeed, "key"), "in feed");
  EXPECT_EQ(*store->Get(kLinks, "key"), "in links");
  EXPECT_EQ(*store->Get(kDefault, "setting"), "in default");
  EXPECT_TRUE(store->Contains(kFeed, "key").ok());
  // Absent is an answer of its own, not a read error.
  absl::StatusOr<std::string> absent = store->Get(kIndicators, "key");
  EXPECT_TRUE(absl::IsNotFound(absent.status())) << absent.status();
  EXPECT_FALSE(IsStorageFault(absent.status()));
  EXPECT_TRUE(absl::IsNotFound(store->Contains(kIndicators, "key")));
  // An empty value is a value.
  Write(*store, kContent, "empty", "");
  EXPECT_EQ(*store->Get(kContent, "empty"), "");
  EXPECT_TRUE(store->Contains(kContent, "empty").ok());

  ASSERT_TRUE(store->Delete(kFeed, "key", /*sync=*/true).ok());
  EXPECT_TRUE(absl::IsNotFound(store->Get(kFeed, "key").status()));
  EXPECT_EQ(*store->Get(kLinks, "key"), "in links");
  for (Family family : {kFeed, kLinks, kDefault}) EXPECT_TRUE(store->HasFamily(family));
}

TEST(RocksDbStoreTest, ABatchIsWrittenWholeAndCounted) {
  testing::TempDir dir;
  std::unique_ptr<RocksDbStore> store = OpenStore(dir.path());
  ASSERT_NE(store, nullptr);
  Write(*store, kFeed, "old", "x");
  std::unique_ptr<Batch> batch = store->NewBatch();
  batch->Put(kRecords, RecordKey(kIdA, 1), "record");
  batch->Put(kFeed, "new", "a");
  batch->Delete(kFeed, "old");
  EXPECT_EQ(batch->Count(), 3u);
  // Nothing is visible before the write.
  EXPECT_TRUE(absl::IsNotFound(store->Get(kFeed, "new").status()));
  EXPECT_TRUE(store->Contains(kFeed, "old").ok());
  ASSERT_TRUE(store->Write(*batch, /*sync=*/true).ok());
  EXPECT_EQ(*store->Get(kRecords, RecordKey(kIdA, 1)), "record");
  EXPECT_EQ(*store->Get(kFeed, "new"), "a");
  EXPECT_TRUE(absl::IsNotFound(store->Get(kFeed, "old").status()));
  batch->Clear();
  EXPECT_EQ(batch->Count(), 0u);
}

// RocksDB refuses a batch that writes to a dropped family. The refusal is reported, but writes
// of the batch before it may already be applied: why the commit queue's failures are sticky.
TEST(RocksDbStoreTest, AWriteTheEngineRefusesIsReported) {
  testing::TempDir dir;
  std::unique_ptr<RocksDbStore> store = OpenStore(dir.path());
  ASSERT_NE(store, nullptr);
  std::unique_ptr<Batch> batch = store->NewBatch();
  batch->Put(kFeed, "kept out", "a");
  batch->Put(kFeedTimes, "doomed", "b");
  ASSERT_TRUE(store->raw_db()->DropColumnFamily(store->raw_family(kFeedTimes)).ok());
  absl::Status written = store->Write(*batch, /*sync=*/true);
  EXPECT_FALSE(written.ok());
  EXPECT_FALSE(absl::IsNotFound(written)) << written;
}

// RecordStore::LatestVersion's question: the last version of one id, never a key of the ids
// around it, and nothing at all for an id that is not stored.
TEST(RocksDbStoreTest, ACursorWithinAPrefixStopsAtItsEnd) {
  testing::TempDir dir;
  std::unique_ptr<RocksDbStore> store = OpenStore(dir.path());
  ASSERT_NE(store, nullptr);
  Write(*store, kRecords, RecordKey(kIdA, 7), "a7");
  Write(*store, kRecords, RecordKey(kIdB, 1), "b1");
  Write(*store, kRecords, RecordKey(kIdB, 2), "b2");
  ASSERT_TRUE(store->Flush().ok());  // the prefix filters of the tables too, not only memtables
  Write(*store, kRecords, RecordKey(kIdB, 3), "b3");
  Write(*store, kRecords, RecordKey(kIdD, 1), "d1");

  CursorOptions within;
  within.within_prefix = true;
  std::unique_ptr<Cursor> cursor = store->NewCursor(kRecords, within);
  cursor->SeekForPrev(RecordKey(kIdB, UINT64_MAX));
  ASSERT_TRUE(cursor->Valid());
  EXPECT_EQ(cursor->key(), RecordKey(kIdB, 3));
  EXPECT_EQ(cursor->value(), "b3");
  EXPECT_EQ(Keys(*cursor, &Cursor::Prev),
            (std::vector<std::string>{RecordKey(kIdB, 3), RecordKey(kIdB, 2), RecordKey(kIdB, 1)}));
  cursor->Seek(RecordKey(kIdB, 0));
  EXPECT_EQ(Keys(*cursor, &Cursor::Next),
            (std::vector<std::string>{RecordKey(kIdB, 1), RecordKey(kIdB, 2), RecordKey(kIdB, 3)}));
  // An id between two stored ones.
  cursor->SeekForPrev(RecordKey(kIdC, UINT64_MAX));
  EXPECT_FALSE(cursor->Valid() && absl::StartsWith(cursor->key(), kIdC));
  EXPECT_TRUE(cursor->status().ok());

  // Without the option the same cursor crosses ids, in total order.
  std::unique_ptr<Cursor> total = store->NewCursor(kRecords);
  total->SeekForPrev(RecordKey(kIdC, UINT64_MAX));
  ASSERT_TRUE(total->Valid());
  EXPECT_EQ(total->key(), RecordKey(kIdB, 3));
  total->SeekToFirst();
  EXPECT_EQ(Keys(*total, &Cursor::Next).size(), 5u);
  total->SeekToLast();
  ASSERT_TRUE(total->Valid());
  EXPECT_EQ(total->key(), RecordKey(kIdD, 1));
}

TEST(RocksDbStoreTest, SeekForPrevFindsTheLastKeyAtOrBefore) {
  testing::TempDir dir;
  std::unique_ptr<RocksDbStore> store = OpenStore(dir.path());
  ASSERT_NE(store, nullptr);
  for (const char* key : {"b", "d", "f"}) Write(*store, kFeed, key, key);
  std::unique_ptr<Cursor> cursor = store->NewCursor(kFeed);
  cursor->SeekForPrev("d");
  ASSERT_TRUE(cursor->Valid());
  EXPECT_EQ(cursor->key(), "d");
  cursor->SeekForPrev("e");
  ASSERT_TRUE(cursor->Valid());
  EXPECT_EQ(cursor->key(), "d");
  cursor->SeekForPrev("a");
  EXPECT_FALSE(cursor->Valid());
  cursor->Seek("c");
  ASSERT_TRUE(cursor->Valid());
  EXPECT_EQ(cursor->key(), "d");
  cursor->Seek("g");
  EXPECT_FALSE(cursor->Valid());
  EXPECT_TRUE(cursor->status().ok());
}

TEST(RocksDbStoreTest, ASnapshotDoesNotSeeLaterWrites) {
  testing::TempDir dir;
  std::unique_ptr<RocksDbStore> store = OpenStore(dir.path());
  ASSERT_NE(store, nullptr);
  Write(*store, kFeed, "1", "first");
  Write(*store, kRecords, RecordKey(kIdA, 1), "v1");
  std::unique_ptr<Snapshot> snapshot = store->NewSnapshot();
  Write(*store, kFeed, "2", "second");
  Write(*store, kRecords, RecordKey(kIdA, 1), "v1 rewritten");
  ASSERT_TRUE(store->Delete(kFeed, "1", /*sync=*/false).ok());

  CursorOptions at_snapshot;
  at_snapshot.snapshot = snapshot.get();
  std::unique_ptr<Cursor> then = store->NewCursor(kFeed, at_snapshot);
  then->SeekToFirst();
  EXPECT_EQ(Keys(*then, &Cursor::Next), std::vector<std::string>{"1"});
  EXPECT_EQ(*store->Get(kRecords, RecordKey(kIdA, 1), snapshot.get()), "v1");
  EXPECT_TRUE(absl::IsNotFound(store->Get(kFeed, "2", snapshot.get()).status()));

  std::unique_ptr<Cursor> now = store->NewCursor(kFeed);
  now->SeekToFirst();
  EXPECT_EQ(Keys(*now, &Cursor::Next), std::vector<std::string>{"2"});
  EXPECT_EQ(*store->Get(kRecords, RecordKey(kIdA, 1)), "v1 rewritten");
  then.reset();
  snapshot.reset();  // released before the store
}

TEST(RocksDbStoreTest, AReadOnlyOpenSeesWhatTheNodeWroteAndChangesNothing) {
  testing::TempDir dir;
  {
    std::unique_ptr<RocksDbStore> store = OpenStore(dir.path());
    ASSERT_NE(store, nullptr);
    Write(*store, kRecords, RecordKey(kIdA, 1), "a1");
    Write(*store, kRecords, RecordKey(kIdA, 2), "a2");
    Write(*store, kRecords, RecordKey(kIdB, 1), "b1");
    Write(*store, kAuditHead, "latest", "head");
  }
  absl::StatusOr<std::unique_ptr<RocksDbStore>> opened = RocksDbStore::OpenReadOnly(dir.path());
  ASSERT_TRUE(opened.ok()) << opened.status();
  RocksDbStore& offline = **opened;
  for (int family = kDefault; family < kFamilyCount; ++family) {
    EXPECT_TRUE(offline.HasFamily(static_cast<Family>(family))) << family;
  }
  EXPECT_EQ(*offline.Get(kAuditHead, "latest"), "head");
  EXPECT_TRUE(offline.Contains(kRecords, RecordKey(kIdA, 2)).ok());
  // Without the node's prefix extractor the records read in total order.
  std::unique_ptr<Cursor> cursor = offline.NewCursor(kRecords);
  cursor->SeekToFirst();
  EXPECT_EQ(Keys(*cursor, &Cursor::Next),
            (std::vector<std::string>{RecordKey(kIdA, 1), RecordKey(kIdA, 2), RecordKey(kIdB, 1)}));
  EXPECT_FALSE(offline.Put(kFeed, "1", "x", /*sync=*/false).ok());
}

// A copy of a data directory from before a family existed (here the signed head): the offline
// tools see that it is missing, and it reads as empty.
TEST(RocksDbStoreTest, AFamilyMissingFromAnOlderDirectoryIsReported) {
  testing::TempDir dir;
  {
    std::unique_ptr<RocksDbStore> store = OpenStore(dir.path());
    ASSERT_NE(store, nullptr);
    Write(*store, kAuditEntries, "entry", "e");
    ASSERT_TRUE(store->raw_db()->DropColumnFamily(store->raw_family(kAuditHead)).ok());
  }
  absl::StatusOr<std::unique_ptr<RocksDbStore>> opened = RocksDbStore::OpenReadOnly(dir.path());
  ASSERT_TRUE(opened.ok()) << opened.status();
  RocksDbStore& offline = **opened;
  EXPECT_FALSE(offline.HasFamily(kAuditHead));
  EXPECT_TRUE(offline.HasFamily(kAuditEntries));
  EXPECT_EQ(*offline.Get(kAuditEntries, "entry"), "e");
  EXPECT_TRUE(absl::IsNotFound(offline.Get(kAuditHead, "latest").status()));
  EXPECT_TRUE(absl::IsNotFound(offline.Contains(kAuditHead, "latest")));
  std::unique_ptr<Cursor> cursor = offline.NewCursor(kAuditHead);
  cursor->SeekToFirst();
  EXPECT_FALSE(cursor->Valid());
  EXPECT_TRUE(cursor->status().ok());
}

TEST(RocksDbStoreTest, ADirectoryThatIsNoStoreCannotBeOpenedReadOnly) {
  testing::TempDir dir;
  absl::StatusOr<std::unique_ptr<RocksDbStore>> opened = RocksDbStore::OpenReadOnly(dir.path());
  EXPECT_TRUE(absl::IsUnavailable(opened.status())) << opened.status();
}

TEST(RocksDbStoreTest, AStoreInUseIsNotOpenedTwice) {
  testing::TempDir dir;
  std::unique_ptr<RocksDbStore> store = OpenStore(dir.path());
  ASSERT_NE(store, nullptr);
  absl::StatusOr<std::unique_ptr<RocksDbStore>> again = RocksDbStore::Open(dir.path());
  EXPECT_TRUE(absl::IsFailedPrecondition(again.status())) << again.status();
}

}  // namespace
}  // namespace nexus::storage
