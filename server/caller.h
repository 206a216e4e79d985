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
absl::StatusOr<CertificateIdentity> CallerOf(const grpc::ServerContextBase& context);

// The call's context: the actor from `identity` (or, when it failed, what is known of the peer)
// and a request id, taken from the client's "x-request-id" metadata when well-formed, otherwise
// generated. The id is sent back in the response's initial metadata.
CallContext ContextOf(grpc::ServerContext& context,
                      const absl::StatusOr<CertificateIdentity>& identity);

// The purpose the call gives in its metadata (kPurposeMetadataKey); empty if none. An error
// (with the purpose escaped in `escaped`, for the refusal's entry) if it gives more than one or
// one CheckPurpose refuses.
absl::StatusOr<std::string> PurposeOf(const grpc::ServerContext& context, std::string* escaped);

// Every service's last step before it answers: records `entry` with the outcome of `status` (a
// refusal is also logged with the request id, agency and peer) and returns what the client is told:
// `status`, or UNAVAILABLE when the audit log cannot record the call, since nothing is answered
// that is not audited.
absl::Status RecordOutcome(AuditLog& audit, const CallContext& call, v1::AuditEntry entry,
                           const absl::Status& status);

// RecordOutcome, as a gRPC handler returns it.
inline grpc::Status AuditedAnswer(AuditLog& audit, const CallContext& call, v1::AuditEntry entry,
                                  const absl::Status& status);
inline grpc::Status AuditedAnswer(AuditLog& audit, const CallContext& call, v1::AuditAction action,
                                  const std::string& detail, const absl::Status& status);

// RecordOutcome for a refused call of `action`; the entry carries `detail`.
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

inline grpc::Status AuditedAnswer(AuditLog& audit, const CallContext& call, v1::AuditEntry entry,
                                  const absl::Status& status) {
  return ToGrpc(RecordOutcome(audit, call, std::move(entry), status));
}

inline grpc::Status AuditedAnswer(AuditLog& audit, const CallContext& call, v1::AuditAction action,
                                  const std::string& detail, const absl::Status& status) {
  v1::AuditEntry entry = call.Entry(action);
  entry.set_detail(detail);
  return AuditedAnswer(audit, call, std::move(entry), status);
}

}  // namespace nexus

#endif  // NEXUS_SERVER_CALLER_H_
