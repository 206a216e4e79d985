#include "server/caller.h"

#include <grpc/grpc_security_constants.h>
#include <grpcpp/security/auth_context.h>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "common/crypto.h"
#include "common/purpose.h"
#include "common/untrusted_text.h"
#include "server/log.h"

namespace nexus {

absl::StatusOr<CertificateIdentity> CallerOf(const grpc::ServerContextBase& context) {
  std::shared_ptr<const grpc::AuthContext> auth = context.auth_context();
  if (auth == nullptr || !auth->IsPeerAuthenticated()) {
    return absl::UnauthenticatedError("no verified client certificate");
  }
  std::vector<grpc::string_ref> pem = auth->FindPropertyValues(GRPC_X509_PEM_CERT_PROPERTY_NAME);
  if (pem.empty()) return absl::UnauthenticatedError("no verified client certificate");
  return IdentityFromCertificatePem(absl::string_view(pem[0].data(), pem[0].size()));
}

absl::Status RecordOutcome(AuditLog& audit, const CallContext& call, v1::AuditEntry entry,
                           const absl::Status& status) {
  SetOutcome(entry, status);
  const std::string action = absl::AsciiStrToLower(
      absl::StripPrefix(v1::AuditAction_Name(entry.action()), "AUDIT_ACTION_"));
  // Not found is an answer, and a cancelled call the client going away: neither is a refusal.
  if (!status.ok() && !absl::IsNotFound(status) && !absl::IsCancelled(status)) {
    LogWarning(absl::StrCat("refused ", action, " request ", call.request_id, " by ", call.agency(),
                            " from ", call.actor.peer(), ": ", status.message()),
               LogFieldsOf(call, action, "refused", status));
  }
  if (absl::Status s = audit.Append(std::move(entry)); !s.ok()) {
    LogError(absl::StrCat("request ", call.request_id, ": audit append failed: ", s.message()),
             LogFieldsOf(call, action, "failed", s));
    return absl::UnavailableError("the audit log cannot record this call");
  }
  return status;
}

absl::Status RecordRefusal(AuditLog& audit, const CallContext& call, v1::AuditAction action,
                           const absl::Status& refusal, const std::string& detail) {
  v1::AuditEntry entry = call.Entry(action);
  entry.set_detail(detail);
  return RecordOutcome(audit, call, std::move(entry), refusal);
}

absl::StatusOr<std::string> PurposeOf(const grpc::ServerContext& context, std::string* escaped) {
  auto [begin, end] = context.client_metadata().equal_range(kPurposeMetadataKey);
  if (begin == end) return "";
  if (std::next(begin) != end)
    return absl::InvalidArgumentError("the call gives more than one purpose");
  const absl::string_view purpose(begin->second.data(), begin->second.size());
  if (absl::Status valid = CheckPurpose(purpose); !valid.ok()) {
    *escaped = EscapeForTerminal(purpose, kMaxPurposeBytes);
    return valid;
  }
  return std::string(purpose);
}

CallContext ContextOf(grpc::ServerContext& context,
                      const absl::StatusOr<CertificateIdentity>& identity) {
  CallContext call;
  call.actor.set_peer(context.peer());
  if (identity.ok()) SetActor(call, *identity);
  const auto& metadata = context.client_metadata();
  if (auto it = metadata.find("x-request-id"); it != metadata.end()) {
    absl::string_view given(it->second.data(), it->second.size());
    if (IsWellFormedRequestId(given)) call.request_id = std::string(given);
  }
  if (call.request_id.empty()) call.request_id = HexEncode(RandomBytes(8));
  context.AddInitialMetadata("x-request-id", call.request_id);
  return call;
}

}  // namespace nexus
