#include "server/storage.h"

#include "absl/status/status.h"
#include "absl/strings/cord.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "common/storage/store_keys.h"
#include "rocksdb/db.h"
#include "rocksdb/filter_policy.h"
#include "rocksdb/options.h"
#include "rocksdb/slice_transform.h"
#include "rocksdb/table.h"

namespace nexus {
namespace {
constexpr absl::string_view kStorageFaultPayload = "type.nexus/storage-fault";
}  // namespace

absl::Status StorageFault(absl::string_view message) {
  absl::Status status = absl::UnavailableError(message);
  status.SetPayload(kStorageFaultPayload, absl::Cord("1"));
  return status;
}

bool IsStorageFault(const absl::Status& status) {
  return status.GetPayload(kStorageFaultPayload).has_value();
}

absl::StatusOr<std::unique_ptr<Storage>> Storage::Open(const std::string& dir) {
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
  // The default family first, then every Storage::Family in order.
  std::vector<rocksdb::ColumnFamilyDescriptor> families = {
      {rocksdb::kDefaultColumnFamilyName, family_options}};
  for (const char* name : storage::kFamilyNames) families.push_back({name, family_options});
  // A record's versions share its id as their prefix, and "the latest version of an id" is the
  // most frequent question the node asks (every publish, receipt, link and read): with prefix
  // filters in the memtable and the tables, the seek for an id that is absent (every new record)
  // skips them instead of searching each. Only LatestVersion iterates this family, within one
  // id; readers opening the store without this option still read it in full.
  rocksdb::ColumnFamilyOptions& records = families[1 + storage::kRecords].options;
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
  return std::unique_ptr<Storage>(new Storage(db, std::move(handles)));
}

Storage::~Storage() {
  // A clean stop flushes the memtables, so that the next start replays no write-ahead log: up to
  // db_write_buffer_size of it, seconds on a slow disk, before the node can serve. A failure
  // only costs that replay.
  (void)db_->Flush(rocksdb::FlushOptions(), handles_);
  for (rocksdb::ColumnFamilyHandle* handle : handles_) db_->DestroyColumnFamilyHandle(handle);
  db_->Close();
  delete db_;
}

}  // namespace nexus
