// nexusctl audit report: the log's verification and its figures for a window of time, as one
// self-contained HTML page (--html FILE) and as JSON (--json, on standard output).
#ifndef NEXUS_CLIENT_CLI_AUDIT_REPORT_COMMAND_H_
#define NEXUS_CLIENT_CLI_AUDIT_REPORT_COMMAND_H_

#include "client/cli/command_line.h"
#include "client/nexus_client.h"
#include "common/keyring.h"

namespace nexus {

// Runs "audit report ..."; returns nexusctl audit's exit code: 0 the log verified (report
// written), 4 it did not (report written all the same, the verdict first on it), 2 usage,
// 3 unreachable, 5 CANNOT READ (no report).
int RunAuditReport(const CommandLine& line, const ClientOptions& options, const Keyring* keys,
                   bool json);

}  // namespace nexus

#endif  // NEXUS_CLIENT_CLI_AUDIT_REPORT_COMMAND_H_
