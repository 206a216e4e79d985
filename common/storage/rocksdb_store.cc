#include "common/storage/rocksdb_store.h"

#include <optional>
#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "common/storage/storage_fault.h"
#include "common/storage/store_keys.h"
#include "rocksdb/db.h"
#include "rocksdb/filter_policy.h"
#include "rocksdb/options.h"
#include "rocksdb/slice_transform.h"
#include "rocksdb/table.h"
#include "rocksdb/utilities/checkpoint.h"
#include "rocksdb/write_batch.h"

namespace nexus::storage {
namespace {

absl::string_view View(const rocksdb::Slice& slice) { return {slice.data(), slice.size()}; }
rocksdb::Slice Slice(absl::string_view view) { return {view.data(), view.size()}; }

// RocksDB's status as store.h promises it: the engine's words, under the code the caller acts
// on.
absl::Status FromRocks(const rocksdb::Status& s) {
  if (s.ok()) return absl::OkStatus();
  if (s.IsNotFound()) return absl::NotFoundError(s.ToString());
  if (s.IsIOError() || s.IsCorruption()) return StorageFault(s.ToString());
  return absl::InternalError(s.ToString());
}

class RocksDbCursor final : public Cursor {
 public:
  explicit RocksDbCursor(rocksdb::Iterator* it) : it_(it) {}

  bool Valid() const override { return it_->Valid(); }
  void Seek(absl::string_view target) override { it_->Seek(Slice(target)); }
  void SeekForPrev(absl::string_view target) override { it_->SeekForPrev(Slice(target)); }
  void SeekToFirst() override { it_->SeekToFirst(); }
  void SeekToLast() override { it_->SeekToLast(); }
  void Next() override { it_->Next(); }
  void Prev() override { it_->Prev(); }
  absl::string_view key() const override { return View(it_->key()); }
  absl::string_view value() const override { return View(it_->value()); }
  absl::Status status() const override { return FromRocks(it_->status()); }

 private:
  std::unique_ptr<rocksdb::Iterator> it_;
};

// A family the store lacks holds no key.
class EmptyCursor final : public Cursor {
 public:
  bool Valid() const override { return false; }
  void Seek(absl::string_view) override {}
  void SeekForPrev(absl::string_view) override {}
  void SeekToFirst() override {}
  void SeekToLast() override {}
  void Next() override {}
  void Prev() override {}
  absl::string_view key() const override { return {}; }
  absl::string_view value() const override { return {}; }
  absl::Status status() const override { return absl::OkStatus(); }
};

class RocksDbSnapshot final : public Snapshot {
 public:
  explicit RocksDbSnapshot(rocksdb::DB* db) : db_(db), snapshot_(db->GetSnapshot()) {}
  ~RocksDbSnapshot() override { db_->ReleaseSnapshot(snapshot_); }
  const rocksdb::Snapshot* get() const { return snapshot_; }

 private:
  rocksdb::DB* const db_;
  const rocksdb::Snapshot* const snapshot_;
};

const rocksdb::Snapshot* Unwrap(const Snapshot* snapshot) {
  return snapshot == nullptr ? nullptr : static_cast<const RocksDbSnapshot*>(snapshot)->get();
}

using FamilyHandles = std::array<rocksdb::ColumnFamilyHandle*, kFamilyCount + 1>;

class RocksDbBatch final : public Batch {
 public:
  explicit RocksDbBatch(const FamilyHandles& families) : families_(families) {}

  void Put(Family family, absl::string_view key, absl::string_view value) override {
    rocksdb::ColumnFamilyHandle* handle = families_[family + 1];
    // RocksDB would take a null handle for the default family: a write the store cannot hold
    // fails the whole batch instead.
    if (handle == nullptr) {
      missing_ = family;
      return;
    }
    (void)batch_.Put(handle, Slice(key), Slice(value));
  }
  void Delete(Family family, absl::string_view key) override {
    rocksdb::ColumnFamilyHandle* handle = families_[family + 1];
    if (handle == nullptr) {
      missing_ = family;
      return;
    }
    (void)batch_.Delete(handle, Slice(key));
  }
  size_t Count() const override { return batch_.Count(); }
  void Clear() override {
    batch_.Clear();
    missing_.reset();
  }

  rocksdb::WriteBatch& batch() { return batch_; }
  std::optional<Family> missing() const { return missing_; }

