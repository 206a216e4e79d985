// An auditor's check of what a node says it witnessed of a peer's audit log (PeerHeads): the
// node's own alarm first, then what the auditor can check for itself in the answer — every head
// names the peer, each one extends the one before (no smaller tree, no second root for a size),
// the witness state agrees with the latest head, and, given the peer's public key, every head's
// signature. A node cannot prove that it asked often enough; it can be caught contradicting
// itself or the peer's signatures.
#ifndef NEXUS_CLIENT_CLI_PEER_HEADS_CHECK_H_
#define NEXUS_CLIENT_CLI_PEER_HEADS_CHECK_H_

#include <cstdint>
#include <optional>
#include <string>

#include "absl/strings/string_view.h"
#include "common/keyring.h"
#include "nexus/v1/audit.pb.h"
#include "nexus/v1/federation_service.pb.h"

namespace nexus {

struct PeerHeadsReport {
  bool ok = false;
  // Empty when ok. The node's alarm when it raised one, otherwise the first inconsistency found.
  std::string problem;
  bool alarm = false;               // the problem is the node's own witness alarm
  bool signatures_checked = false;  // every head's signature verified under the peer's key
  uint64_t heads = 0;
  std::optional<v1::Checkpoint> latest;  // the newest head, when there is one and it parses
  std::string latest_key_id;
};

// Checks `response` for the peer `agency`. `keys` may be null: then signatures are not checked;
// otherwise they must hold the peer's key (a head that cannot be checked does not pass).
PeerHeadsReport CheckPeerHeads(absl::string_view agency, const v1::PeerHeadsResponse& response,
                               const Keyring* keys);

}  // namespace nexus

#endif  // NEXUS_CLIENT_CLI_PEER_HEADS_CHECK_H_
