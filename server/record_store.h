// The node's durable store of signed records, in RocksDB.
//
// Column families (key layout in store_keys.h):
//   records     id | version          -> SignedRecord, exactly as signed; every version is kept
//   feed        cursor                -> id | version; the change feed that pulls follow
//   indicators  type | normalized | 0 | id | version -> (empty); search by indicator value
// One record version is one WriteBatch across all three. Concurrent writers are grouped into one
// synced write (group commit): Write() returns only once its records are durable.
#ifndef NEXUS_SERVER_RECORD_STORE_H_
#define NEXUS_SERVER_RECORD_STORE_H_

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "nexus/v1/record.pb.h"

namespace rocksdb {
class DB;
class ColumnFamilyHandle;
}  // namespace rocksdb

namespace nexus {

// One version of one record, ready to store.
struct RecordWrite {
  std::string id;
  uint64_t version = 0;
  // The node minted `id` just now (a random UUID), so no earlier version can exist and the
  // version check may skip the read.
  bool minted_id = false;
  v1::SignedRecord record;
  std::vector<std::pair<v1::IndicatorType, std::string>> indicators;  // normalized, for the index
};

struct WriteOutcome {
  absl::Status status;  // FailedPrecondition if the version is not the next one for its id
  uint64_t cursor = 0;  // feed position of the stored version
};

class RecordStore {
 public:
  // Opens (creating if needed) the store in `dir`.
  static absl::StatusOr<std::unique_ptr<RecordStore>> Open(const std::string& dir);
  ~RecordStore();  // flushes and closes RocksDB

  RecordStore(const RecordStore&) = delete;
  RecordStore& operator=(const RecordStore&) = delete;

  // Stores each write whose version is exactly one more than the latest stored for its id (1 for
  // a new id). Returns one outcome per write, in order, once the accepted ones are durable.
  std::vector<WriteOutcome> Write(std::vector<RecordWrite> writes);

  // The latest stored version of `id`; NotFound if none.
  absl::StatusOr<uint64_t> LatestVersion(absl::string_view id) const;
  // One version of `id`, or the latest if `version` is 0; NotFound if absent.
  absl::StatusOr<v1::SignedRecord> Get(absl::string_view id, uint64_t version) const;

  // Visits feed entries after `since`, oldest first, while `visit` returns true.
  using FeedVisitor = std::function<bool(uint64_t cursor, const v1::SignedRecord& record)>;
  absl::Status ScanFeed(uint64_t since, const FeedVisitor& visit) const;

  // Visits (id, version) of every stored version with this normalized indicator, while `visit`
  // returns true.
  using IndexVisitor = std::function<bool(absl::string_view id, uint64_t version)>;
  absl::Status FindIndicator(v1::IndicatorType type, absl::string_view normalized,
                             const IndexVisitor& visit) const;

  uint64_t last_cursor() const;

 private:
  struct PendingGroup;
  RecordStore(rocksdb::DB* db, std::vector<rocksdb::ColumnFamilyHandle*> handles,
              uint64_t last_cursor);
  // Writes the groups at the front of the queue as one synced batch. Called by the leader only.
  void CommitGroups(const std::vector<PendingGroup*>& groups);

  rocksdb::DB* db_;
  rocksdb::ColumnFamilyHandle* records_;
  rocksdb::ColumnFamilyHandle* feed_;
  rocksdb::ColumnFamilyHandle* indicators_;
  std::vector<rocksdb::ColumnFamilyHandle*> handles_;

  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::deque<PendingGroup*> queue_;  // front is the leader, writing on behalf of a prefix
  uint64_t last_cursor_;             // guarded by mu_ for readers; advanced by the leader
};

}  // namespace nexus

#endif  // NEXUS_SERVER_RECORD_STORE_H_
