// The node's durable store of signed records (key layout in store_keys.h):
//   records     id | version          -> SignedRecord, exactly as signed; every version is kept
//   feed        cursor                -> id | version; the change feed that pulls follow
//   indicators  type | normalized | 0 | id | version -> (empty); search by indicator value
//   provenance  id | version | peer -> (empty); the peer nodes a received version came through
//   equivocations id | version | sha256(manifest) -> SignedRecord; another manifest the origin
//               signed for a version already held: evidence, never served as the record
//   peer_state  peer -> PeerCursor; the cursor of the peer's feed and what came of it
// One record version is written in one group-committed batch together with the audit entry
// that describes it: a version is never stored without its entry, and an entry never claims a
// version that was not stored. The entry binds the version: its target names the id, version,
// SHA-256 of the signed manifest and feed position, so a verifier can cross-check the store
// against the log both ways (nexusctl audit verify --offline).
#ifndef NEXUS_SERVER_RECORD_STORE_H_
#define NEXUS_SERVER_RECORD_STORE_H_

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "common/storage/store.h"
#include "nexus/v1/audit.pb.h"
#include "nexus/v1/federation.pb.h"
#include "nexus/v1/record.pb.h"
#include "server/audit_log.h"
#include "server/commit_queue.h"

namespace nexus {

// One version of one record, ready to store.
struct RecordWrite {
  std::string id;
  uint64_t version = 0;
  std::string origin;  // the agency that signed it; an id held for another is refused
  // The node minted `id` just now (a random UUID), so no earlier version can exist and the
  // version check may skip the read.
  bool minted_id = false;
  v1::SignedRecord record;
  // `record` serialized, by the writer (the publisher does it on its preparing cores, so that the
  // commit's one thread does not); empty: the store serializes it.
  std::string record_bytes;
  std::vector<std::pair<v1::IndicatorType, std::string>> indicators;  // normalized, for the index
  // SHA-256 of the authored content (all but id, origin, version and times), so that the same
  // content pushed again is found (RecordsWithContent); empty: not indexed.
  std::string content_digest;
  // Who asked, and what; the store fills in the target, the outcome and the sequence.
  v1::AuditEntry audit;
};

struct WriteOutcome {
  absl::Status status;  // FailedPrecondition if the version is not the next one for its id
  uint64_t cursor = 0;  // feed position of the stored version
  // Its audit entry (stored or refused) is durable. Not for a lost version race (ABORTED): the
  // writer prepares the draft again and audits what becomes of it.
  bool audited = false;
};

// One version received from a peer node. The receiver has verified it (signature, disclosed parts,
// originator limits); the store decides, as commit leader, whether it is new.
struct ReceivedVersion {
  std::string id;
  uint64_t version = 0;
  std::string origin;
  v1::Tlp tlp = v1::TLP_UNSPECIFIED;  // as its header says, for the audit entry
  v1::SignedRecord record;
  std::vector<std::pair<v1::IndicatorType, std::string>> indicators;  // disclosed, normalized
  // What the peer said of whose policy withheld the absent parts (CredibleNotes): kept with its
  // provenance, for this node's readers.
  std::vector<v1::WithheldNote> notes;
};

enum class ReceiveOutcome {
  kStored,            // a new version: stored, fed and indexed
  kUnchanged,         // this very version (same signed manifest) is already held
  kDisclosuresAdded,  // already held; parts it withheld are now disclosed, verified, added
  kEquivocation,      // already held with another signed manifest: kept as evidence only
  kRefused,           // the id is held for another origin
};

// A batch received from one peer, stored with the peer's new state in one batch.
struct ReceivedBatch {
  std::string peer;
  std::vector<ReceivedVersion> versions;
  v1::PeerCursor state;  // the peer's state before the batch, with the batch's new cursor
  // Who received it; the store adds one entry per outcome class (see Receive).
  v1::AuditEntry audit;
  // Versions the receiver refused before storing (already described): audited in the batch.
  std::vector<v1::AuditEntry> refusals;
};

class RecordStore : public CommitParticipant {
 public:
  // `storage`, `queue` and `audit` must outlive the store.
  RecordStore(storage::Store* storage, CommitQueue* queue, AuditLog* audit);
  // Leaves the commit queue (once no batch uses the store).
  ~RecordStore() override;

