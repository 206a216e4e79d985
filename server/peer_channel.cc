#include "server/peer_channel.h"

#include <grpcpp/channel.h>
#include <grpcpp/client_context.h>

#include "absl/strings/str_cat.h"
#include "client/channel.h"

namespace nexus {

absl::StatusOr<std::shared_ptr<grpc::Channel>> OpenPeerChannel(const v1::NodeConfig& config,
                                                               const v1::Peer& peer) {
  ClientOptions options;
  options.target = peer.address();
  options.ca_file = config.tls().ca_file();
  options.cert_file = config.tls().certificate_file();
  options.key_file = config.tls().private_key_file();
  options.max_message_bytes = static_cast<int>(config.limits().max_message_bytes() == 0
                                                   ? 4 * 1024 * 1024
                                                   : config.limits().max_message_bytes());
  options.keepalive = absl::Seconds(10);
  return OpenChannel(options);
}

absl::Status CheckPeerIdentity(const grpc::ClientContext& context, const v1::Peer& peer) {
  absl::StatusOr<CertificateIdentity> identity = ServerIdentity(context);
  if (!identity.ok()) return identity.status();
  if (identity->agency_id != peer.agency_id() || identity->role != "node") {
    return absl::PermissionDeniedError(absl::StrCat(
        "the node at ", peer.address(), " presents a certificate of agency '", identity->agency_id,
        "' role '", identity->role, "', not the node of peer '", peer.agency_id(), "'"));
  }
  return absl::OkStatus();
}

}  // namespace nexus
