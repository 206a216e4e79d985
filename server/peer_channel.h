// A channel to a configured peer's node, with this node's certificate, and the check that the
// node answering is that peer's: every call this node makes to a peer goes through both.
#ifndef NEXUS_SERVER_PEER_CHANNEL_H_
#define NEXUS_SERVER_PEER_CHANNEL_H_

#include <memory>

#include "absl/status/statusor.h"
#include "nexus/v1/node_config.pb.h"

namespace grpc {
class Channel;
class ClientContext;
}  // namespace grpc

namespace nexus {

// Reads this node's TLS files; the channel connects when first used.
absl::StatusOr<std::shared_ptr<grpc::Channel>> OpenPeerChannel(const v1::NodeConfig& config,
                                                               const v1::Peer& peer);

// The node at the other end of `context`'s call must present a certificate of `peer`'s agency
// with role node. Nothing it sends is looked at before.
absl::Status CheckPeerIdentity(const grpc::ClientContext& context, const v1::Peer& peer);

}  // namespace nexus

#endif  // NEXUS_SERVER_PEER_CHANNEL_H_
