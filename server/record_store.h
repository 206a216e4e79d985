// The node's durable store of signed records (key layout in store_keys.h):
//   records     id | version          -> SignedRecord, exactly as signed; every version is kept
//   feed        cursor                -> id | version; the change feed that pulls follow
//   indicators  type | normalized | 0 | id | version -> (empty); search by indicator value
// One record version is written in one group-committed WriteBatch together with the audit entry
// that describes it: a version is never stored without its entry, and an entry never claims a
// version that was not stored.
#ifndef NEXUS_SERVER_RECORD_STORE_H_
#define NEXUS_SERVER_RECORD_STORE_H_

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "nexus/v1/audit.pb.h"
#include "nexus/v1/record.pb.h"
#include "server/audit_log.h"
#include "server/commit_queue.h"
#include "server/storage.h"

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
  // Who asked, and what; the store fills in the target, the outcome and the sequence.
  v1::AuditEntry audit;
};

struct WriteOutcome {
  absl::Status status;   // FailedPrecondition if the version is not the next one for its id
  uint64_t cursor = 0;   // feed position of the stored version
  bool audited = false;  // its audit entry (stored or refused) is durable
};

class RecordStore : public CommitParticipant {
 public:
  // `storage`, `queue` and `audit` must outlive the store.
  RecordStore(Storage* storage, CommitQueue* queue, AuditLog* audit);

  // Stores each write whose version is exactly one more than the latest stored for its id (1 for
  // a new id), each with its audit entry; a refused write gets a refusal entry instead. Returns
  // one outcome per write, in order, once all of it is durable.
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

  // Whether version `version` of record `id` carries this normalized indicator.
  bool HasIndicator(v1::IndicatorType type, absl::string_view normalized, absl::string_view id,
                    uint64_t version) const;

  uint64_t last_cursor() const;

  void BeginBatch() override;
  void EndBatch(bool durable) override;

 private:
  // Stages `write` into `batch` (leader only); fills `outcome`.
  void Stage(RecordWrite& write, WriteOutcome& outcome, rocksdb::WriteBatch& batch);

  Storage* storage_;
  CommitQueue* queue_;
  AuditLog* audit_;

  mutable std::mutex mu_;
  uint64_t last_cursor_;  // durable; guarded by mu_
  // State of the batch being staged, touched only by the commit leader.
  uint64_t staged_cursor_ = 0;
  std::map<std::string, uint64_t, std::less<>> staged_versions_;
};

}  // namespace nexus

#endif  // NEXUS_SERVER_RECORD_STORE_H_