  // Stores each write whose version is exactly one more than the latest stored for its id (1 for
  // a new id) and whose id is not held for another origin, each with its audit entry; a refused
  // write gets a refusal entry instead. These rules are checked here, by the commit leader, so
  // that no race between writers can break them. Returns
  // one outcome per write, in order, once all of it is durable.
  std::vector<WriteOutcome> Write(std::vector<RecordWrite> writes);

  // Stores a batch received from `batch.peer`, its audit entries and the peer's new state (counts
  // updated by the outcomes), in one batch: a crash loses or repeats nothing. Entries: one
  // (OK) binding every stored version, one (UNCHANGED) naming versions already held, one per
  // equivocation or refusal. Returns one outcome per version and the peer's durable new state.
  struct ReceiveResult {
    std::vector<ReceiveOutcome> outcomes;
    v1::PeerCursor state;
  };
  absl::StatusOr<ReceiveResult> Receive(ReceivedBatch batch);

  // The stored state of `peer` (empty if nothing was ever received from it).
  absl::StatusOr<v1::PeerCursor> PeerState(absl::string_view peer) const;
  // Whether this version came from `peer` (so it is never sent back to it).
  bool ReceivedFrom(absl::string_view id, uint64_t version, absl::string_view peer) const;
  // The first peer (by name) this version came through; empty for the node's own records.
  std::string ReceivedVia(absl::string_view id, uint64_t version) const;
  // What that peer said of whose policy withheld the parts this version arrived without.
  std::vector<v1::WithheldNote> UpstreamNotes(absl::string_view id, uint64_t version) const;
  // Other manifests the origin signed for this version, kept as evidence.
  std::vector<v1::SignedRecord> Equivocations(absl::string_view id, uint64_t version) const;

  // Blocks until the feed holds a position after `cursor` or `timeout` passes; returns the last
  // durable position. Driven by the commit, not by polling.
  uint64_t WaitForFeedAfter(uint64_t cursor, absl::Duration timeout) const ABSL_LOCKS_EXCLUDED(mu_);

  // The latest stored version of `id`; NotFound if none.
  absl::StatusOr<uint64_t> LatestVersion(absl::string_view id) const;
  // Whether version `version` of `id` is stored: a point read, which the whole-key filters answer
  // for an absent version without reading a block. Versions only grow, so "the latest is still
  // v" is "v + 1 is not stored". An error of the store answers true (the caller decides again).
  bool Holds(absl::string_view id, uint64_t version) const;
  // One version of `id`, or the latest if `version` is 0; NotFound if absent.
  absl::StatusOr<v1::SignedRecord> Get(absl::string_view id, uint64_t version) const;

  // Visits feed entries after `since`, oldest first, while `visit` returns true. A damaged feed
  // entry (no such record, an unreadable one, or one whose header names another id or version
  // than the feed's key) is logged, skipped and its position added to `skipped` (if given; 0,
  // which no entry has, for a key that is not an 8-byte position): one bad entry never ends a
  // pull.
  using FeedVisitor = std::function<bool(uint64_t cursor, const v1::SignedRecord& record)>;
  absl::Status ScanFeed(uint64_t since, const FeedVisitor& visit,
                        std::vector<uint64_t>* skipped = nullptr) const;

  // Visits (id, version) of every stored version with this normalized indicator, while `visit`
  // returns true.
  using IndexVisitor = std::function<bool(absl::string_view id, uint64_t version)>;
  absl::Status FindIndicator(v1::IndicatorType type, absl::string_view normalized,
                             const IndexVisitor& visit) const;

  // Ids of this node's own records some version of which had this authored-content digest
  // (candidates: the caller compares the latest version's content).
  absl::StatusOr<std::vector<std::string>> RecordsWithContent(absl::string_view digest) const;

