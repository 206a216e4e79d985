// Replication streams read as the bytes the peer sent. gRPC's typed readers report a message that
// does not decode exactly as they report the end of the stream, so a hostile peer's bytes would
// pass unseen; read as bytes, the node decodes each message itself and refuses, audits and logs
// what does not decode (IntakeSession::TakeBytes). Include only from .cc files: it brings in
// gRPC.
#ifndef NEXUS_SERVER_FEDERATION_STREAMS_H_
#define NEXUS_SERVER_FEDERATION_STREAMS_H_

#include <grpcpp/channel.h>
#include <grpcpp/client_context.h>
#include <grpcpp/support/byte_buffer.h>
#include <grpcpp/support/sync_stream.h>

#include <memory>
#include <string>

#include "nexus/v1/federation_service.pb.h"

namespace nexus {

// A message's bytes in one piece.
std::string MessageBytes(const grpc::ByteBuffer& buffer);

// FederationService.Replicate on `channel`, its batches read as bytes.
std::unique_ptr<grpc::ClientReader<grpc::ByteBuffer>> OpenReplicateAsBytes(
    grpc::ChannelInterface* channel, grpc::ClientContext* context,
    const v1::ReplicateRequest& request);

// The index of FederationService.Push among the service's methods, for a server to take its
// messages as bytes.
int PushMethodIndex();

}  // namespace nexus

#endif  // NEXUS_SERVER_FEDERATION_STREAMS_H_
