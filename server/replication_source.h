// The serving side of replication, for a Replicate stream and for pushing alike: the versions of
// this node's feed after a peer's cursor that the peer may receive (the decision an analyst's
// pull takes, for the peer's agency), then new versions as their commit makes them durable, and
// heartbeats while idle. Nothing goes back where it came from: no version whose origin is the
// peer, none received from it.
#ifndef NEXUS_SERVER_REPLICATION_SOURCE_H_
#define NEXUS_SERVER_REPLICATION_SOURCE_H_

#include <functional>
#include <string>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "nexus/v1/federation_service.pb.h"
#include "server/call_context.h"
#include "server/cursor_cipher.h"
#include "server/peer_registry.h"
#include "server/policy_reoffers.h"
#include "server/record_store.h"
#include "server/shared_reads.h"

namespace nexus {

class ReplicationSource {
 public:
  // Every pointer must outlive this.
  // Batches stay under half of `max_message_bytes`.
  ReplicationSource(const RecordStore* store, const SharedReads* reads, const CursorCipher* cursors,
                    PeerRegistry* registry, PolicyReoffers* reoffers, size_t max_message_bytes);

  // Serves `call`'s agency (a peer) from its opaque cursor `since` through `send` until `send`
  // fails (the stream is gone: Cancelled), `stopped()` holds (OK), or a read or the audit log
  // fails. Every batch is audited before it is sent (AUDIT_ACTION_REPLICATE).
  // Before its first live pass, and whenever the sharing rules change, the stream offers the
  // peer what its pending re-offer (PolicyReoffers) holds: the versions the old rules held back
  // that the new ones permit. Those batches leave the peer's cursor where it was.
  absl::Status Serve(const CallContext& call, uint64_t since, absl::Duration heartbeat,
                     const std::function<bool(const v1::ReplicationBatch&)>& send,
                     const std::function<bool()>& stopped) const;

  // What waits for `peer` after feed position `from`: the positions, and how many of the
  // versions there it will receive (the decision its stream takes, no echo), counted over the
  // first `max_counted` positions. For `federation status`; nothing is sent or audited.
  struct Backlog {
    uint64_t positions = 0;
    uint64_t waiting = 0;
    bool counted_all = true;
  };
  absl::StatusOr<Backlog> BacklogOf(const std::string& peer, uint64_t from,
                                    uint64_t max_counted = 1000) const;

 private:
  // The common scan of a peer's stream: batch sizes, no echo.
  SharedReads::FeedScan ScanFor(const std::string& peer,
                                const std::function<bool()>& stopped) const;
  // Offers `call`'s agency its pending re-offer, if any; `cursor` is the one it holds.
  absl::Status Reoffer(const CallContext& call, uint64_t cursor,
                       const std::function<bool(const v1::ReplicationBatch&)>& send,
                       const std::function<bool()>& stopped) const;

  const RecordStore* store_;
  const SharedReads* reads_;
  const CursorCipher* cursors_;
  PeerRegistry* registry_;
  PolicyReoffers* reoffers_;
  size_t max_batch_bytes_;
};

}  // namespace nexus

#endif  // NEXUS_SERVER_REPLICATION_SOURCE_H_
