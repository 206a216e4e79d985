// An audit report as one self-contained HTML page an oversight body can open and file: no
// script, no network (a Content-Security-Policy that forbids both), inline CSS, and pictures
// drawn here as inline SVG. The log's verification comes first; then the sharing flows, the
// reads by agency and purpose, the refusals over time and the busiest records, each linked to
// the entries behind it.
//
// Every string that came from a log passes through HtmlText, and nothing else reaches the page
// from it: an entry's text can never become markup or script.
#ifndef NEXUS_CLIENT_CLI_AUDIT_REPORT_HTML_H_
#define NEXUS_CLIENT_CLI_AUDIT_REPORT_HTML_H_

#include <cstdint>
#include <ostream>
#include <string>

#include "absl/strings/string_view.h"
#include "client/cli/audit_report.h"
#include "client/cli/audit_verification.h"

namespace nexus {

// How a report was made: for its header and closing note.
struct ReportRun {
  std::string source;        // "the node at ADDRESS" or "the data directory DIR"
  std::string generated_at;  // RFC 3339, UTC
  double seconds = 0;        // verification and figures, the whole pass
  int64_t peak_rss_kib = 0;  // getrusage ru_maxrss when the figures were done
};

// `text` from a log, safe as HTML text or as a quoted attribute value: at most `max_bytes` of it
// (cut at a character boundary, "…(N more bytes)"), control and bidirectional characters and
// bytes that are not UTF-8 shown as visible escapes (EscapeForTerminal, or for an error the node
// already escaped, EscapeMessageForTerminal), then & < > " ' as character references.
std::string HtmlText(absl::string_view text, size_t max_bytes, bool already_escaped = false);

// `arg` quoted for a POSIX shell when it needs it ('it'\''s'); for the commands the page gives.
std::string ShellQuote(absl::string_view arg);

// "--after T --before T" (as `audit list` takes them, both exclusive) selecting `window`.
std::string WindowFlags(const ReportWindow& window);

// Writes the page.
void WriteAuditReportHtml(const AuditReport& report, const VerifyOutcome& verification,
                          const ReportRun& run, std::ostream& out);

}  // namespace nexus

#endif  // NEXUS_CLIENT_CLI_AUDIT_REPORT_HTML_H_
