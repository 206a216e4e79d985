#include "client/cli/interop_commands.h"

#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <deque>
#include <iostream>
#include <memory>

#include "absl/cleanup/cleanup.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "absl/time/clock.h"
#include "client/cli/exit_codes.h"
#include "client/cli/record_text.h"
#include "client/cli/terminal_progress.h"
#include "client/publish_upload.h"
#include "common/indicator_normalizer.h"
#include "common/interop/bundle_import.h"
#include "common/interop/import_report.h"
#include "common/interop/stix_common.h"
#include "common/interop/stix_export.h"
#include "common/record_seal.h"
#include "common/record_validation.h"
#include "common/untrusted_text.h"

namespace nexus {

const char kInteropUsage[] =
    R"(import and export (STIX 2.1 bundles, MISP event exports; see README "Interoperability"):
  import stix FILE    publish a bundle's indicators as records
  import misp FILE    publish a MISP event export ({"Event": ...} or {"response": [...]})
      --tlp LEVEL     TLP floor: each record gets the stricter of its own markings and this;
                      objects with neither are skipped
      --scope S [--agency ID] [--group NAME]   distribution for objects that name none
      --nexus-type T  for objects that name none (x_nexus_nexus_type)
      --ids-only      MISP: only attributes marked to_ids
      --red-to AGENCY[,AGENCY...]   the recipients of TLP:RED objects (RED is for named
                      recipients only; without this flag RED objects are skipped)
      --own-export    STIX: the file is your agency's own export: restore its records under
                      their ids (without it, objects of your agency's export are skipped)
      --dry-run       read, check and map everything; publish nothing
      --allow-partial exit 0 even when objects were skipped (each is still listed)
      --max-bytes N   largest file read (default 268435456)
      --batch N       records per request (default 500)
      --streams N     parallel upload streams (default 1)
  export stix         write what you may see as a STIX 2.1 bundle to stdout
      --since CURSOR and the pull filters (--origin --nexus-type --indicator-type --after
      --before --limit); needs --keys: records that do not verify are left out (exit 4)
)";

namespace {

int BadInput(const std::string& what, absl::string_view message) {
  return ReportBadInput("", absl::StrCat(what, ": ", message));
}

// What the flags say records should get where an object says nothing.
absl::StatusOr<ImportDefaults> DefaultsFromFlags(const CommandLine& line,
                                                 const std::string& agency) {
  ImportDefaults defaults;
  defaults.agency = agency;
  if (line.Has("tlp")) {
    std::optional<v1::Tlp> tlp = TlpFromName(line.Get("tlp"));
    if (!tlp)
      return absl::InvalidArgumentError("--tlp must be clear, green, amber, amber+strict or red");
    defaults.tlp = *tlp;
  }
  if (line.Has("scope") || line.Has("agency") || line.Has("group")) {
    std::optional<int> scope = EnumFromShortName(v1::DistributionScope_descriptor(),
                                                 "DISTRIBUTION_SCOPE_", line.Get("scope"));
    if (!scope) {
      return absl::InvalidArgumentError(
          "--scope must be origin-only, named-agencies, group or federation");
    }
    v1::Distribution distribution;
    distribution.set_scope(static_cast<v1::DistributionScope>(*scope));
    for (const std::string& a : line.All("agency")) distribution.add_agencies(a);
    for (const std::string& g : line.All("group")) distribution.add_groups(g);
    defaults.distribution = distribution;
  }
  if (line.Has("nexus-type")) {
    std::optional<int> type =
        EnumFromShortName(v1::NexusType_descriptor(), "NEXUS_TYPE_", line.Get("nexus-type"));
    if (!type)
      return absl::InvalidArgumentError("unknown --nexus-type '" + line.Get("nexus-type") + "'");
    defaults.nexus_type = static_cast<v1::NexusType>(*type);
  }
  for (const std::string& list : line.All("red-to")) {
    for (absl::string_view agency : absl::StrSplit(list, ',', absl::SkipWhitespace())) {
      agency = absl::StripAsciiWhitespace(agency);
      if (!IsValidAgencyId(agency)) {
        return absl::InvalidArgumentError(absl::StrCat(
            "--red-to: ", QuoteInput(agency, 64), " is not an agency id (1-64 of [a-z0-9.-])"));
      }
      defaults.red_recipients.emplace_back(agency);
    }
  }
  if (line.Has("red-to") && defaults.red_recipients.empty()) {
    return absl::InvalidArgumentError("--red-to needs at least one agency id");
  }
  defaults.ids_only = line.Has("ids-only");
  defaults.own_export = line.Has("own-export");
  absl::StatusOr<uint64_t> max_bytes = line.Count("max-bytes", defaults.limits.max_file_bytes);
  if (!max_bytes.ok()) return max_bytes.status();
  defaults.limits.max_file_bytes = *max_bytes;
  return defaults;
}

// Opens the file to import; it must be a regular file (it is read twice) within the limit.
absl::StatusOr<std::FILE*> OpenImportFile(const std::string& path, uint64_t max_bytes) {
  std::FILE* file = std::fopen(path.c_str(), "rb");
  if (file == nullptr) {
    return absl::NotFoundError(
        absl::StrCat("cannot open ", QuoteInput(path), ": ", strerror(errno)));
  }
  struct stat info;
  if (fstat(fileno(file), &info) != 0 || !S_ISREG(info.st_mode)) {
    std::fclose(file);
    return absl::InvalidArgumentError(
        absl::StrCat(QuoteInput(path),
                     " is not a regular file: an import reads its file twice (to check all of "
                     "it before writing anything)"));
  }
  if (static_cast<uint64_t>(info.st_size) > max_bytes) {
    std::fclose(file);
    return absl::InvalidArgumentError(absl::StrCat(QuoteInput(path), " is ", info.st_size,
                                                   " bytes; the limit is ", max_bytes,
                                                   " (--max-bytes raises it)"));
  }
  return file;
}

// Sends mapped records to the node in batches and books the answers in the report.
// Batches go round-robin over --streams streams (one by default: on the 2-core machine measured,
// two streams were slower for new records and faster for re-imports; see README, Benchmarks).
// Records of one import are independent of each other (one version per id), so their order across
// streams does not matter. Streams open with the first batch: a file with nothing to import (or a
// dry run) never reaches the node.
class UploadSink {
 public:
  // `options` null: a dry run.
  UploadSink(const ClientOptions* options, size_t batch_size, size_t streams, ImportReport& report)
      : options_(options),
        batch_size_(batch_size),
        lanes_(std::max<size_t>(1, streams)),
        report_(report) {}