 private:
  const FamilyHandles& families_;
  rocksdb::WriteBatch batch_;
  std::optional<Family> missing_;
};

}  // namespace

absl::StatusOr<std::unique_ptr<RocksDbStore>> RocksDbStore::Open(const std::string& dir) {
  rocksdb::Options options;
  options.create_if_missing = true;
  options.create_missing_column_families = true;
  options.IncreaseParallelism(2);
  // A node's memory must not grow with its store or its number of column families: all
  // memtables together are capped (flushed early when the cap is reached), each at 16 MiB.
  options.db_write_buffer_size = 64 << 20;
  options.write_buffer_size = 16 << 20;
  // Bloom filters: most point reads of replication ask for keys that are absent (a version not
  // yet held, a provenance not recorded), which a filter answers without reading a block.
  rocksdb::BlockBasedTableOptions table;
  table.filter_policy.reset(rocksdb::NewBloomFilterPolicy(10));
  options.table_factory.reset(rocksdb::NewBlockBasedTableFactory(table));
  rocksdb::ColumnFamilyOptions family_options(options);
  // The default family first, then every Family in order.
  std::vector<rocksdb::ColumnFamilyDescriptor> families = {
      {rocksdb::kDefaultColumnFamilyName, family_options}};
  for (const char* name : kFamilyNames) families.push_back({name, family_options});
  // A record's versions share its id as their prefix, and "the latest version of an id" is the
  // most frequent question the node asks (every publish, receipt, link and read): with prefix
  // filters in the memtable and the tables, the seek for an id that is absent (every new record)
  // skips them instead of searching each. Only RecordStore::LatestVersion iterates this family
  // within one id (CursorOptions::within_prefix); readers opening the store without this option
  // still read it in full.
  rocksdb::ColumnFamilyOptions& records = families[1 + kRecords].options;
  records.prefix_extractor.reset(rocksdb::NewFixedPrefixTransform(store_keys::kIdBytes));
  records.memtable_prefix_bloom_size_ratio = 0.02;
  std::vector<rocksdb::ColumnFamilyHandle*> handles;
  rocksdb::DB* db = nullptr;
  rocksdb::Status s = rocksdb::DB::Open(rocksdb::DBOptions(options), dir, families, &handles, &db);
  if (!s.ok()) {
    // RocksDB's lock file is held by another process: not a fault of the disk.
    if (s.IsIOError() && absl::StrContains(s.ToString(), "lock")) {
      return absl::FailedPreconditionError(absl::StrCat(
          "cannot open store ", dir, ": ", s.ToString(), " (is another nexusd using it?)"));
    }
    if (s.IsIOError() || s.IsCorruption()) {
      return StorageFault(absl::StrCat(
          "cannot read store ", dir, ": ", s.ToString(),
          "; this is a storage fault, not a verification failure: check the disk and the data "
          "directory, then start again"));
    }
    return absl::UnavailableError(absl::StrCat("cannot open store ", dir, ": ", s.ToString()));
  }
  std::unique_ptr<RocksDbStore> store(new RocksDbStore(db, std::move(handles), false));
  // Opened in Family order, so the handles are the families.
  for (size_t i = 0; i < store->handles_.size(); ++i) store->by_family_[i] = store->handles_[i];
  return store;
}

absl::StatusOr<std::unique_ptr<RocksDbStore>> RocksDbStore::OpenReadOnly(const std::string& dir) {
  std::vector<std::string> names;
  rocksdb::Status s = rocksdb::DB::ListColumnFamilies(rocksdb::DBOptions(), dir, &names);
  if (!s.ok()) {
    return absl::UnavailableError(
        absl::StrCat("cannot read ", dir, " as a nexusd data directory: ", s.ToString()));
  }
  std::vector<rocksdb::ColumnFamilyDescriptor> families;
  for (const std::string& name : names) families.emplace_back(name, rocksdb::ColumnFamilyOptions());
  rocksdb::DBOptions options;
  // Table files are read through a memory map: a full verification reads every block once, and
  // a map spares a read call and a copy per block (checksums are verified all the same).
  options.allow_mmap_reads = true;
  std::vector<rocksdb::ColumnFamilyHandle*> handles;
  rocksdb::DB* db = nullptr;
  s = rocksdb::DB::OpenForReadOnly(options, dir, families, &handles, &db);
  if (!s.ok()) return absl::UnavailableError(absl::StrCat("cannot open ", dir, ": ", s.ToString()));
  std::unique_ptr<RocksDbStore> store(new RocksDbStore(db, std::move(handles), true));
  // Families are found by name (families.h); one this release does not know stays unused.
  for (size_t i = 0; i < names.size(); ++i) {
    for (int family = kDefault; family < kFamilyCount; ++family) {
      if (names[i] == FamilyName(static_cast<Family>(family))) {
        store->by_family_[family + 1] = store->handles_[i];
      }
    }
  }
  return store;
}

RocksDbStore::RocksDbStore(rocksdb::DB* db, std::vector<rocksdb::ColumnFamilyHandle*> handles,
                           bool read_only)
    : db_(db), handles_(std::move(handles)), read_only_(read_only) {}

RocksDbStore::~RocksDbStore() {
  if (!read_only_) {
    // A clean stop flushes the memtables, so that the next start replays no write-ahead log: up
    // to db_write_buffer_size of it, seconds on a slow disk, before the node can serve. A
    // failure only costs that replay.
    (void)Flush();
  }
  for (rocksdb::ColumnFamilyHandle* handle : handles_) db_->DestroyColumnFamilyHandle(handle);
  if (!read_only_) db_->Close();
  delete db_;
}

bool RocksDbStore::HasFamily(Family family) const { return by_family_[family + 1] != nullptr; }

absl::StatusOr<std::string> RocksDbStore::Get(Family family, absl::string_view key,
                                              const Snapshot* snapshot) const {
  rocksdb::ColumnFamilyHandle* handle = by_family_[family + 1];
  if (handle == nullptr) {
    return absl::NotFoundError(absl::StrCat("the store has no family ", FamilyName(family)));
  }
  rocksdb::ReadOptions options;
  options.snapshot = Unwrap(snapshot);
  std::string value;
  if (rocksdb::Status s = db_->Get(options, handle, Slice(key), &value); !s.ok()) {
    return FromRocks(s);
  }
  return value;
}

absl::Status RocksDbStore::Contains(Family family, absl::string_view key) const {
  rocksdb::ColumnFamilyHandle* handle = by_family_[family + 1];
  if (handle == nullptr) {
    return absl::NotFoundError(absl::StrCat("the store has no family ", FamilyName(family)));
  }
  // Pinned in the block cache, not copied.
  rocksdb::PinnableSlice value;
  return FromRocks(db_->Get(rocksdb::ReadOptions(), handle, Slice(key), &value));
}

std::unique_ptr<Cursor> RocksDbStore::NewCursor(Family family, const CursorOptions& options) const {
  rocksdb::ColumnFamilyHandle* handle = by_family_[family + 1];
  if (handle == nullptr) return std::make_unique<EmptyCursor>();
  rocksdb::ReadOptions read;
  read.prefix_same_as_start = options.within_prefix;
  // Without it a family with a prefix extractor would answer a seek from its prefix filters
  // only, and a cursor could stop at a key it never compared: every other cursor reads in key
  // order (a no-op for a family without an extractor, which is every family but records).
  read.total_order_seek = !options.within_prefix;
  read.snapshot = Unwrap(options.snapshot);
  read.fill_cache = options.fill_cache;
  read.readahead_size = options.readahead_bytes;
  return std::make_unique<RocksDbCursor>(db_->NewIterator(read, handle));
}

std::unique_ptr<Batch> RocksDbStore::NewBatch() const {
  return std::make_unique<RocksDbBatch>(by_family_);
}

absl::Status RocksDbStore::Write(Batch& batch, bool sync) {
  RocksDbBatch& rocks = static_cast<RocksDbBatch&>(batch);
  if (rocks.missing().has_value()) {
    return absl::InternalError(
        absl::StrCat("a write to the family ", FamilyName(*rocks.missing()),
                     ", which the store does not have: nothing of the batch is written"));
  }
  rocksdb::WriteOptions options;
  options.sync = sync;
  return FromRocks(db_->Write(options, &rocks.batch()));
}

std::unique_ptr<Snapshot> RocksDbStore::NewSnapshot() const {
  return std::make_unique<RocksDbSnapshot>(db_);
}

absl::Status RocksDbStore::Flush() {
  return FromRocks(db_->Flush(rocksdb::FlushOptions(), handles_));
}

absl::Status RocksDbStore::Checkpoint(const std::string& directory) {
  rocksdb::Checkpoint* raw = nullptr;
  if (absl::Status s = FromRocks(rocksdb::Checkpoint::Create(db_, &raw)); !s.ok()) return s;
  std::unique_ptr<rocksdb::Checkpoint> checkpoint(raw);
  // log_size_for_flush 0: every family's memtable is flushed first, so that the copy holds its
  // table files and no write-ahead log need be replayed to open it.
  return FromRocks(checkpoint->CreateCheckpoint(directory, /*log_size_for_flush=*/0));
}

StoreLoad RocksDbStore::Load() const {
  using Properties = rocksdb::DB::Properties;
  // Per family, summed over the families; a property the engine cannot give reads as 0.
  auto summed = [&](const std::string& name) {
    uint64_t value = 0;
    return db_->GetAggregatedIntProperty(name, &value) ? value : 0;
  };
  auto whole = [&](const std::string& name) {
    uint64_t value = 0;
    return db_->GetIntProperty(name, &value) ? value : 0;
  };
  StoreLoad load;
  load.pending_compaction_bytes = summed(Properties::kEstimatePendingCompactionBytes);
  load.memtable_bytes = summed(Properties::kCurSizeAllMemTables);
  load.table_bytes = summed(Properties::kLiveSstFilesSize);
  load.running_compactions = whole(Properties::kNumRunningCompactions);
  load.running_flushes = whole(Properties::kNumRunningFlushes);
  load.writes_stopped = whole(Properties::kIsWriteStopped) != 0;
  load.delayed_write_rate = whole(Properties::kActualDelayedWriteRate);
  return load;
}

}  // namespace nexus::storage
