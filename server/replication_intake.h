// The receiving side of replication: every version a peer sends is checked as if it came from a
// stranger (the origin's signature against this node's own membership keys, every disclosed part
// against its signed digest, the originator's limits for this node as holder) before the store
// takes it, with the peer's new cursor, in one WriteBatch.
#ifndef NEXUS_SERVER_REPLICATION_INTAKE_H_
#define NEXUS_SERVER_REPLICATION_INTAKE_H_

#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "common/keyring.h"
#include "nexus/v1/federation_service.pb.h"
#include "nexus/v1/node_config.pb.h"
#include "policy/federation.h"
#include "server/call_context.h"
#include "server/peer_registry.h"
#include "server/record_store.h"
#include "server/stream_pipeline.h"

namespace nexus {

class ReplicationIntake {
 public:
  // Most versions one batch may carry (a sender's batches hold at most 256); a larger batch is
  // refused whole, audited once, and ends the stream.
  static constexpr int kMaxBatchVersions = 1024;

  // `keys` and `store` must outlive this.
  ReplicationIntake(const v1::NodeConfig& config, const Keyring* keys, RecordStore* store);

  // Checks `batch` from `peer` (whose node certificate `call` is), on every core: the versions
  // ready to store, and the refused ones described for the audit log (with the reason and the
  // peer); the rest of the batch goes on. A batch refused as a whole is audited here and ends
  // the stream. The result's `state` is left to Store.
  absl::StatusOr<ReceivedBatch> CheckBatch(const CallContext& call, const std::string& peer,
                                           const v1::ReplicationBatch& batch) const;
  // Stores a checked batch durably, on top of the peer's durable `state` (which carries the
  // batch's new cursor), in one WriteBatch: the new durable state, or why nothing of the batch
  // was stored (the cursor then stays where it was).
  absl::StatusOr<RecordStore::ReceiveResult> Store(ReceivedBatch checked, v1::PeerCursor state);
  // CheckBatch, then Store on top of `state` with the batch's cursor.
  absl::StatusOr<RecordStore::ReceiveResult> Receive(const CallContext& call,
                                                     const std::string& peer,
                                                     const v1::ReplicationBatch& batch,
                                                     const v1::PeerCursor& state);

  // Whether this node may hold `record` as `peer` sent it outside a batch (in a link alert):
  // the same checks as a replicated version's, but a record of this node's own agency is
  // only verified.
  absl::Status CheckHeld(const std::string& peer, const v1::SignedRecord& record) const;

  // Audits (RECEIVE, REFUSED, naming the peer and the reason) and logs what the peer sent that
  // this node refuses as a whole; returns `refusal`, or the audit failure.
  absl::Status Refuse(const CallContext& call, const absl::Status& refusal,
                      const std::string& detail = "") const;

 private:
  // The version, ready to store, or why this node refuses to hold it.
  absl::StatusOr<ReceivedVersion> Check(const std::string& peer,
                                        const v1::ReplicatedVersion& replicated) const;

  std::string agency_id_;
  size_t max_record_bytes_;
  policy::Federation federation_;
  const Keyring* keys_;
  RecordStore* store_;
};

// One stream of versions from one peer (a Replicate stream this node opened, or a Push the peer
// opened): holds the peer's durable state between batches. Only one may be open per peer.
//
// Two stages: the stream's thread checks batch N+1 (signatures, on every core) while the
// session's thread stores batch N (the durable write), in order. Each stored batch's state is
// the next one's base, so the cursor and the counts stay what one batch after another would
// make them.
class IntakeSession {
 public:
  // Told, on the session's thread, the peer's cursor once a batch up to it is durable.
  using StoredFn = std::function<void(uint64_t cursor)>;
  // Begins receiving from `call`'s agency. FailedPrecondition if a stream from it is open.
  static absl::StatusOr<std::unique_ptr<IntakeSession>> Open(ReplicationIntake* intake,
                                                             RecordStore* store,
                                                             PeerRegistry* registry,
                                                             const CallContext& call,
                                                             StoredFn stored = nullptr);
  // Stores what was taken before the session ends.
  ~IntakeSession();

  // The opaque cursor of the peer's feed to resume after: the durable one, which may be a batch
  // behind the last one taken (Drain waits for that one).
  uint64_t cursor() const ABSL_LOCKS_EXCLUDED(mu_);
  // Takes one message of the stream: a batch is checked and handed over to be stored (with the
  // new cursor), a heartbeat only noted once what came before it is stored. An error (this
  // batch refused as a whole, or an earlier batch that could not be stored) ends the stream:
  // nothing after the last stored batch is stored.
  absl::Status Take(const v1::ReplicationBatch& batch);
  // The same from the message's bytes as the peer sent them, decoded into `batch`: bytes that do
  // not decode as a ReplicationBatch are refused (InvalidArgument), audited and logged; the
  // stream should end.
  absl::Status TakeBytes(absl::string_view bytes, v1::ReplicationBatch& batch);
  // Waits until every batch taken is stored: why one could not be, if one could not.
  absl::Status Drain() ABSL_LOCKS_EXCLUDED(mu_);
  // The stream ended with an error the peer's bytes caused (a message over the size limit, a
  // frame gRPC could not read): audited and logged like a refused message. Returns `how`.
  absl::Status RefuseStream(const absl::Status& how);
  // How the stream ended, for the peer's status, once what was taken is stored: `how`, or why a
  // batch taken could not be stored. Returns that.
  absl::Status Finish(const absl::Status& how) ABSL_LOCKS_EXCLUDED(mu_);

 private:
  // A message checked by the stream's thread, waiting to be stored by the session's.
  struct Checked {
    std::optional<ReceivedBatch> batch;  // none for a heartbeat
    uint64_t cursor = 0;
    bool caught_up = false;
  };
  IntakeSession(ReplicationIntake* intake, PeerRegistry* registry, CallContext call,
                v1::PeerCursor state, StoredFn stored);
  // On the session's thread: stores `checked` on top of the durable state. False if it could
  // not (the failure kept for the stream's thread).
  bool Store(Checked checked) ABSL_LOCKS_EXCLUDED(mu_);
  // The failure that stopped storing, once the stream's thread sees the pipeline stopped.
  absl::Status Failure() const ABSL_LOCKS_EXCLUDED(mu_);

  ReplicationIntake* intake_;
  PeerRegistry* registry_;
  CallContext call_;
  const StoredFn stored_;
  uint64_t messages_ = 0;  // messages taken on this stream (the stream's thread only)
  mutable absl::Mutex mu_;
  v1::PeerCursor state_ ABSL_GUARDED_BY(mu_);
  absl::Status failed_ ABSL_GUARDED_BY(mu_);
  absl::Status how_ ABSL_GUARDED_BY(mu_);
  StreamPipeline<Checked> pipeline_;  // last: its thread starts once every member above is made
};

}  // namespace nexus

#endif  // NEXUS_SERVER_REPLICATION_INTAKE_H_
