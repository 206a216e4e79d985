// An audit report as one JSON document (nexusctl audit report --json): the verification's
// verdict and the same figures as the HTML page, for programs. Strings from the log are bounded
// as on the page; the document is ASCII (every other character as \uXXXX), so it is safe to
// print.
#ifndef NEXUS_CLIENT_CLI_AUDIT_REPORT_JSON_H_
#define NEXUS_CLIENT_CLI_AUDIT_REPORT_JSON_H_

#include <string>

#include "client/cli/audit_report.h"
#include "client/cli/audit_report_html.h"
#include "client/cli/audit_verification.h"

namespace nexus {

std::string AuditReportToJson(const AuditReport& report, const VerifyOutcome& verification,
                              const ReportRun& run);

}  // namespace nexus

#endif  // NEXUS_CLIENT_CLI_AUDIT_REPORT_JSON_H_
