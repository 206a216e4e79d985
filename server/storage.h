// The node's RocksDB database and its column families (records, feed, indicators, and the audit
// log's). Opened once per node and shared by RecordStore and AuditLog.
#ifndef NEXUS_SERVER_STORAGE_H_
#define NEXUS_SERVER_STORAGE_H_

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "common/storage/families.h"

namespace rocksdb {
class DB;
class ColumnFamilyHandle;
}  // namespace rocksdb

namespace nexus {

// A read or open of the store that failed (an I/O error, a checksum that does not match): the
// disk or the data directory is at fault, which says nothing about the integrity of what is
// stored. Unavailable, marked so that nexusd exits with a code of its own (4), never the code of
// a log that fails verification.
absl::Status StorageFault(absl::string_view message);
bool IsStorageFault(const absl::Status& status);

class Storage {
 public:
  // The column families (common/storage/families.h), named as Storage::kRecords and so on.
  using Family = storage::Family;
  using enum storage::Family;

  // Opens (creating if needed) the database in `dir`. A store that cannot be read (I/O error,
  // checksum mismatch) is a StorageFault; one locked by another process is FailedPrecondition.
  static absl::StatusOr<std::unique_ptr<Storage>> Open(const std::string& dir);
  ~Storage();  // closes RocksDB cleanly

  rocksdb::DB* db() const { return db_; }
  rocksdb::ColumnFamilyHandle* family(Family family) const { return handles_[family + 1]; }

 private:
  Storage(rocksdb::DB* db, std::vector<rocksdb::ColumnFamilyHandle*> handles)
      : db_(db), handles_(std::move(handles)) {}
  rocksdb::DB* db_;
  std::vector<rocksdb::ColumnFamilyHandle*> handles_;  // [0] is the default family
};

}  // namespace nexus

#endif  // NEXUS_SERVER_STORAGE_H_
