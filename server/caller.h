// The authenticated caller of an RPC, from the client certificate gRPC verified.
#ifndef NEXUS_SERVER_CALLER_H_
#define NEXUS_SERVER_CALLER_H_

#include <grpcpp/server_context.h>
#include <grpcpp/support/status.h>

#include "absl/status/statusor.h"
#include "common/certificate_identity.h"
#include "common/untrusted_text.h"
#include "server/audit_log.h"
#include "server/call_context.h"

namespace nexus {

// The identity in the peer's verified certificate. Unauthenticated if there is none.
absl::StatusOr<CertificateIdentity> CallerOf(const grpc::ServerContext& context);

// The call's context: the actor from `identity` (or, when it failed, what is known of the peer)
// and a request id, taken from the client's "x-request-id" metadata when well-formed, otherwise
// generated. The id is sent back in the response's initial metadata.
CallContext ContextOf(grpc::ServerContext& context,
                      const absl::StatusOr<CertificateIdentity>& identity);

// Logs (with the peer and request id) and audits a refused call; the entry carries `detail`.
// Returns `refusal`, or the audit failure if the refusal could not be recorded.
absl::Status RecordRefusal(AuditLog& audit, const CallContext& call, v1::AuditAction action,
                           const absl::Status& refusal, const std::string& detail = "");

// Longest status message a client receives. It travels in an HTTP/2 trailer, where a client's
// metadata limit (8 KiB by default in C++) turns a long one into a transport error.
inline constexpr size_t kMaxStatusMessageBytes = 1024;

// absl::Status and grpc::Status share their code numbering. The message is cut to
// kMaxStatusMessageBytes (messages quote input escaped; this bounds their sum).
inline grpc::Status ToGrpc(const absl::Status& status) {
  return grpc::Status(static_cast<grpc::StatusCode>(status.code()),
                      TruncateText(status.message(), kMaxStatusMessageBytes));
}

}  // namespace nexus

#endif  // NEXUS_SERVER_CALLER_H_
