#include "client/cli/audit_report_command.h"

#include <sys/resource.h>

#include <cstdio>
#include <fstream>
#include <iostream>
#include <memory>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "client/cli/audit_report.h"
#include "client/cli/audit_report_html.h"
#include "client/cli/audit_report_json.h"
#include "client/cli/audit_verification.h"
#include "client/cli/exit_codes.h"
#include "client/cli/offline_audit.h"
#include "common/record_seal.h"
#include "common/storage/families.h"
#include "common/storage/store_keys.h"
#include "common/untrusted_text.h"

namespace nexus {
namespace {

int Usage(absl::string_view problem) { return ReportUsage("audit", problem); }

// The TLP of a version in the record store of a copy of the node's data directory (audit
// entries do not carry it). Opened apart from the verifier's handle: both only read.
TlpLookup StoreTlp(const OfflineAuditLog& store) {
  if (!store.store().HasFamily(storage::kRecords)) return nullptr;
  return [records = &store.store()](const std::string& id,
                                    uint64_t version) -> std::optional<v1::Tlp> {
    absl::StatusOr<std::string> bytes =
        records->Get(storage::kRecords, store_keys::RecordKey(id, version));
    if (!bytes.ok()) return std::nullopt;
    v1::SignedRecord record;
    if (!record.ParseFromString(*bytes)) return std::nullopt;
    absl::StatusOr<v1::RecordHeader> header = PeekHeader(record);
    if (!header.ok()) return std::nullopt;
    return header->tlp();
  };
}

}  // namespace

int RunAuditReport(const CommandLine& line, const ClientOptions& options, const Keyring* keys,
                   bool json) {
  if (keys == nullptr) return Usage("report needs --keys DIR with the audited agency's public key");
  if (!line.Has("html") && !json) return Usage("report needs --html FILE, --json, or both");
  if (line.positional().size() != 2) return Usage("report takes no argument but its flags");
  absl::StatusOr<int64_t> since = line.TimeMicros("since");
  absl::StatusOr<int64_t> until = line.TimeMicros("until");
  if (!since.ok()) return Usage(since.status().message());
  if (!until.ok()) return Usage(until.status().message());
  if (*since != 0 && *until != 0 && *since >= *until) {
    return Usage("--since must be before --until");
  }
  // Open the output first: a report that cannot be written should not cost a verification.
  std::ofstream html;
  if (line.Has("html")) {
    html.open(line.Get("html"));
    if (!html) return Usage(absl::StrCat("cannot write ", line.Get("html")));
  }

  std::unique_ptr<OfflineAuditLog> store;
  TlpLookup tlp;
  if (line.Has("offline")) {
    absl::StatusOr<std::unique_ptr<OfflineAuditLog>> opened =
        OfflineAuditLog::Open(line.Get("offline"));
    if (opened.ok()) {
      store = *std::move(opened);
      tlp = StoreTlp(*store);
    }  // else: the verification below says why it cannot be read
  }
  const absl::Time start = absl::Now();
  AuditReportBuilder builder(ReportWindow{*since, *until}, tlp);
  VerifyOutcome outcome;
  std::optional<int> ended = RunAuditVerification(
      line, options, keys, outcome,
      [&](uint64_t index, absl::string_view bytes) { builder.Add(index, bytes); });
  if (ended) return *ended;
  if (outcome.report.unreadable) {
    std::fprintf(stderr,
                 "nexusctl audit: CANNOT READ the log (nothing is known about tampering): %s\n",
                 ShownMessage(outcome.report.problem).c_str());
    return kExitUnreadable;
  }
  ReportRun run;
  run.seconds = absl::ToDoubleSeconds(absl::Now() - start);
  struct rusage usage {};
  getrusage(RUSAGE_SELF, &usage);
  run.peak_rss_kib = usage.ru_maxrss;
  run.generated_at = absl::FormatTime("%Y-%m-%dT%H:%M:%SZ", absl::Now(), absl::UTCTimeZone());
  run.source = line.Has("offline") ? absl::StrCat("the data directory ", line.Get("offline"))
                                   : absl::StrCat("the node at ", options.target);
  const AuditReport& report = builder.report();
  if (html.is_open()) {
    WriteAuditReportHtml(report, outcome, run, html);
    html.close();
    if (!html) return Usage(absl::StrCat("cannot write ", line.Get("html")));
  }
  if (json) std::cout << AuditReportToJson(report, outcome, run);
  // The verdict and where the page is, for a person; on standard error when JSON is the output.
  (json ? std::cerr : std::cout) << (outcome.report.ok ? "VERIFIED" : "NOT VERIFIED") << ": "
                                 << report.entries_in_window << " entries in the window of "
                                 << report.entries_read << " read in "
                                 << absl::StrFormat("%.2f", run.seconds) << " s"
                                 << (html.is_open() || line.Has("html")
                                         ? absl::StrCat("; report written to ",
                                                        EscapeForTerminal(line.Get("html"), 4096))
                                         : "")
                                 << "\n";
  return outcome.report.ok ? kExitOk : kExitUnverified;
}

}  // namespace nexus
