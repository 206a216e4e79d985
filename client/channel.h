// The mutually authenticated gRPC channel every client of a node uses. Include only from .cc
// files: it brings in gRPC.
#ifndef NEXUS_CLIENT_CHANNEL_H_
#define NEXUS_CLIENT_CHANNEL_H_

#include <grpcpp/channel.h>

#include <memory>

#include "absl/status/statusor.h"
#include "client/nexus_client.h"

namespace nexus {

// Reads the TLS files named in `options` and returns a channel to `options.target`.
absl::StatusOr<std::shared_ptr<grpc::Channel>> OpenChannel(const ClientOptions& options);

absl::Status FromGrpc(const grpc::Status& status);

}  // namespace nexus

#endif  // NEXUS_CLIENT_CHANNEL_H_
