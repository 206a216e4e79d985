// This node as a witness of its peers' audit logs. A node's signing key sits on its own disk, so
// only someone else can catch it rewriting its history and signing the rewrite: each node keeps
// the signed tree heads it verified of each peer, and accepts a new one only with a consistency
// proof from the last. A smaller tree is a rollback, another root or a failed proof is a fork:
// either raises an alarm that stays (audited, shown in federation status and to auditors).
//
//   peer_heads  peer | 0x00 | tree size (u64 BE) -> SignedCheckpoint, every head verified
//               peer | 0x01                      -> PeerWitness, the latest state and any alarm
#ifndef NEXUS_SERVER_PEER_WITNESS_H_
#define NEXUS_SERVER_PEER_WITNESS_H_

#include <map>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "common/keyring.h"
#include "common/storage/store.h"
#include "nexus/v1/audit.pb.h"
#include "nexus/v1/federation.pb.h"
#include "nexus/v1/federation_service.pb.h"
#include "server/audit_log.h"

namespace nexus {

class PeerWitness {
 public:
  // Every pointer must outlive this.
  PeerWitness(storage::Store* storage, const Keyring* keys, AuditLog* audit);

  // The state of `peer`'s log as witnessed so far (tree_size 0: nothing yet).
  v1::PeerWitness State(const std::string& peer) const;

  // Checks `head`, claimed by `peer` with `proof` from the size of the last head witnessed: its
  // signature under the peer's key, then consistency. Keeps it if it holds; otherwise raises the
  // alarm. Returns the new state, or an error when the check could not be made at all (the head
  // is not signed by the peer: audited too, but no alarm, since anyone could send that).
  absl::StatusOr<v1::PeerWitness> Check(const std::string& peer, const v1::SignedCheckpoint& head,
                                        const std::vector<std::string>& proof)
      ABSL_LOCKS_EXCLUDED(mu_);

  // The latest `limit` heads witnessed of `peer`, oldest first.
  std::vector<v1::SignedCheckpoint> Heads(const std::string& peer, size_t limit) const;

 private:
  // The state as stored (its checked time is that of the last head stored).
  v1::PeerWitness Stored(const std::string& peer) const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  absl::Status Alarm(const std::string& peer, v1::PeerWitness& state, const std::string& alarm)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  absl::Status Store(const std::string& peer, const v1::PeerWitness& state,
                     const v1::SignedCheckpoint* head) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  storage::Store* storage_;
  const Keyring* keys_;
  AuditLog* audit_;
  mutable absl::Mutex mu_;  // one check at a time per node: heads are few
  // When each peer's head was last checked and found unchanged (not stored: it is frequent).
  std::map<std::string, int64_t> last_checked_ ABSL_GUARDED_BY(mu_);
};

// What a peer needs to witness this node's log: its latest signed head, with a consistency proof
// from `since_size` (the last size the peer verified; none when 0 or not smaller).
absl::StatusOr<v1::AuditHeadResponse> HeadForWitness(const AuditLog& audit, uint64_t since_size);

}  // namespace nexus

#endif  // NEXUS_SERVER_PEER_WITNESS_H_
