// The live state of this node's federation peers, as `federation status` shows it: whether a
// stream is open, the last error, how far behind each side is, and what was relayed. The durable
// part (cursor, counts of what was received) lives in the store with the versions themselves;
// this registry holds what only matters while the node runs.
#ifndef NEXUS_SERVER_PEER_REGISTRY_H_
#define NEXUS_SERVER_PEER_REGISTRY_H_

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "nexus/v1/federation.pb.h"
#include "nexus/v1/node_config.pb.h"

namespace nexus {

class PeerRegistry {
 public:
  explicit PeerRegistry(const v1::NodeConfig& config);

  bool IsPeer(const std::string& agency) const { return peers_.count(agency) > 0; }

  // Only one stream at a time may deliver a peer's versions (its cursor has one writer). Returns
  // false if one is already open. The peer counts as connected once the stream is established
  // (Established, or its first message), not while this node is still trying to reach it: a
  // failed attempt does not reset how long the peer has been unreachable.
  bool BeginReceiving(const std::string& peer) ABSL_LOCKS_EXCLUDED(mu_);
  // The receiving stream reached the peer's node (the peer's identity checked).
  void Established(const std::string& peer) ABSL_LOCKS_EXCLUDED(mu_);
  void EndReceiving(const std::string& peer, const absl::Status& how) ABSL_LOCKS_EXCLUDED(mu_);
  // A message arrived from the peer's stream (a batch or a heartbeat).
  void Received(const std::string& peer, bool caught_up) ABSL_LOCKS_EXCLUDED(mu_);
  absl::Time LastReceived(const std::string& peer) const ABSL_LOCKS_EXCLUDED(mu_);

  // A stream serving the peer opened or closed.
  void BeginServing(const std::string& peer) ABSL_LOCKS_EXCLUDED(mu_);
  void EndServing(const std::string& peer, const absl::Status& how) ABSL_LOCKS_EXCLUDED(mu_);
  // The serving stream sent `sent` versions and left `withheld` unsent, and has considered this
  // node's feed up to `through` (if given).
  void Served(const std::string& peer, uint64_t sent, uint64_t withheld,
              std::optional<uint64_t> through) ABSL_LOCKS_EXCLUDED(mu_);
  // How far a stream serving the peer has considered this node's feed, since this node started
  // (kept while the peer is away: what waits for it is counted from there).
  std::optional<uint64_t> ServedThrough(const std::string& peer) const ABSL_LOCKS_EXCLUDED(mu_);

  // A connection attempt to the peer failed, or a stream ended with an error.
  void Failed(const std::string& peer, const absl::Status& error) ABSL_LOCKS_EXCLUDED(mu_);

  // Every configured peer's live state (`received` and `witness` are left for the caller).
  std::vector<v1::PeerStatus> Snapshot() const ABSL_LOCKS_EXCLUDED(mu_);

 private:
  struct Live {
    v1::PeerStatus status;
    int receiving = 0;
    bool established = false;  // the receiving stream reached the peer
    int serving = 0;
    std::optional<uint64_t> served_through;
    absl::Time last_received = absl::InfinitePast();
    absl::Time caught_up_at = absl::InfinitePast();
    absl::Time connected_at = absl::InfinitePast();
  };
  void Touch(Live& live) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  std::map<std::string, v1::Peer> peers_;
  mutable absl::Mutex mu_;
  std::map<std::string, Live> live_ ABSL_GUARDED_BY(mu_);
};

// "pull", "push", "pull+push" or "inbound".
std::string DirectionName(v1::Peer::Direction direction);

}  // namespace nexus

#endif  // NEXUS_SERVER_PEER_REGISTRY_H_
