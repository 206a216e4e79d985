// The node's key-value store as every user of it sees it: column families (families.h) of byte
// keys in order, atomic batches (batch.h), cursors (cursor.h) and snapshots. The commit queue,
// the audit log, the record store, the witness state and the offline readers use only this;
// RocksDB is one implementation of it (RocksDbStore), and another engine would be one more.
//
// Errors are absl::Status: NotFound for a key that is absent (an answer, not a failure), a
// StorageFault (storage_fault.h) for a read or write the disk or the data failed (I/O error,
// checksum mismatch), Internal for anything else the engine refuses. The engine's own words
// are the message, so that a caller adding context keeps them.
#ifndef NEXUS_COMMON_STORAGE_STORE_H_
#define NEXUS_COMMON_STORAGE_STORE_H_

#include <cstddef>
#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "common/storage/batch.h"
#include "common/storage/cursor.h"
#include "common/storage/families.h"

namespace nexus::storage {

// A consistent view of the whole store at one moment: reads through it see no later write.
// Released when destroyed. REQUIRES: destroyed before its store.
class Snapshot {
 public:
  virtual ~Snapshot() = default;
};

struct CursorOptions {
  // Keys sharing the start key's prefix only, as the family's prefix extractor defines it
  // (records: the 36-byte id). The cursor stops being Valid() past that prefix, and the store's
  // prefix filters skip whatever cannot hold it: the seek for an absent id touches no table.
  // Meaningful only for a family with an extractor (the node's records); a store opened
  // without one (the offline readers') iterates in total order, so a caller still checks that
  // each key starts with its prefix. False: the whole family in key order, whatever its
  // extractor.
  bool within_prefix = false;
  // Read as of this snapshot (null: the latest). REQUIRES: of the same store, outliving the
  // cursor.
  const Snapshot* snapshot = nullptr;
  // A one-pass scan of a whole family reads each block once: keeping it cached would only
  // evict what the node keeps hot. False for such scans.
  bool fill_cache = true;
  // Bytes read ahead from table files for a long forward scan (0: the engine's default).
  size_t readahead_bytes = 0;
};

// What the engine is doing in the background that a writer may soon wait for, for the metrics
// endpoint: a store falling behind on compaction slows and then stops writes.
struct StoreLoad {
  uint64_t pending_compaction_bytes = 0;  // estimated bytes compaction must still rewrite
  uint64_t memtable_bytes = 0;            // held in memory, not yet in table files
  uint64_t table_bytes = 0;               // table files of the live version
  uint64_t running_compactions = 0;
  uint64_t running_flushes = 0;
  bool writes_stopped = false;      // writes wait until compaction catches up
  uint64_t delayed_write_rate = 0;  // bytes/s writes are slowed to (0: not slowed)
};

class Store {
 public:
  virtual ~Store() = default;

  // Whether the store has `family`. A node's store has every family; a copy of an older data
  // directory opened read-only may lack the later ones (the audit head, feed times...). A
  // missing family reads as empty: Get answers NotFound and a cursor holds no key.
  virtual bool HasFamily(Family family) const = 0;

  // The value of `key` in `family`, as of `snapshot` if one is given; NotFound if absent.
  virtual absl::StatusOr<std::string> Get(Family family, absl::string_view key,
                                          const Snapshot* snapshot) const = 0;
  absl::StatusOr<std::string> Get(Family family, absl::string_view key) const {
    return Get(family, key, nullptr);
  }
  // OK if `key` is in `family`, NotFound if not, copying no value: for the questions "is this
  // version held", "was this link acknowledged" that a bloom filter mostly answers.
  virtual absl::Status Contains(Family family, absl::string_view key) const = 0;

  // A cursor over `family`, unpositioned (call a Seek first). REQUIRES: destroyed before the
  // store.
  virtual std::unique_ptr<Cursor> NewCursor(Family family, const CursorOptions& options) const = 0;
  std::unique_ptr<Cursor> NewCursor(Family family) const { return NewCursor(family, {}); }

  // An empty batch for Write. REQUIRES: written to this store only.
  virtual std::unique_ptr<Batch> NewBatch() const = 0;
  // Applies `batch` atomically. With `sync`, returns only once the write is durable (the
  // write-ahead log is synced): acknowledged means on disk. A failure may leave the batch
  // partly in the log: the caller decides whether anything more may be written (the commit
  // queue's failures are sticky).
  virtual absl::Status Write(Batch& batch, bool sync) = 0;
  // One put or delete as a batch of its own.
  absl::Status Put(Family family, absl::string_view key, absl::string_view value, bool sync);
  absl::Status Delete(Family family, absl::string_view key, bool sync);

  virtual std::unique_ptr<Snapshot> NewSnapshot() const = 0;

  // Moves what every family holds in memory to table files, so that the next open replays no
  // write-ahead log.
  virtual absl::Status Flush() = 0;

  // What the engine reports of its background work now; zeros for what it does not report.
  virtual StoreLoad Load() const = 0;

  // A consistent copy of the whole store at one moment, as a directory the store can be opened
  // from, at `directory` (which must not exist; its parent must). Writes may go on meanwhile:
  // the copy holds every batch written before some point and none after.
  virtual absl::Status Checkpoint(const std::string& directory) = 0;
};

inline absl::Status Store::Put(Family family, absl::string_view key, absl::string_view value,
                               bool sync) {
  std::unique_ptr<Batch> batch = NewBatch();
  batch->Put(family, key, value);
  return Write(*batch, sync);
}

inline absl::Status Store::Delete(Family family, absl::string_view key, bool sync) {
  std::unique_ptr<Batch> batch = NewBatch();
  batch->Delete(family, key);
  return Write(*batch, sync);
}

}  // namespace nexus::storage

#endif  // NEXUS_COMMON_STORAGE_STORE_H_
