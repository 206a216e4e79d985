// The mutually authenticated gRPC channel every client of a node uses. Include only from .cc
// files: it brings in gRPC.
#ifndef NEXUS_CLIENT_CHANNEL_H_
#define NEXUS_CLIENT_CHANNEL_H_

#include <grpcpp/channel.h>
#include <grpcpp/client_context.h>

#include <memory>

#include "absl/status/statusor.h"
#include "client/nexus_client.h"
#include "common/certificate_identity.h"

namespace nexus {

// Reads the TLS files named in `options` and returns a channel to `options.target`.
absl::StatusOr<std::shared_ptr<grpc::Channel>> OpenChannel(const ClientOptions& options);

absl::Status FromGrpc(const grpc::Status& status);

// The identity in the node's certificate, as the TLS handshake of `context`'s call verified it.
// Available once the call has received its initial metadata.
absl::StatusOr<CertificateIdentity> ServerIdentity(const grpc::ClientContext& context);

// Reads a server stream to its end, handing each message to `on_message`; when that returns false
// the call is cancelled, and the cancellation is not an error.
template <typename Message, typename Reader, typename OnMessage>
absl::Status ReadStream(grpc::ClientContext& context, Reader& reader, OnMessage&& on_message) {
  Message message;
  bool stopped = false;
  while (!stopped && reader.Read(&message)) {
    if (!on_message(message)) {
      stopped = true;
      context.TryCancel();
    }
  }
  grpc::Status status = reader.Finish();
  if (stopped && status.error_code() == grpc::StatusCode::CANCELLED) return absl::OkStatus();
  return FromGrpc(status);
}

}  // namespace nexus

#endif  // NEXUS_CLIENT_CHANNEL_H_
