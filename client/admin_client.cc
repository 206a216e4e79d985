#include "client/admin_client.h"

#include <grpcpp/client_context.h>

#include <algorithm>

#include "client/channel.h"
#include "nexus/v1/admin_service.grpc.pb.h"

namespace nexus {

struct AdminClient::Stub {
  std::unique_ptr<v1::AdminService::Stub> stub;
};

AdminClient::AdminClient(std::unique_ptr<Stub> stub, absl::Duration timeout)
    : stub_(std::move(stub)), timeout_(timeout) {}
AdminClient::~AdminClient() = default;

absl::StatusOr<std::unique_ptr<AdminClient>> AdminClient::Create(const ClientOptions& options) {
  absl::StatusOr<std::shared_ptr<grpc::Channel>> channel = OpenChannel(options);
  if (!channel.ok()) return channel.status();
  auto stub = std::make_unique<Stub>();
  stub->stub = v1::AdminService::NewStub(*channel);
  return std::unique_ptr<AdminClient>(new AdminClient(std::move(stub), options.timeout));
}

absl::StatusOr<v1::ReloadPolicyResponse> AdminClient::ReloadPolicy() {
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + absl::ToChronoMilliseconds(timeout_));
  v1::ReloadPolicyResponse response;
  grpc::Status status = stub_->stub->ReloadPolicy(&context, v1::ReloadPolicyRequest(), &response);
  if (!status.ok()) return FromGrpc(status);
  return response;
}

absl::StatusOr<v1::BackupResponse> AdminClient::Backup(const std::string& name) {
  grpc::ClientContext context;
  // A copy of a large store on another file system takes minutes, not the usual call's seconds.
  context.set_deadline(std::chrono::system_clock::now() +
                       absl::ToChronoMilliseconds(std::max(timeout_, absl::Minutes(30))));
  v1::BackupRequest request;
  request.set_name(name);
  v1::BackupResponse response;
  grpc::Status status = stub_->stub->Backup(&context, request, &response);
  if (!status.ok()) return FromGrpc(status);
  return response;
}

absl::StatusOr<v1::ExplainDecisionResponse> AdminClient::ExplainDecision(
    const v1::ExplainDecisionRequest& request) {
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + absl::ToChronoMilliseconds(timeout_));
  v1::ExplainDecisionResponse response;
  grpc::Status status = stub_->stub->ExplainDecision(&context, request, &response);
  if (!status.ok()) return FromGrpc(status);
  return response;
}

}  // namespace nexus
