// The receiving side of replication: every version a peer sends is checked as if it came from a
// stranger (the origin's signature against this node's own membership keys, every disclosed part
// against its signed digest, the originator's limits for this node as holder) before the store
// takes it, with the peer's new cursor, in one WriteBatch.
#ifndef NEXUS_SERVER_REPLICATION_INTAKE_H_
#define NEXUS_SERVER_REPLICATION_INTAKE_H_

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "common/keyring.h"
#include "nexus/v1/federation_service.pb.h"
#include "nexus/v1/node_config.pb.h"
#include "policy/federation.h"
#include "server/call_context.h"
#include "server/peer_registry.h"
#include "server/record_store.h"

namespace nexus {

class ReplicationIntake {
 public:
  // Most versions one batch may carry (a sender's batches hold at most 256); a larger batch is
  // refused whole, audited once, and ends the stream.
  static constexpr int kMaxBatchVersions = 1024;

  // `keys` and `store` must outlive this.
  ReplicationIntake(const v1::NodeConfig& config, const Keyring* keys, RecordStore* store);

  // Checks and stores `batch` from `peer` (whose node certificate `call` is), on top of the
  // peer's durable `state`. Refused versions are audited with the reason and the peer, counted,
  // and not stored; the rest of the batch goes on. Returns the new durable state, or why nothing
  // of the batch was stored (the cursor then stays where it was).
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
                      const std::string& detail = "");

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
class IntakeSession {
 public:
  // Begins receiving from `call`'s agency. FailedPrecondition if a stream from it is open.
  static absl::StatusOr<std::unique_ptr<IntakeSession>> Open(ReplicationIntake* intake,
                                                             RecordStore* store,
                                                             PeerRegistry* registry,
                                                             const CallContext& call);
  ~IntakeSession();

  // The opaque cursor of the peer's feed to resume after.
  uint64_t cursor() const { return state_.cursor(); }
  // Takes one message of the stream: a batch is checked and stored (with the new cursor), a
  // heartbeat only noted. An error means nothing of the batch was stored.
  absl::Status Take(const v1::ReplicationBatch& batch);
  // The same from the message's bytes as the peer sent them, decoded into `batch`: bytes that do
  // not decode as a ReplicationBatch are refused (InvalidArgument), audited and logged; the
  // stream should end.
  absl::Status TakeBytes(absl::string_view bytes, v1::ReplicationBatch& batch);
  // The stream ended with an error the peer's bytes caused (a message over the size limit, a
  // frame gRPC could not read): audited and logged like a refused message. Returns `how`.
  absl::Status RefuseStream(const absl::Status& how);
  // How the stream ended, for the peer's status.
  void Finish(const absl::Status& how) { how_ = how; }

 private:
  IntakeSession(ReplicationIntake* intake, PeerRegistry* registry, CallContext call,
                v1::PeerCursor state)
      : intake_(intake), registry_(registry), call_(std::move(call)), state_(std::move(state)) {}
  ReplicationIntake* intake_;
  PeerRegistry* registry_;
  CallContext call_;
  v1::PeerCursor state_;
  absl::Status how_;
  uint64_t messages_ = 0;  // messages taken on this stream
};

}  // namespace nexus

#endif  // NEXUS_SERVER_REPLICATION_INTAKE_H_
