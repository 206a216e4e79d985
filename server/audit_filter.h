// Which audit entries a listing's filter selects: one definition for every read of the log
// (AuditService.ListEntries, a record's disclosure trail).
#ifndef NEXUS_SERVER_AUDIT_FILTER_H_
#define NEXUS_SERVER_AUDIT_FILTER_H_

#include <string>

#include "nexus/v1/audit_service.pb.h"

namespace nexus {

// Whether the serialized entry `bytes` passes `filter`. An entry that does not parse passes, so
// that the auditor sees it.
bool MatchesAuditFilter(const v1::AuditFilter& filter, const std::string& bytes);

}  // namespace nexus

#endif  // NEXUS_SERVER_AUDIT_FILTER_H_
