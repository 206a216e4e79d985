#include "client/federation_client.h"

#include <grpcpp/client_context.h>

#include "client/channel.h"
#include "nexus/v1/federation_service.grpc.pb.h"

namespace nexus {

struct FederationClient::Stub {
  std::unique_ptr<v1::FederationService::Stub> stub;
};

FederationClient::FederationClient(std::unique_ptr<Stub> stub, absl::Duration timeout)
    : stub_(std::move(stub)), timeout_(timeout) {}
FederationClient::~FederationClient() = default;

absl::StatusOr<std::unique_ptr<FederationClient>> FederationClient::Create(
    const ClientOptions& options) {
  absl::StatusOr<std::shared_ptr<grpc::Channel>> channel = OpenChannel(options);
  if (!channel.ok()) return channel.status();
  auto stub = std::make_unique<Stub>();
  stub->stub = v1::FederationService::NewStub(*channel);
  return std::unique_ptr<FederationClient>(new FederationClient(std::move(stub), options.timeout));
}

absl::StatusOr<v1::FederationStatusResponse> FederationClient::Status() {
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + absl::ToChronoMilliseconds(timeout_));
  v1::FederationStatusResponse response;
  grpc::Status status = stub_->stub->Status(&context, v1::FederationStatusRequest(), &response);
  if (!status.ok()) return FromGrpc(status);
  return response;
}

absl::StatusOr<v1::PeerHeadsResponse> FederationClient::PeerHeads(const std::string& agency) {
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + absl::ToChronoMilliseconds(timeout_));
  v1::PeerHeadsRequest request;
  request.set_agency_id(agency);
  v1::PeerHeadsResponse response;
  grpc::Status status = stub_->stub->PeerHeads(&context, request, &response);
  if (!status.ok()) return FromGrpc(status);
  return response;
}

}  // namespace nexus
