// Audit entries as auditors read them: one human line, or one JSON object.
#ifndef NEXUS_CLIENT_CLI_AUDIT_TEXT_H_
#define NEXUS_CLIENT_CLI_AUDIT_TEXT_H_

#include <string>

#include "absl/strings/string_view.h"
#include "nexus/v1/audit.pb.h"
#include "nexus/v1/audit_service.pb.h"

namespace nexus {

// "publish", "get", ... for AUDIT_ACTION_PUBLISH, ...; and back (also accepts full names).
std::string AuditActionName(v1::AuditAction action);
bool ParseAuditAction(absl::string_view name, v1::AuditAction* action);
// Every action's name as ParseAuditAction accepts it, comma-separated.
std::string AuditActionNames();
std::string AuditOutcomeName(v1::AuditOutcome outcome);
bool ParseAuditOutcome(absl::string_view name, v1::AuditOutcome* outcome);

std::string AuditEntryToHumanText(const v1::AuditEntryBytes& listed);
std::string AuditEntryToJson(const v1::AuditEntryBytes& listed);

}  // namespace nexus

#endif  // NEXUS_CLIENT_CLI_AUDIT_TEXT_H_