  absl::Status Add(ImportedRecord&& imported) {
    if (options_ == nullptr) return absl::OkStatus();
    batch_.push_back(std::move(imported.record));
    sources_.push_back(std::move(imported.source));
    if (batch_.size() >= batch_size_) return Flush();
    return absl::OkStatus();
  }

  absl::Status Flush() {
    if (options_ == nullptr || batch_.empty()) return absl::OkStatus();
    Lane& lane = lanes_[next_++ % lanes_.size()];
    if (lane.upload == nullptr) {
      absl::StatusOr<std::unique_ptr<PublishUpload>> opened =
          PublishUpload::Open(*options_, /*skip_unchanged=*/true, /*max_in_flight=*/2,
                              /*source_times=*/true);
      if (!opened.ok()) return opened.status();
      lane.upload = *std::move(opened);
    }
    lane.pending.push_back(std::exchange(sources_, {}));
    absl::Status sent = lane.upload->Send(std::exchange(batch_, {}));
    Book();
    return sent;
  }

  // Ends the streams after their last answers; the first failure.
  absl::Status Finish() {
    absl::Status status;
    for (Lane& lane : lanes_) {
      if (lane.upload != nullptr) status.Update(lane.upload->Finish());
    }
    Book();
    return status;
  }

  // Books every answer received so far against the objects it came from.
  void Book() {
    for (Lane& lane : lanes_) {
      if (lane.upload == nullptr) continue;
      for (std::vector<v1::PublishResult>& answer : lane.upload->TakeAnswered()) {
        if (lane.pending.empty()) break;
        std::vector<std::string> sources = std::move(lane.pending.front());
        lane.pending.pop_front();
        for (size_t i = 0; i < answer.size() && i < sources.size(); ++i) {
          report_.Result(answer[i], sources[i]);
        }
      }
    }
  }

  // Records sent but never answered (a stream ended early).
  uint64_t unanswered() const {
    uint64_t n = 0;
    for (const Lane& lane : lanes_) {
      for (const auto& sources : lane.pending) n += sources.size();
    }
    return n;
  }

