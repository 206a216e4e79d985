// Who is calling, why, and under which request id: what every audit entry of a call starts
// from.
#ifndef NEXUS_SERVER_CALL_CONTEXT_H_
#define NEXUS_SERVER_CALL_CONTEXT_H_

#include <string>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/string_view.h"
#include "common/certificate_identity.h"
#include "nexus/v1/audit.pb.h"
#include "server/log.h"

namespace nexus {

struct CallContext {
  v1::AuditActor actor;
  std::string request_id;
  std::string purpose;  // why, as the caller gave it; checked by the Authorizer

  const std::string& agency() const { return actor.agency_id(); }

  // A fresh audit entry for `action` by this caller.
  v1::AuditEntry Entry(v1::AuditAction action) const {
    v1::AuditEntry entry;
    *entry.mutable_actor() = actor;
    entry.set_action(action);
    entry.set_request_id(request_id);
    entry.set_purpose(purpose);
    return entry;
  }
};

// Whether a client's request id may be kept as the call's: 1 to 64 letters, digits, '-', '_'
// and '.' (it goes into logs and the audit log).
inline bool IsWellFormedRequestId(absl::string_view id) {
  if (id.empty() || id.size() > 64) return false;
  for (char c : id) {
    if (!absl::ascii_isalnum(static_cast<unsigned char>(c)) && c != '-' && c != '_' && c != '.') {
      return false;
    }
  }
  return true;
}

// The actor of a call whose certificate names `identity`.
inline void SetActor(CallContext& call, const CertificateIdentity& identity) {
  call.actor.set_agency_id(identity.agency_id);
  call.actor.set_role(identity.role);
  call.actor.set_certificate_fingerprint(identity.fingerprint);
  call.actor.set_person(identity.person);
}

// Sets `entry`'s outcome from `status`: OK, or REFUSED with its code and message.
inline void SetOutcome(v1::AuditEntry& entry, const absl::Status& status) {
  if (status.ok()) {
    entry.set_outcome(v1::AUDIT_OUTCOME_OK);
    return;
  }
  entry.set_outcome(v1::AUDIT_OUTCOME_REFUSED);
  entry.set_code(static_cast<int>(status.code()));
  entry.set_error(std::string(status.message()));
}

// What the node log says of `call` beside a message: its request id, peer, agency and role, the
// action, and the outcome with the status code's name as the reason.
inline LogFields LogFieldsOf(const CallContext& call, absl::string_view action,
                             absl::string_view outcome, const absl::Status& status) {
  LogFields fields;
  fields.request_id = call.request_id;
  fields.peer = call.actor.peer();
  fields.agency = call.actor.agency_id();
  fields.role = call.actor.role();
  fields.action = std::string(action);
  fields.outcome = std::string(outcome);
  if (!status.ok()) {
    fields.reason = absl::AsciiStrToLower(absl::StatusCodeToString(status.code()));
  }
  return fields;
}

}  // namespace nexus

#endif  // NEXUS_SERVER_CALL_CONTEXT_H_
