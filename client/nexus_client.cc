#include "client/nexus_client.h"

#include <grpc/grpc_security_constants.h>
#include <grpcpp/client_context.h>
#include <grpcpp/security/auth_context.h>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "client/channel.h"
#include "common/certificate_identity.h"
#include "nexus/v1/agency_service.grpc.pb.h"

namespace nexus {
struct NexusClient::Channel {
  std::unique_ptr<v1::AgencyService::Stub> stub;
};

NexusClient::NexusClient(std::unique_ptr<Channel> channel) : channel_(std::move(channel)) {}
NexusClient::~NexusClient() = default;

absl::StatusOr<std::unique_ptr<NexusClient>> NexusClient::Create(const ClientOptions& options) {
  absl::StatusOr<std::shared_ptr<grpc::Channel>> channel = OpenChannel(options);
  if (!channel.ok()) return channel.status();
  auto stub = std::make_unique<Channel>();
  stub->stub = v1::AgencyService::NewStub(*channel);
  std::unique_ptr<NexusClient> client(new NexusClient(std::move(stub)));
  client->timeout_ = options.timeout;
  return client;
}

namespace {
void SetDeadline(grpc::ClientContext& context, absl::Duration timeout) {
  context.set_deadline(std::chrono::system_clock::now() + absl::ToChronoMilliseconds(timeout));
}
}  // namespace

absl::StatusOr<std::vector<v1::PublishResult>> NexusClient::Publish(
    const std::vector<v1::Record>& records, const PublishOptions& options) {
  grpc::ClientContext context;
  SetDeadline(context, timeout_);
  v1::PublishRequest request;
  request.mutable_records()->Add(records.begin(), records.end());
  request.set_skip_unchanged(options.skip_unchanged);
  request.set_report_recipients(options.report_recipients);
  v1::PublishResponse response;
  grpc::Status status = channel_->stub->Publish(&context, request, &response);
  if (!status.ok()) return FromGrpc(status);
  return std::vector<v1::PublishResult>(response.results().begin(), response.results().end());
}

absl::StatusOr<std::vector<v1::PublishResult>> NexusClient::PublishStream(
    const std::vector<v1::Record>& records, size_t batch_size, const PublishOptions& options,
    const std::function<void(size_t answered)>& answered) {
  if (batch_size == 0) batch_size = 1;
  grpc::ClientContext context;
  auto stream = channel_->stub->PublishStream(&context);
  std::vector<v1::PublishResult> results;
  results.reserve(records.size());
  // One request in flight at a time keeps results in order and memory bounded.
  for (size_t start = 0; start < records.size(); start += batch_size) {
    v1::PublishRequest request;
    size_t end = std::min(records.size(), start + batch_size);
    request.mutable_records()->Add(records.begin() + start, records.begin() + end);
    request.set_skip_unchanged(options.skip_unchanged);
    request.set_report_recipients(options.report_recipients);
    v1::PublishResponse response;
    if (!stream->Write(request) || !stream->Read(&response)) break;
    results.insert(results.end(), response.results().begin(), response.results().end());
    if (answered) answered(results.size());
  }
  stream->WritesDone();
  grpc::Status status = stream->Finish();
  if (!status.ok()) return FromGrpc(status);
  if (results.size() != records.size()) {
    return absl::UnavailableError(
        absl::StrCat("stream ended after ", results.size(), " of ", records.size(), " records"));
  }
  return results;
}

absl::StatusOr<v1::SignedRecord> NexusClient::Get(const std::string& id, uint64_t version) {
  absl::StatusOr<v1::GetResponse> response = GetWithProvenance(id, version);
  if (!response.ok()) return response.status();
  return std::move(*response->mutable_record());
}

absl::StatusOr<v1::GetResponse> NexusClient::GetWithProvenance(const std::string& id,
                                                               uint64_t version) {
  grpc::ClientContext context;
  SetDeadline(context, timeout_);
  v1::GetRequest request;
  request.set_id(id);
  request.set_version(version);
  v1::GetResponse response;
  grpc::Status status = channel_->stub->Get(&context, request, &response);
  if (!status.ok()) return FromGrpc(status);
  return response;
}

namespace {
// The agency of the server's certificate, as the handshake verified it; empty if none.
std::string PeerAgency(const grpc::ClientContext& context) {
  std::shared_ptr<const grpc::AuthContext> auth = context.auth_context();
  if (auth == nullptr) return "";
  std::vector<grpc::string_ref> pem = auth->FindPropertyValues(GRPC_X509_PEM_CERT_PROPERTY_NAME);
  if (pem.empty()) return "";
  absl::StatusOr<CertificateIdentity> identity =
      IdentityFromCertificatePem(absl::string_view(pem.front().data(), pem.front().size()));
  return identity.ok() ? identity->agency_id : "";
}
}  // namespace

absl::Status NexusClient::Pull(const v1::PullRequest& request,
                               const std::function<bool(const v1::PullResponse&)>& on_record,
                               PullInfo* info) {
  PullInfo local;
  PullInfo& out = info != nullptr ? *info : local;
  out.resume = request.since();
  v1::PullRequest call = request;
  uint64_t returned = 0;
  bool stopped = false;
  while (true) {
    grpc::ClientContext context;
    auto reader = channel_->stub->Pull(&context, call);
    bool first = true, more = false;
    ++out.calls;
    absl::Status status =
        ReadStream<v1::PullResponse>(context, *reader, [&](const v1::PullResponse& response) {
          if (first && out.calls == 1) out.node_agency = PeerAgency(context);
          first = false;
          out.resume = response.cursor();
          if (!response.has_record()) {
            out.unreadable_entries += response.unreadable_entries();
            more = more || response.more();
            return true;
          }
          ++returned;
          if (!on_record(response)) stopped = true;
          return !stopped;
        });
    if (!status.ok() || stopped || !more) return status;
    if (request.limit() != 0) {
      if (returned >= request.limit()) return absl::OkStatus();
      call.set_limit(static_cast<uint32_t>(request.limit() - returned));
    }
    call.set_since(out.resume);
  }
}

absl::Status NexusClient::Alerts(const v1::AlertsRequest& request,
                                 const std::function<bool(const v1::Alert&)>& on_alert,
                                 uint64_t* resume) {
  v1::AlertsRequest call = request;
  uint64_t told = 0;
  while (true) {
    grpc::ClientContext context;
    auto reader = channel_->stub->Alerts(&context, call);
    bool more = false, stopped = false;
    absl::Status status = ReadStream<v1::Alert>(context, *reader, [&](const v1::Alert& alert) {
      call.set_since(alert.cursor());
      if (resume != nullptr) *resume = alert.cursor();
      if (alert.more()) {
        more = true;
        return true;
      }
      ++told;
      stopped = !on_alert(alert);
      return !stopped;
    });
    if (!status.ok() || stopped || !more) return status;
    if (request.limit() != 0) {
      if (told >= request.limit()) return absl::OkStatus();
      call.set_limit(static_cast<uint32_t>(request.limit() - told));
    }
  }
}

absl::Status NexusClient::AckAlert(const std::string& link_id) {
  grpc::ClientContext context;
  SetDeadline(context, timeout_);
  v1::AckAlertRequest request;
  request.set_link_id(link_id);
  v1::AckAlertResponse response;
  return FromGrpc(channel_->stub->AckAlert(&context, request, &response));
}

absl::StatusOr<v1::LinksResponse> NexusClient::Links(const v1::LinksRequest& request) {
  grpc::ClientContext context;
  SetDeadline(context, timeout_);
  v1::LinksResponse response;
  grpc::Status status = channel_->stub->Links(&context, request, &response);
  if (!status.ok()) return FromGrpc(status);
  return response;
}

absl::StatusOr<v1::SearchResponse> NexusClient::Search(const v1::SearchRequest& request) {
  grpc::ClientContext context;
  SetDeadline(context, timeout_);
  v1::SearchResponse response;
  grpc::Status status = channel_->stub->Search(&context, request, &response);
  if (!status.ok()) return FromGrpc(status);
  return response;
}

absl::StatusOr<v1::PublishResult> NexusClient::Revoke(const std::string& id,
                                                      const std::string& reason) {
  grpc::ClientContext context;
  SetDeadline(context, timeout_);
  v1::RevokeRequest request;
  request.set_id(id);
  request.set_reason(reason);
  v1::RevokeResponse response;
  grpc::Status status = channel_->stub->Revoke(&context, request, &response);
  if (!status.ok()) return FromGrpc(status);
  return response.result();
}

}  // namespace nexus