 private:
  struct Lane {
    std::unique_ptr<PublishUpload> upload;
    std::deque<std::vector<std::string>> pending;  // sources of batches sent, not yet answered
  };
  const ClientOptions* options_;
  size_t batch_size_;
  std::vector<Lane> lanes_;
  size_t next_ = 0;
  ImportReport& report_;
  std::vector<v1::Record> batch_;
  std::vector<std::string> sources_;
};

void PrintReport(const ImportReport& report, absl::Duration elapsed, bool dry_run, bool json) {
  for (const ImportIssue& issue : report.issues()) {
    if (json) {
      std::cout << (issue.rejected ? "{\"rejected\":"
                    : issue.noted  ? "{\"noted\":"
                                   : "{\"skipped\":")
                << JsonQuote(issue.object) << ",\"reason\":" << JsonQuote(issue.reason) << "}\n";
    } else {
      std::cerr << (issue.rejected ? "rejected "
                    : issue.noted  ? "noted "
                                   : "skipped ")
                << EscapeForTerminal(issue.object, 200) << ": " << ShownMessage(issue.reason)
                << "\n";
    }
  }
  const uint64_t not_listed =
      report.skipped() + report.rejected() + report.noted() - report.issues().size();
  if (!json && not_listed > 0) std::cerr << "(" << not_listed << " more not listed)\n";
  if (json) {
    std::cout << "{\"objects\":" << report.objects_read()
              << ",\"records\":" << report.records_mapped() << ",\"stored\":" << report.stored()
              << ",\"unchanged\":" << report.unchanged() << ",\"rejected\":" << report.rejected()
              << ",\"skipped\":" << report.skipped() << ",\"noted\":" << report.noted()
              << ",\"superseded\":" << report.superseded()
              << ",\"dry_run\":" << (dry_run ? "true" : "false")
              << ",\"seconds\":" << absl::ToDoubleSeconds(elapsed) << "}\n";
  } else {
    std::cout << (dry_run ? "dry run: " : "") << report.ProgressLine(elapsed) << " in "
              << absl::FormatDuration(absl::Trunc(elapsed, absl::Milliseconds(1))) << "\n";
  }
}

}  // namespace

absl::StatusOr<v1::PullRequest> PullRequestFromFlags(const CommandLine& line) {
  v1::PullRequest request;
  absl::StatusOr<uint64_t> since =
      line.Has("since") ? ParseCursor(line.Get("since")) : absl::StatusOr<uint64_t>(0);
  if (!since.ok()) {
    return absl::InvalidArgumentError(absl::StrCat("--since: ", since.status().message()));
  }
  absl::StatusOr<uint64_t> limit = line.Count("limit");
  absl::StatusOr<int64_t> after = line.TimeMicros("after");
  absl::StatusOr<int64_t> before = line.TimeMicros("before");
  for (const absl::Status& s : {since.status(), limit.status(), after.status(), before.status()}) {
    if (!s.ok()) return s;
  }
  request.set_since(*since);
  request.set_limit(static_cast<uint32_t>(*limit));
  request.set_modified_after_unix_micros(*after);
  request.set_modified_before_unix_micros(*before);
  for (const std::string& origin : line.All("origin")) request.add_origin_agencies(origin);
  for (const std::string& name : line.All("indicator-type")) {
    v1::IndicatorType type;
    if (!ParseIndicatorType(name, &type)) {
      return absl::InvalidArgumentError("unknown --indicator-type '" + name + "'");
    }
    request.add_indicator_types(type);
  }
  for (const std::string& name : line.All("nexus-type")) {
    std::optional<int> type = EnumFromShortName(v1::NexusType_descriptor(), "NEXUS_TYPE_", name);
    if (!type) return absl::InvalidArgumentError("unknown --nexus-type '" + name + "'");
    request.add_nexus_types(static_cast<v1::NexusType>(*type));
  }
  return request;
}

int RunImportCommand(const CommandLine& line, const ClientOptions& options,
                     const std::string& agency, bool json) {
  const auto& args = line.positional();
  if (args.size() != 3 || (args[1] != "stix" && args[1] != "misp")) {
    return BadInput("import", "usage: nexusctl import stix|misp FILE [options]");
  }
  if (agency.empty()) {
    return BadInput("import",
                    "cannot read your agency from --cert: imported records need an origin");
  }
  absl::StatusOr<ImportDefaults> defaults = DefaultsFromFlags(line, agency);
  if (!defaults.ok()) return BadInput("import", defaults.status().message());
  absl::StatusOr<uint64_t> batch = line.Count("batch", 500);
  if (!batch.ok() || *batch == 0) return BadInput("import", "--batch must be a positive number");
  absl::StatusOr<uint64_t> streams = line.Count("streams", 1);
  if (!streams.ok() || *streams == 0 || *streams > 16) {
    return BadInput("import", "--streams must be 1 to 16");
  }
  const bool dry_run = line.Has("dry-run");
  const std::string& path = args[2];
  const uint64_t max_bytes = defaults->limits.max_file_bytes;
  std::unique_ptr<BundleImport> import =
      args[1] == "stix" ? NewStixImport(*std::move(defaults)) : NewMispImport(*std::move(defaults));

  // First pass: the whole file is checked before anything is written.
  absl::StatusOr<std::FILE*> file = OpenImportFile(path, max_bytes);
  if (!file.ok()) return BadInput("import", file.status().message());
  absl::Cleanup close = [&] { std::fclose(*file); };
  struct stat scanned;
  fstat(fileno(*file), &scanned);
  if (absl::Status s = import->Scan(*file); !s.ok()) {
    return BadInput(absl::StrCat("import ", args[1], " ", QuoteInput(path)),
                    absl::StrCat(s.message(), "; nothing was imported"));
  }
  // What was checked must be what is imported: a file rewritten in between is refused (a change
  // during the second pass is caught there, object by object).
  struct stat now;
  if (fstat(fileno(*file), &now) != 0 || now.st_size != scanned.st_size ||
      now.st_mtim.tv_sec != scanned.st_mtim.tv_sec ||
      now.st_mtim.tv_nsec != scanned.st_mtim.tv_nsec) {
    return BadInput(absl::StrCat("import ", args[1], " ", QuoteInput(path)),
                    "the file changed while it was being checked; nothing was imported");
  }
  std::rewind(*file);

  ImportReport report;
  UploadSink sink(dry_run ? nullptr : &options, *batch, *streams, report);
  TerminalProgress progress(
      [&report](absl::Duration elapsed) { return report.ProgressLine(elapsed); });
  absl::Status emitted = import->Emit(
      *file,
      [&](ImportedRecord&& record) {
        progress.Tick();
        return sink.Add(std::move(record));
      },
      report);
  if (emitted.ok()) emitted = sink.Flush();
  absl::Status finished = sink.Finish();
  progress.Done();
  PrintReport(report, progress.elapsed(), dry_run, json);
  if (!emitted.ok() && finished.ok()) finished = emitted;
  if (!finished.ok()) {
    return ReportFailure(
        "", "import",
        absl::Status(finished.code(),
                     absl::StrCat(finished.message(), "; ", sink.unanswered(),
                                  " records sent were not answered (importing the file again "
                                  "stores only what is missing)")));
  }
  if (report.rejected() > 0) return kExitRefused;
  if (report.skipped() > 0 && !line.Has("allow-partial")) return kExitRefused;
  return kExitOk;
}

int RunExportCommand(const CommandLine& line, NexusClient& client, const Keyring* keys) {
  if (line.positional().size() != 2 || line.positional()[1] != "stix") {
    return BadInput("export", "usage: nexusctl export stix [--since CURSOR] [filters]");
  }
  if (keys == nullptr) {
    return BadInput("export",
                    "--keys (or NEXUS_KEYS) is needed: only verified records are exported");
  }
  absl::StatusOr<v1::PullRequest> request = PullRequestFromFlags(line);
  if (!request.ok()) return BadInput("export", request.status().message());
  StixBundleWriter writer(std::cout);
  uint64_t exported = 0, unverified = 0, unrepresentable = 0;
  NexusClient::PullInfo info;
  absl::Status status = client.Pull(
      *request,
      [&](const v1::PullResponse& response) {
        absl::StatusOr<OpenedRecord> opened = OpenRecord(response.record(), *keys);
        if (!opened.ok()) {
          ++unverified;
          std::fprintf(stderr,
                       "nexusctl: export: left out a record at cursor %llu: NOT VERIFIED: %s\n",
                       static_cast<unsigned long long>(response.cursor()),
                       ShownMessage(opened.status().message()).c_str());
          return true;
        }
        if (absl::Status s = writer.Add(*opened, response.received_from()); !s.ok()) {
          ++unrepresentable;
          std::fprintf(stderr, "nexusctl: export: left out record %s version %llu: %s\n",
                       EscapeForTerminal(opened->record.id(), 64).c_str(),
                       static_cast<unsigned long long>(opened->record.version()),
                       ShownMessage(s.message()).c_str());
          return true;
        }
        ++exported;
        return true;
      },
      &info);
  writer.Finish();
  std::cout.flush();
  std::fprintf(
      stderr,
      "exported %llu record versions (left out: %llu not verified, %llu not representable as a "
      "STIX indicator); resume with --since %s\n",
      static_cast<unsigned long long>(exported), static_cast<unsigned long long>(unverified),
      static_cast<unsigned long long>(unrepresentable), CursorText(info.resume).c_str());
  if (info.unreadable_entries > 0) {
    std::fprintf(stderr,
                 "nexusctl: export: INCOMPLETE: the node could not read %llu entries of its "
                 "feed (a damaged store)\n",
                 static_cast<unsigned long long>(info.unreadable_entries));
  }
  if (!status.ok()) {
    return ReportFailure(
        "", "export",
        absl::Status(status.code(),
                     absl::StrCat(status.message(), " (the bundle holds what came before)")));
  }
  if (info.unreadable_entries > 0) return kExitUnavailable;
  return unverified > 0 ? kExitUnverified : kExitOk;
}

}  // namespace nexus