  // Whether the stored record itself carries this normalized indicator. The index alone is not
  // evidence: a key planted in it must not make a record a hit.
  static bool CarriesIndicator(const v1::SignedRecord& record, v1::IndicatorType type,
                               absl::string_view normalized);

  uint64_t last_cursor() const ABSL_LOCKS_EXCLUDED(mu_);

  // When this node stored the version at feed `position` (unix µs; TAXII's date_added). Times
  // rise strictly with position, so that "added after" is a place in the feed. 0 for a
  // position stored before the node kept times, or none.
  absl::StatusOr<int64_t> AddedAt(uint64_t position) const;
  // The feed position of a stored version; 0 if it was stored before the node kept positions
  // by version (or is not stored).
  absl::StatusOr<uint64_t> PositionOf(absl::string_view id, uint64_t version) const;
  // The last feed position stored at or before `micros` (0 if none): what was added after
  // `micros` follows it.
  absl::StatusOr<uint64_t> LastAddedBy(int64_t micros) const;

  // The audit log the store writes its entries to.
  AuditLog* audit() const { return audit_; }

  void BeginBatch() override ABSL_LOCKS_EXCLUDED(stage_mu_, mu_);
  void EndBatch(bool durable) override ABSL_LOCKS_EXCLUDED(stage_mu_, mu_);

 private:
  // Stages `write` into `batch` (leader only); fills `outcome`.
  void Stage(RecordWrite& write, WriteOutcome& outcome, storage::Batch& batch)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(stage_mu_);
  // The one place a version enters the store, own or received: record (as `record_bytes`, its
  // serialized form), feed, index. Returns its feed position.
  uint64_t StageVersion(const std::string& id, uint64_t version, std::string record_bytes,
                        const std::vector<std::pair<v1::IndicatorType, std::string>>& indicators,
                        storage::Batch& batch) ABSL_EXCLUSIVE_LOCKS_REQUIRED(stage_mu_);
  // The index entries of `indicators` of (id, version): each normalized value, and the parts a
  // structured form is also found by (a plate, an IMO number, a bare name).
  static void StageIndicators(
      absl::string_view id, uint64_t version,
      const std::vector<std::pair<v1::IndicatorType, std::string>>& indicators,
      storage::Batch& batch);
  // Gives a store written before feed times and positions were kept both, at its first open.
  // From the constructor only, before the store is shared.
  void FillFeedIndexes() ABSL_NO_THREAD_SAFETY_ANALYSIS;
  // Stages one received version; `target` describes it for the audit entry.
  ReceiveOutcome StageReceived(const std::string& peer, ReceivedVersion& version,
                               v1::AuditEntry& equivocation, storage::Batch& batch)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(stage_mu_);
  // The version as held: staged in this batch, or stored.
  std::optional<v1::SignedRecord> Held(const std::string& record_key) const
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(stage_mu_);

  storage::Store* storage_;
  CommitQueue* queue_;
  AuditLog* audit_;

  mutable absl::Mutex mu_;
  uint64_t last_cursor_ ABSL_GUARDED_BY(mu_);    // durable
  int64_t last_added_ ABSL_GUARDED_BY(mu_) = 0;  // the time of the last durable position

  // State of the batch being staged. Only the commit leader touches it, one batch at a time;
  // the mutex (never contended) lets the compiler check that claim. Taken before mu_.
  absl::Mutex stage_mu_ ABSL_ACQUIRED_BEFORE(mu_);
  uint64_t staged_cursor_ ABSL_GUARDED_BY(stage_mu_) = 0;
  int64_t staged_added_ ABSL_GUARDED_BY(stage_mu_) = 0;  // the last staged version's time
  std::map<std::string, uint64_t, std::less<>> staged_versions_ ABSL_GUARDED_BY(stage_mu_);
  // Versions staged in this batch, by record key: a version arriving twice in one batch (two
  // peers) is compared with the first copy, not stored twice; ownership is checked against it.
  // Kept serialized, as stored: most are never read again.
  std::map<std::string, std::string, std::less<>> staged_records_ ABSL_GUARDED_BY(stage_mu_);
};

}  // namespace nexus

#endif  // NEXUS_SERVER_RECORD_STORE_H_
