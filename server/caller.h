// The authenticated caller of an RPC, from the client certificate gRPC verified.
#ifndef NEXUS_SERVER_CALLER_H_
#define NEXUS_SERVER_CALLER_H_

#include <grpcpp/server_context.h>
#include <grpcpp/support/status.h>

#include "absl/status/statusor.h"
#include "common/certificate_identity.h"

namespace nexus {

// The identity in the peer's verified certificate. Unauthenticated if there is none.
absl::StatusOr<CertificateIdentity> CallerOf(const grpc::ServerContext& context);

// absl::Status and grpc::Status share their code numbering.
inline grpc::Status ToGrpc(const absl::Status& status) {
  return grpc::Status(static_cast<grpc::StatusCode>(status.code()), std::string(status.message()));
}

}  // namespace nexus

#endif  // NEXUS_SERVER_CALLER_H_
