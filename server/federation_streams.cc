#include "server/federation_streams.h"

#include <grpcpp/impl/codegen/proto_utils.h>
#include <grpcpp/impl/rpc_method.h>

#include <vector>

#include "google/protobuf/descriptor.h"

namespace nexus {

std::string MessageBytes(const grpc::ByteBuffer& buffer) {
  std::vector<grpc::Slice> slices;
  std::string bytes;
  if (!buffer.Dump(&slices).ok()) return bytes;
  bytes.reserve(buffer.Length());
  for (const grpc::Slice& slice : slices) {
    bytes.append(reinterpret_cast<const char*>(slice.begin()), slice.size());
  }
  return bytes;
}

std::unique_ptr<grpc::ClientReader<grpc::ByteBuffer>> OpenReplicateAsBytes(
    grpc::ChannelInterface* channel, grpc::ClientContext* context,
    const v1::ReplicateRequest& request) {
  // The generated stub's call, with the response type left as bytes.
  static const grpc::internal::RpcMethod kReplicate("/nexus.v1.FederationService/Replicate",
                                                    grpc::internal::RpcMethod::SERVER_STREAMING);
  return std::unique_ptr<grpc::ClientReader<grpc::ByteBuffer>>(
      grpc::internal::ClientReaderFactory<grpc::ByteBuffer>::Create(channel, kReplicate, context,
                                                                    request));
}

int PushMethodIndex() {
  // Generated services add their methods in the order the .proto declares them.
  static const int index = v1::ReplicateRequest::descriptor()
                               ->file()
                               ->FindServiceByName("FederationService")
                               ->FindMethodByName("Push")
                               ->index();
  return index;
}

}  // namespace nexus
