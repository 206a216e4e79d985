#include "client/health_client.h"

#include <grpcpp/generic/generic_stub.h>
#include <grpcpp/support/byte_buffer.h>

#include "absl/synchronization/notification.h"
#include "client/channel.h"

namespace nexus {
namespace {

// grpc.health.v1.HealthCheckRequest { string service = 1; } in its wire form, written here from
// the protocol's description rather than generated: one length-delimited field.
std::string RequestBytes(const std::string& service) {
  std::string bytes;
  if (service.empty()) return bytes;
  bytes.push_back(static_cast<char>((1 << 3) | 2));
  for (size_t length = service.size();; length >>= 7) {
    if (length < 0x80) {
      bytes.push_back(static_cast<char>(length));
      break;
    }
    bytes.push_back(static_cast<char>((length & 0x7f) | 0x80));
  }
  return bytes + service;
}

// grpc.health.v1.HealthCheckResponse { ServingStatus status = 1; }: UNKNOWN 0 (the field absent),
// SERVING 1, NOT_SERVING 2, SERVICE_UNKNOWN 3.
absl::StatusOr<ServingStatus> ParseResponse(const std::string& bytes) {
  if (bytes.empty()) return ServingStatus::kUnknown;
  if (bytes.size() != 2 || bytes[0] != 0x08) {
    return absl::DataLossError("the node's health answer is not a HealthCheckResponse");
  }
  switch (bytes[1]) {
    case 0:
      return ServingStatus::kUnknown;
    case 1:
      return ServingStatus::kServing;
    case 2:
      return ServingStatus::kNotServing;
    case 3:
      return ServingStatus::kServiceUnknown;
    default:
      return absl::DataLossError("the node's health answer has an unknown status");
  }
}

}  // namespace

absl::StatusOr<ServingStatus> CheckHealth(const ClientOptions& options,
                                          const std::string& service) {
  absl::StatusOr<std::shared_ptr<grpc::Channel>> channel = OpenChannel(options);
  if (!channel.ok()) return channel.status();
  grpc::GenericStub stub(*channel);
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() +
                       absl::ToChronoMilliseconds(options.timeout));
  const std::string request_bytes = RequestBytes(service);
  grpc::Slice slice(request_bytes);
  grpc::ByteBuffer request(&slice, 1);
  grpc::ByteBuffer response;
  grpc::Status status;
  absl::Notification done;
  stub.UnaryCall(&context, "/grpc.health.v1.Health/Check", grpc::StubOptions(), &request, &response,
                 [&](grpc::Status s) {
                   status = std::move(s);
                   done.Notify();
                 });
  done.WaitForNotification();
  if (status.error_code() == grpc::StatusCode::NOT_FOUND) return ServingStatus::kServiceUnknown;
  if (!status.ok()) return FromGrpc(status);
  std::vector<grpc::Slice> slices;
  if (!response.Dump(&slices).ok()) return absl::DataLossError("unreadable health answer");
  std::string bytes;
  for (const grpc::Slice& part : slices) {
    bytes.append(reinterpret_cast<const char*>(part.begin()), part.size());
  }
  return ParseResponse(bytes);
}

}  // namespace nexus
