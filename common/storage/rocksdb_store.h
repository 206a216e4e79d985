// The store (store.h) on RocksDB, the node's engine: a column family per storage::Family, in a
// data directory. Two ways to open one: the node's, read-write with its tuning, and the offline
// tools', read-only over a copy of a data directory. This header names no RocksDB type beyond
// the two declarations below, so that no user of the store depends on RocksDB's headers.
#ifndef NEXUS_COMMON_STORAGE_ROCKSDB_STORE_H_
#define NEXUS_COMMON_STORAGE_ROCKSDB_STORE_H_

#include <array>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "common/storage/store.h"

namespace rocksdb {
class DB;
class ColumnFamilyHandle;
}  // namespace rocksdb

namespace nexus::storage {

class RocksDbStore final : public Store {
 public:
  // Opens (creating if needed) the node's store in `dir`, with every family and the node's
  // tuning: bloom filters on every table, and on `records` a 36-byte prefix extractor (the id)
  // with prefix filters in the memtable and the tables, for CursorOptions::within_prefix. A
  // store that cannot be read (I/O error, checksum mismatch) is a StorageFault; one locked by
  // another process is FailedPrecondition.
  static absl::StatusOr<std::unique_ptr<RocksDbStore>> Open(const std::string& dir);
  // Opens `dir` read-only, for offline tools over a copy of a data directory: nothing in it is
  // changed, and it may be from an older release, lacking families (HasFamily). Opened without
  // the node's prefix extractor, so every family reads in total order. Unavailable if `dir`
  // cannot be read as a data directory.
  static absl::StatusOr<std::unique_ptr<RocksDbStore>> OpenReadOnly(const std::string& dir);
  // A read-write store flushes its memtables first (a clean stop replays no log at the next
  // start), then closes.
  ~RocksDbStore() override;
  RocksDbStore(const RocksDbStore&) = delete;
  RocksDbStore& operator=(const RocksDbStore&) = delete;

  bool HasFamily(Family family) const override;
  using Store::Get;
  absl::StatusOr<std::string> Get(Family family, absl::string_view key,
                                  const Snapshot* snapshot) const override;
  absl::Status Contains(Family family, absl::string_view key) const override;
  using Store::NewCursor;
  std::unique_ptr<Cursor> NewCursor(Family family, const CursorOptions& options) const override;
  std::unique_ptr<Batch> NewBatch() const override;
  absl::Status Write(Batch& batch, bool sync) override;
  std::unique_ptr<Snapshot> NewSnapshot() const override;
  absl::Status Flush() override;
  StoreLoad Load() const override;
  absl::Status Checkpoint(const std::string& directory) override;

  // The engine itself, for tests that damage a store as an outside editor would (drop a
  // family, corrupt a table file) while it is open. Nothing in the node or the tools uses them.
  rocksdb::DB* raw_db() const { return db_; }
  rocksdb::ColumnFamilyHandle* raw_family(Family family) const { return by_family_[family + 1]; }

 private:
  RocksDbStore(rocksdb::DB* db, std::vector<rocksdb::ColumnFamilyHandle*> handles, bool read_only);

  rocksdb::DB* const db_;
  // Every family opened (a read-only open also keeps those this release does not know).
  std::vector<rocksdb::ColumnFamilyHandle*> handles_;
  // By storage::Family, [0] being kDefault; null for a family the store lacks.
  std::array<rocksdb::ColumnFamilyHandle*, kFamilyCount + 1> by_family_{};
  const bool read_only_;
};

}  // namespace nexus::storage

#endif  // NEXUS_COMMON_STORAGE_ROCKSDB_STORE_H_
