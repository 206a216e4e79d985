// The node's RocksDB database and its column families (records, feed, indicators, and the audit
// log's). Opened once per node and shared by RecordStore and AuditLog.
#ifndef NEXUS_SERVER_STORAGE_H_
#define NEXUS_SERVER_STORAGE_H_

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "common/storage/families.h"
#include "common/storage/rocksdb_store.h"
#include "common/storage/storage_fault.h"

namespace nexus {

class Storage {
 public:
  // The column families (common/storage/families.h), named as Storage::kRecords and so on.
  using Family = storage::Family;
  using enum storage::Family;

  // Opens (creating if needed) the database in `dir`. A store that cannot be read (I/O error,
  // checksum mismatch) is a StorageFault; one locked by another process is FailedPrecondition.
  static absl::StatusOr<std::unique_ptr<Storage>> Open(const std::string& dir);

  storage::Store* store() const { return store_.get(); }
  rocksdb::DB* db() const { return store_->raw_db(); }
  rocksdb::ColumnFamilyHandle* family(Family family) const { return store_->raw_family(family); }

 private:
  explicit Storage(std::unique_ptr<storage::RocksDbStore> store) : store_(std::move(store)) {}
  std::unique_ptr<storage::RocksDbStore> store_;
};

}  // namespace nexus

#endif  // NEXUS_SERVER_STORAGE_H_
