#include "client/cli/audit_commands.h"

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <map>
#include <optional>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/time/time.h"
#include "client/audit_client.h"
#include "client/cli/audit_report_command.h"
#include "client/cli/audit_text.h"
#include "client/cli/audit_trail.h"
#include "client/cli/audit_verification.h"
#include "client/cli/exit_codes.h"
#include "client/cli/federated_trail.h"
#include "client/cli/federation_commands.h"
#include "client/cli/offline_audit.h"
#include "client/cli/record_text.h"
#include "client/cli/store_cross_check.h"
#include "client/cli/terminal_progress.h"
#include "client/witness_file.h"
#include "common/audit_verifier.h"
#include "common/checkpoint.h"
#include "common/crypto.h"
#include "common/merkle.h"
#include "common/trail_ask.h"
#include "common/untrusted_text.h"
#include "nexus/v1/node_config.pb.h"

namespace nexus {

const char kAuditUsage[] = R"(audit commands (auditor certificate, or any of the node's own agency):
  audit tail [--limit N]            the newest entries (default 20)
  audit list [filters]              entries, oldest first
  audit export [FILE] [filters]     entries as JSON lines (to FILE or standard output)
  audit trail RECORD_ID [filters]   the record's disclosure trail at this node: every entry that
                                    names it (published, read, searched, alerted, sent to a peer,
                                    received, refused), who, when and why, then a summary
  audit trail RECORD_ID --federation --keys DIR
                                    the same at every node the record went to or came from, one
                                    hop at a time through the nodes it took (auditors of the
                                    record's origin agency, or of an agency that oversees it);
                                    each answer proved in the node's signed head and checked
                                    against the head a node witnessed of it; nodes that do not
                                    answer (down, unreachable, refusing) are named (exit 3)
  audit verify                      recompute the whole tree and check it against the node's
                                    signed head, every checkpoint it signed and every checkpoint
                                    you witnessed before, as the log of the agency the node's
                                    certificate names
  audit verify --offline DATA_DIR (--agency AGENCY | --config NODE_CONFIG)
                                    the same over a copy of a node's data directory, and its
                                    stored tree and records, as the log of the agency named
  audit verify --peer AGENCY        the signed heads of AGENCY's audit log that the node (its
                                    peer) verified: NOT VERIFIED if the node raised an alarm or
                                    its heads contradict each other (with --keys: or a signature)
  audit prove ENTRY                 fetch and check the inclusion proof of one entry
  audit consistency OLD NEW         fetch and check the consistency proof between two checkpoints
  audit report [--since TIME] [--until TIME] (--html FILE | --json) [--offline DATA_DIR ...]
                                    one self-contained HTML page (and/or JSON on standard output)
                                    for an oversight body: the verification above, first, then
                                    sharing flows, reads by agency and purpose, refusals over
                                    time and the busiest records in [--since, --until), each with
                                    the entries behind it; exit 0 verified, 4 not (page written)
filters: --from INDEX --to INDEX --actor AGENCY[/ROLE] --person NAME --with-purpose TEXT
         --action A[,B...] --exclude-action A[,B...] --record ID --outcome OUTCOME
         --after TIME --before TIME --limit N
         (--person and --with-purpose match a part, any case; --action and --exclude-action
         may be repeated)
--witness FILE: where verified checkpoints are kept (default
  ~/.nexusctl/witness/AGENCY.KEY.checkpoints, KEY the first 16 hex digits of the SHA-256 of the
  public key that signs the node's heads: one file per node identity)
A recovery the log records (a node started with --accept-unverified-audit-log) is shown as a
WARNING with the verdict.
--keys DIR must hold the audited agency's public key.
)";

namespace {

// Messages may quote input (the node's answer, an entry's text): printed escaped and bounded.
std::string Shown(absl::string_view text) { return ShownMessage(text); }

int Usage(const std::string& problem) { return ReportUsage("audit", problem); }

int Failure(const absl::Status& status, const std::string& doing) {
  return ReportFailure("audit", doing, status);
}

int Unverified(const std::string& problem, const std::string& witness_path = "") {
  std::fprintf(stderr, "nexusctl audit: NOT VERIFIED: %s\n", Shown(problem).c_str());
  if (!witness_path.empty())
    std::fprintf(stderr, "witness file: %s\n", Shown(witness_path).c_str());
  return kExitUnverified;
}

absl::StatusOr<v1::ListEntriesRequest> ListRequest(const CommandLine& line) {
  v1::ListEntriesRequest request;
  absl::StatusOr<uint64_t> from = line.Count("from");
  absl::StatusOr<uint64_t> to = line.Count("to");
  absl::StatusOr<uint64_t> limit = line.Count("limit");
  absl::StatusOr<int64_t> after = line.TimeMicros("after");
  absl::StatusOr<int64_t> before = line.TimeMicros("before");
  for (const absl::Status& s :
       {from.status(), to.status(), limit.status(), after.status(), before.status()}) {
    if (!s.ok()) return s;
  }
  request.set_start(*from);
  request.set_end(*to == 0 ? 0 : *to + 1);  // --to is inclusive
  request.set_limit(static_cast<uint32_t>(*limit));
  v1::AuditFilter* filter = request.mutable_filter();
  if (line.Has("actor")) {
    // AGENCY, AGENCY/ROLE or /ROLE: an actor as the log's lines show it.
    const std::string actor = line.Get("actor");
    const size_t slash = actor.find('/');
    filter->set_actor_agency(actor.substr(0, slash));
    if (slash != std::string::npos) filter->set_actor_role(actor.substr(slash + 1));
    if (filter->actor_agency().empty() && filter->actor_role().empty()) {
      return absl::InvalidArgumentError("--actor needs AGENCY, AGENCY/ROLE or /ROLE");
    }
  }
  filter->set_actor_person(line.Get("person"));
  filter->set_purpose(line.Get("with-purpose"));
  filter->set_record_id(line.Get("record"));
  filter->set_after_unix_micros(*after);
  filter->set_before_unix_micros(*before);
  // Each of --action and --exclude-action: a comma-separated list, and may be repeated.
  for (const auto& [flag, into] :
       {std::pair("action", filter->mutable_actions()),
        std::pair("exclude-action", filter->mutable_exclude_actions())}) {
    for (const std::string& given : line.All(flag)) {
      for (absl::string_view name : absl::StrSplit(given, ',', absl::SkipWhitespace())) {
        v1::AuditAction action;
        if (!ParseAuditAction(absl::StripAsciiWhitespace(name), &action)) {
          return absl::InvalidArgumentError(
              absl::StrCat("unknown --", flag, " '", name, "' (", AuditActionNames(), ")"));
        }
        into->Add(action);
      }
    }
  }
  if (line.Has("outcome")) {
    v1::AuditOutcome outcome;
    if (!ParseAuditOutcome(line.Get("outcome"), &outcome)) {
      return absl::InvalidArgumentError(
          absl::StrCat("unknown --outcome '", line.Get("outcome"), "' (ok, unchanged, refused)"));
    }
    filter->set_outcome(outcome);
  }
  return request;
}

absl::StatusOr<std::unique_ptr<AuditClient>> Connect(const ClientOptions& options) {
  return AuditClient::Create(options);
}

int List(const CommandLine& line, const ClientOptions& options, bool json, bool tail,
         std::ostream& out) {
  absl::StatusOr<v1::ListEntriesRequest> request = ListRequest(line);
  if (!request.ok()) return Usage(std::string(request.status().message()));
  if (tail) {
    request->set_newest_first(true);
    if (request->limit() == 0) request->set_limit(20);
  }
  absl::StatusOr<std::unique_ptr<AuditClient>> client = Connect(options);
  if (!client.ok()) return Usage(std::string(client.status().message()));
  std::vector<v1::AuditEntryBytes> listed;
  absl::Status status = (*client)->ListEntries(*request, [&](const v1::AuditEntryBytes& entry) {
    if (tail) {
      listed.push_back(entry);
    } else {
      out << (json ? AuditEntryToJson(entry) + "\n" : AuditEntryToHumanText(entry));
    }
    return true;
  });
  if (!status.ok()) return Failure(status, "list");
  for (auto it = listed.rbegin(); it != listed.rend(); ++it) {
    out << (json ? AuditEntryToJson(*it) + "\n" : AuditEntryToHumanText(*it));
  }
  return kExitOk;
}

// The auditor's witness file for the log of `agency` whose heads `head`'s key signs: --witness,
// or the default one for that agency and key.
WitnessFile WitnessFor(const CommandLine& line, const std::string& agency,
                       const v1::SignedCheckpoint& head, const Keyring* keys) {
  if (line.Has("witness")) return WitnessFile(line.Get("witness"));
  static const Keyring* const kNoKeys = new Keyring();
  return WitnessFile::Default(agency, head.key_id(), keys != nullptr ? *keys : *kNoKeys);
}

// The agency whose log an online command reads: the one the node's certificate names, as the TLS
// handshake verified it, never the origin a head claims. `--agency`, if given, must agree.
absl::StatusOr<std::string> NodeAgency(const CommandLine& line, const std::string& certified) {
  if (certified.empty()) {
    return absl::FailedPreconditionError(
        "the node's certificate names no agency (no urn:nexus:agency: name with role node): "
        "whose log this is cannot be known");
  }
  if (line.Has("agency") && line.Get("agency") != certified) {
    return absl::FailedPreconditionError(absl::StrCat("--agency is '", line.Get("agency"),
                                                      "' but the node presents the node ",
                                                      "certificate of agency '", certified, "'"));
  }
  return certified;
}

// A checkpoint the node served, verified as the node's own: signed under `keys`, by the agency
// its certificate names.
absl::StatusOr<v1::Checkpoint> VerifyOwnCheckpoint(const CommandLine& line, const Keyring& keys,
                                                   const v1::SignedCheckpoint& signed_checkpoint,
                                                   const std::string& certified) {
  absl::StatusOr<std::string> agency = NodeAgency(line, certified);
  if (!agency.ok()) return agency.status();
  absl::StatusOr<v1::Checkpoint> checkpoint = VerifyCheckpoint(signed_checkpoint, keys);
  if (!checkpoint.ok()) return checkpoint.status();
  if (checkpoint->origin() != *agency) {
    return absl::DataLossError(absl::StrCat(
        "the node of agency '", *agency, "' (its certificate) serves a checkpoint signed as '",
        checkpoint->origin(), "': a log re-signed by another member, or the wrong log"));
  }
  return checkpoint;
}

// Offline, whose data directory it is comes from the auditor: --agency, or the agency_id of the
// node's configuration (--config). A log re-signed as another member verifies under that member's
// key, so the claim in the log itself is never taken.
absl::StatusOr<std::string> OfflineAgency(const CommandLine& line) {
  std::string configured;
  if (line.Has("config")) {
    v1::NodeConfig config;
    if (absl::Status s = ParseTextFile(line.Get("config"), &config); !s.ok()) return s;
    configured = config.agency_id();
    if (configured.empty()) {
      return absl::InvalidArgumentError(absl::StrCat(line.Get("config"), " names no agency_id"));
    }
  }
  if (line.Has("agency") && !configured.empty() && line.Get("agency") != configured) {
    return absl::InvalidArgumentError(absl::StrCat(
        "--agency '", line.Get("agency"), "' and --config's agency '", configured, "' disagree"));
  }
  if (line.Has("agency")) return line.Get("agency");
  if (!configured.empty()) return configured;
  return absl::InvalidArgumentError(
      "verify --offline needs the agency whose node wrote the data directory: --agency AGENCY, "
      "or --config NODE_CONFIG (a log re-signed by another member would otherwise verify as "
      "that member's)");
}

// Checks `latest` (already signature-verified) against the witnessed checkpoint of the largest
// size not above it, with a consistency proof from the node, then records it as witnessed.
// Witnessed checkpoints were each checked against the one before, so one proof covers them all.
absl::Status Witness(const WitnessFile& witness, AuditClient& client, const Keyring& keys,
                     const v1::SignedCheckpoint& latest_signed, const v1::Checkpoint& latest) {
  absl::StatusOr<std::vector<v1::SignedCheckpoint>> seen = witness.Load(&keys);
  if (!seen.ok()) return seen.status();
  std::optional<v1::Checkpoint> previous;
  for (const v1::SignedCheckpoint& signed_checkpoint : *seen) {
    absl::StatusOr<v1::Checkpoint> checkpoint = VerifyCheckpoint(signed_checkpoint, keys);
    if (!checkpoint.ok()) return checkpoint.status();
    if (checkpoint->origin() != latest.origin()) {
      return absl::DataLossError(absl::StrCat(
          "the witness file ", witness.path(), " holds a checkpoint of agency '",
          checkpoint->origin(), "', not of '", latest.origin(), "' (wrong --witness file?)"));
    }
    if (checkpoint->tree_size() > latest.tree_size()) {
      return absl::DataLossError(absl::StrCat("the log shrank: you witnessed tree size ",
                                              checkpoint->tree_size(), " (", witness.path(),
                                              "), the node now signs ", latest.tree_size()));
    }
    if (!previous || checkpoint->tree_size() >= previous->tree_size()) previous = *checkpoint;
  }
  if (previous) {
    absl::StatusOr<std::vector<merkle::Hash>> proof =
        client.ConsistencyProof(previous->tree_size(), latest.tree_size());
    if (!proof.ok()) return proof.status();
    absl::Status consistent = merkle::VerifyConsistency(
        previous->tree_size(), latest.tree_size(), *RootOf(*previous), *RootOf(latest), *proof);
    if (!consistent.ok()) {
      return absl::DataLossError(absl::StrCat(
          "history was rewritten: the tree at size ", latest.tree_size(),
          " is not an extension of the one you witnessed at size ", previous->tree_size(), " (",
          witness.path(), "; ", consistent.message(), ")"));
    }
    if (previous->tree_size() == latest.tree_size()) return absl::OkStatus();
  }
  return witness.Add(latest_signed);
}

// A failure to read is never a verdict on the log: it gets its own exit code and wording.
// Online (`from_node`), a node that cannot serve the call (unreachable, failed) is exit 3 as for
// every command.
int CannotRead(const absl::Status& status, const std::string& what, bool from_node = true) {
  bool unreachable = from_node && ExitCodeFor(status) == kExitUnavailable;
  bool refused = status.code() == absl::StatusCode::kPermissionDenied ||
                 status.code() == absl::StatusCode::kUnauthenticated;
  std::fprintf(stderr, "nexusctl audit: CANNOT READ %s (nothing is known about tampering): %s\n",
               what.c_str(), Shown(status.message()).c_str());
  return unreachable ? kExitUnavailable : refused ? kExitRefused : kExitUnreadable;
}

// Records `head` (verified, and checked against every witnessed checkpoint by VerifyAuditLog,
// which recomputed the tree at each witnessed size) as witnessed, unless already covered.
absl::Status WitnessVerified(const WitnessFile& witness,
                             const std::vector<v1::SignedCheckpoint>& seen,
                             const v1::SignedCheckpoint& head, uint64_t head_size) {
  for (const v1::SignedCheckpoint& signed_checkpoint : seen) {
    v1::Checkpoint checkpoint;
    if (checkpoint.ParseFromString(signed_checkpoint.checkpoint()) &&
        checkpoint.tree_size() >= head_size) {
      return absl::OkStatus();
    }
  }
  return witness.Add(head);
}

// The head verified against, and what the auditor had witnessed before, for a report.
void NoteHeads(const AuditVerifyOptions& verify, VerifyOutcome& outcome) {
  const v1::SignedCheckpoint* head = verify.head                  ? &*verify.head
                                     : verify.checkpoints.empty() ? nullptr
                                                                  : &verify.checkpoints.back();
  v1::Checkpoint parsed;
  if (head != nullptr && parsed.ParseFromString(head->checkpoint())) outcome.head = parsed;
  for (const v1::SignedCheckpoint& witnessed : verify.witnessed) {
    if (!parsed.ParseFromString(witnessed.checkpoint())) continue;
    ++outcome.witnessed;
    outcome.witnessed_size = std::max(outcome.witnessed_size, parsed.tree_size());
  }
}

// `source`, with `observe` shown every entry before the verifier sees it.
AuditEntrySource Observed(AuditEntrySource source, const AuditEntryObserver& observe) {
  if (!observe) return source;
  return [source = std::move(source), observe](const auto& visit) {
    return source([&](uint64_t index, absl::string_view bytes, absl::string_view leaf) {
      observe(index, bytes);
      return visit(index, bytes, leaf);
    });
  };
}

// Verifies a copy of a node's data directory; returns an exit code if it ends early.
std::optional<int> VerifyOffline(const CommandLine& line, const Keyring* keys,
                                 VerifyOutcome& outcome, const AuditEntryObserver& observe) {
  absl::StatusOr<std::string> agency = OfflineAgency(line);
  if (!agency.ok()) return Usage(std::string(agency.status().message()));
  outcome.agency_source = line.Has("agency") ? "--agency" : "--config";
  absl::StatusOr<std::unique_ptr<OfflineAuditLog>> log = OfflineAuditLog::Open(line.Get("offline"));
  if (!log.ok()) {
    if (absl::IsNotFound(log.status())) return Unverified(std::string(log.status().message()));
    return CannotRead(log.status(), "the data directory", /*from_node=*/false);
  }
  AuditVerifyOptions verify;
  verify.keys = keys;
  verify.expected_origin = *agency;
  absl::StatusOr<std::vector<v1::SignedCheckpoint>> checkpoints = (*log)->Checkpoints();
  if (absl::IsUnavailable(checkpoints.status())) {
    return CannotRead(checkpoints.status(), "the checkpoints", /*from_node=*/false);
  }
  if (!checkpoints.ok()) return Unverified(std::string(checkpoints.status().message()));
  verify.checkpoints = *std::move(checkpoints);
  absl::StatusOr<v1::SignedCheckpoint> head = (*log)->Head();
  if (head.ok()) {
    verify.head = *head;
  } else if (absl::IsUnavailable(head.status())) {
    return CannotRead(head.status(), "the signed head", /*from_node=*/false);
  } else if (!absl::IsNotFound(head.status())) {
    return Unverified(std::string(head.status().message()));
  }
  const WitnessFile witness = WitnessFor(
      line, *agency,
      verify.head
          ? *verify.head
          : (verify.checkpoints.empty() ? v1::SignedCheckpoint() : verify.checkpoints.back()),
      keys);
  outcome.witness_path = witness.path();
  absl::StatusOr<std::vector<v1::SignedCheckpoint>> seen = witness.Load(keys);
  if (!seen.ok()) return Usage(std::string(seen.status().message()));
  verify.witnessed = *std::move(seen);
  verify.stored_nodes = (*log)->StoredNodes();
  NoteHeads(verify, outcome);
  outcome.report = VerifyAuditLog(verify, Observed((*log)->Entries(), observe));
  AuditVerifyReport& report = outcome.report;
  absl::StatusOr<uint64_t> superseded = (*log)->SupersededCheckpoints();
  if (!superseded.ok()) {
    return CannotRead(superseded.status(), "the superseded checkpoints", /*from_node=*/false);
  }
  outcome.superseded = *superseded;
  if (!report.ok) return std::nullopt;
  absl::StatusOr<StoreCrossCheckReport> checked = CrossCheckStore(**log);
  if (!checked.ok()) return CannotRead(checked.status(), "the record store", false);
  outcome.store = *std::move(checked);
  if (outcome.store->total_mismatches != 0) {
    report.ok = false;
    report.problem = absl::StrCat("the record store and the audit log disagree in ",
                                  outcome.store->total_mismatches, " places");
    return std::nullopt;
  }
  if (absl::Status s = WitnessVerified(witness, verify.witnessed,
                                       verify.head ? *verify.head : verify.checkpoints.back(),
                                       report.verified_size);
      !s.ok()) {
    return CannotRead(s, "the witness file", /*from_node=*/false);
  }
  return std::nullopt;
}

// Verifies the log a node serves; returns an exit code if it ends early.
std::optional<int> VerifyOnline(const CommandLine& line, const ClientOptions& options,
                                const Keyring* keys, VerifyOutcome& outcome,
                                const AuditEntryObserver& observe) {
  absl::StatusOr<std::unique_ptr<AuditClient>> client = Connect(options);
  if (!client.ok()) return Usage(std::string(client.status().message()));
  AuditVerifyOptions verify;
  verify.keys = keys;
  // Checkpoints first, then the head: the head, fetched later, covers every checkpoint
  // listed, so any checkpoint beyond it is evidence of a truncation, not a race.
  absl::StatusOr<std::vector<v1::SignedCheckpoint>> all =
      (*client)->ListCheckpoints(0, &outcome.superseded);
  if (!all.ok()) return CannotRead(all.status(), "the node's checkpoints");
  verify.checkpoints = *std::move(all);
  std::string certified;
  absl::StatusOr<v1::SignedCheckpoint> latest =
      (*client)->GetCheckpoint(/*sign_now=*/false, &certified);
  if (!latest.ok()) return CannotRead(latest.status(), "the node's signed head");
  absl::StatusOr<std::string> agency = NodeAgency(line, certified);
  if (!agency.ok()) return Unverified(std::string(agency.status().message()));
  verify.expected_origin = *agency;
  outcome.agency_source = "the node's certificate";
  absl::StatusOr<v1::Checkpoint> head = VerifyCheckpoint(*latest, *keys);
  if (!head.ok()) return Unverified(std::string(head.status().message()));
  verify.head = *latest;
  const WitnessFile witness = WitnessFor(line, *agency, *latest, keys);
  outcome.witness_path = witness.path();
  absl::StatusOr<std::vector<v1::SignedCheckpoint>> seen = witness.Load(keys);
  if (!seen.ok()) return Usage(std::string(seen.status().message()));
  verify.witnessed = *std::move(seen);
  v1::ListEntriesRequest request;
  request.set_end(head->tree_size());
  AuditClient* raw = client->get();
  absl::Status read_status;
  NoteHeads(verify, outcome);
  outcome.report = VerifyAuditLog(
      verify, Observed(
                  [&](const auto& visit) {
                    read_status = raw->ListEntries(request, [&](const v1::AuditEntryBytes& entry) {
                      return visit(entry.index(), entry.entry(), entry.leaf_hash());
                    });
                    return read_status;
                  },
                  observe));
  AuditVerifyReport& report = outcome.report;
  if (report.unreadable) return CannotRead(read_status, "the node's entries");
  if (report.ok) {
    absl::Status witnessed = Witness(witness, **client, *keys, *latest, *head);
    if (!witnessed.ok()) {
      if (!absl::IsDataLoss(witnessed)) return CannotRead(witnessed, "a consistency proof");
      report.ok = false;
      report.problem = std::string(witnessed.message());
    }
  }
  return std::nullopt;
}

void PrintVerdictJson(const VerifyOutcome& outcome) {
  const AuditVerifyReport& report = outcome.report;
  std::cout << "{\"ok\":" << (report.ok ? "true" : "false")
            << ",\"agency\":" << JsonQuote(report.origin)
            << ",\"agency_from\":" << JsonQuote(outcome.agency_source)
            << ",\"witness_file\":" << JsonQuote(outcome.witness_path)
            << ",\"entries\":" << report.entries << ",\"verified_size\":" << report.verified_size
            << ",\"checkpoints\":" << report.checkpoints << ",\"index\":" << report.index
            << ",\"problem\":" << JsonQuote(report.problem)
            << ",\"expected\":" << JsonQuote(report.expected)
            << ",\"found\":" << JsonQuote(report.found) << ",\"root\":" << JsonQuote(report.root)
            << ",\"recoveries\":[";
  for (size_t i = 0; i < report.recoveries.size(); ++i) {
    const LogOpeningRecord& recovery = report.recoveries[i];
    std::cout << (i == 0 ? "" : ",") << "{\"entry\":" << recovery.entry
              << ",\"time_unix_micros\":" << recovery.time_unix_micros
              << ",\"accepted_failure\":" << JsonQuote(recovery.opening.accepted_failure()) << "}";
  }
  std::cout << "],\"superseded_checkpoints\":" << outcome.superseded << ",\"notes\":[";
  for (size_t i = 0; i < report.notes.size(); ++i) {
    std::cout << (i == 0 ? "" : ",") << JsonQuote(report.notes[i]);
  }
  std::cout << "],\"store_mismatches\":[";
  if (outcome.store) {
    for (size_t i = 0; i < outcome.store->mismatches.size(); ++i) {
      std::cout << (i == 0 ? "" : ",") << JsonQuote(outcome.store->mismatches[i]);
    }
  }
  std::cout << "]}\n";
}

// What the log says of its own history (accepted recoveries, upgrades), shown with any verdict
// in which the log itself verified.
void PrintHistory(const VerifyOutcome& outcome) {
  for (const LogOpeningRecord& recovery : outcome.report.recoveries) {
    std::cout << "WARNING: " << Shown(DescribeRecovery(recovery)) << "\n";
  }
  if (outcome.superseded != 0) std::cout << "note: " << SupersededNote(outcome.superseded) << "\n";
  for (const std::string& note : outcome.report.notes) std::cout << "note: " << Shown(note) << "\n";
}

void PrintVerdict(const VerifyOutcome& outcome) {
  const AuditVerifyReport& report = outcome.report;
  const std::optional<StoreCrossCheckReport>& store = outcome.store;
  if (report.ok) {
    std::cout << "OK: " << report.entries << " entries of agency '" << Shown(report.origin)
              << "' (the agency expected from " << outcome.agency_source << "); "
              << report.checkpoints << " signed checkpoints verified; tree size "
              << report.verified_size << " root " << report.root << "\n";
    if (store) {
      std::cout << "OK: the record store agrees with the log: " << store->versions
                << " record versions, " << store->feed_entries << " feed entries, "
                << store->index_keys << " index keys\n";
      if (store->legacy_versions != 0) {
        std::cout << "note: " << store->legacy_versions
                  << " record versions were logged before audit entries bound the manifest "
                     "digest and feed position (an older data directory): for them only "
                     "existence and the latest version were checked\n";
      }
    }
    PrintHistory(outcome);
  } else if (store && store->total_mismatches != 0) {
    std::cout << "STORE AND LOG DISAGREE (the log itself verifies: " << report.entries
              << " entries): " << Shown(report.problem) << "\n";
    for (const std::string& mismatch : store->mismatches) {
      std::cout << "  " << Shown(mismatch) << "\n";
    }
    if (store->total_mismatches > store->mismatches.size()) {
      std::cout << "  ... and " << store->total_mismatches - store->mismatches.size() << " more\n";
    }
    // The log verified: what it says about itself (an accepted recovery) explains the store.
    PrintHistory(outcome);
  } else {
    std::cout << "BROKEN at entry " << report.index << ": " << Shown(report.problem) << "\n";
    if (!report.expected.empty()) std::cout << "  expected " << Shown(report.expected) << "\n";
    if (!report.found.empty()) std::cout << "  found    " << Shown(report.found) << "\n";
  }
  if (!outcome.witness_path.empty()) {
    std::cout << "witness file: " << Shown(outcome.witness_path) << "\n";
  }
}

int Verify(const CommandLine& line, const ClientOptions& options, const Keyring* keys, bool json) {
  // Another agency's log, as this node witnessed it: its own command, since no entry is read.
  if (line.Has("peer")) return RunPeerAuditVerify(line, options, keys, json);
  if (keys == nullptr) return Usage("verify needs --keys DIR with the audited agency's public key");
  VerifyOutcome outcome;
  // Millions of entries take seconds to minutes: how far the verifier has read, on a terminal.
  uint64_t read = 0;
  TerminalProgress progress([&read](absl::Duration elapsed) {
    const double seconds = std::max(absl::ToDoubleSeconds(elapsed), 1e-3);
    return absl::StrFormat("verifying: %d entries read (%.0f/s)", read, read / seconds);
  });
  std::optional<int> ended =
      RunAuditVerification(line, options, keys, outcome, [&](uint64_t, absl::string_view) {
        ++read;
        progress.Tick();
      });
  progress.Done();
  if (ended) return *ended;
  if (outcome.report.unreadable) {
    return CannotRead(absl::DataLossError(outcome.report.problem), "the log", /*from_node=*/false);
  }
  if (json) {
    PrintVerdictJson(outcome);
  } else {
    PrintVerdict(outcome);
  }
  return outcome.report.ok ? kExitOk : kExitUnverified;
}

int Prove(const CommandLine& line, const ClientOptions& options, const Keyring* keys) {
  if (keys == nullptr) return Usage("prove needs --keys DIR with the audited agency's public key");
  uint64_t index;
  if (line.positional().size() != 3 || !absl::SimpleAtoi(line.positional()[2], &index)) {
    return Usage("prove takes one ENTRY index");
  }
  absl::StatusOr<std::unique_ptr<AuditClient>> client = Connect(options);
  if (!client.ok()) return Usage(std::string(client.status().message()));
  std::string certified;
  absl::StatusOr<v1::SignedCheckpoint> latest =
      (*client)->GetCheckpoint(/*sign_now=*/true, &certified);
  if (!latest.ok()) return Failure(latest.status(), "prove");
  absl::StatusOr<v1::Checkpoint> checkpoint = VerifyOwnCheckpoint(line, *keys, *latest, certified);
  if (!checkpoint.ok()) return Unverified(std::string(checkpoint.status().message()));
  if (index >= checkpoint->tree_size()) {
    return Failure(absl::OutOfRangeError(absl::StrCat("entry ", index, " is beyond tree size ",
                                                      checkpoint->tree_size())),
                   "prove");
  }
  v1::ListEntriesRequest request;
  request.set_start(index);
  request.set_end(index + 1);
  v1::AuditEntryBytes entry;
  bool found = false;
  absl::Status listed = (*client)->ListEntries(request, [&](const v1::AuditEntryBytes& e) {
    entry = e;
    found = true;
    return false;
  });
  if (!listed.ok()) return Failure(listed, "prove");
  if (!found || entry.index() != index)
    return Unverified(absl::StrCat("entry ", index, " is missing"));
  absl::StatusOr<std::vector<merkle::Hash>> proof =
      (*client)->InclusionProof(index, checkpoint->tree_size());
  if (!proof.ok()) return Failure(proof.status(), "prove");
  absl::Status included =
      merkle::VerifyInclusion(index, checkpoint->tree_size(), merkle::LeafHash(entry.entry()),
                              *proof, *RootOf(*checkpoint));
  if (!included.ok()) {
    return Unverified(absl::StrCat("entry ", index, " is not in the signed tree of size ",
                                   checkpoint->tree_size(), ": ", included.message()));
  }
  const WitnessFile witness = WitnessFor(line, checkpoint->origin(), *latest, keys);
  if (absl::Status s = Witness(witness, **client, *keys, *latest, *checkpoint); !s.ok()) {
    return Unverified(std::string(s.message()), witness.path());
  }
  std::cout << AuditEntryToHumanText(entry) << "OK: entry " << index
            << " is included in the tree of size " << checkpoint->tree_size() << " (root "
            << merkle::ToHex(*RootOf(*checkpoint)) << ") signed by '" << Shown(checkpoint->origin())
            << "'; proof of " << proof->size() << " hashes\nwitness file: " << Shown(witness.path())
            << "\n";
  return kExitOk;
}

int Consistency(const CommandLine& line, const ClientOptions& options, const Keyring* keys) {
  if (keys == nullptr) {
    return Usage("consistency needs --keys DIR with the audited agency's public key");
  }
  uint64_t first, second;
  if (line.positional().size() != 4 || !absl::SimpleAtoi(line.positional()[2], &first) ||
      !absl::SimpleAtoi(line.positional()[3], &second) || first > second) {
    return Usage("consistency takes OLD_SIZE NEW_SIZE, with OLD_SIZE <= NEW_SIZE");
  }
  absl::StatusOr<std::unique_ptr<AuditClient>> client = Connect(options);
  if (!client.ok()) return Usage(std::string(client.status().message()));
  absl::StatusOr<std::vector<v1::SignedCheckpoint>> all = (*client)->ListCheckpoints(0);
  if (!all.ok()) return Failure(all.status(), "consistency");
  std::string certified;
  if (absl::StatusOr<v1::SignedCheckpoint> head = (*client)->GetCheckpoint(false, &certified);
      !head.ok()) {
    return Failure(head.status(), "consistency");
  }
  // Roots come from signed checkpoints only: the node's, or ones witnessed earlier.
  std::map<uint64_t, std::pair<v1::Checkpoint, v1::SignedCheckpoint>> signed_roots;
  std::string sizes;
  for (const v1::SignedCheckpoint& c : *all) {
    absl::StatusOr<v1::Checkpoint> checkpoint = VerifyOwnCheckpoint(line, *keys, c, certified);
    if (!checkpoint.ok()) return Unverified(std::string(checkpoint.status().message()));
    auto [it, inserted] = signed_roots.try_emplace(checkpoint->tree_size(), *checkpoint, c);
    if (!inserted && it->second.first.root_hash() != checkpoint->root_hash()) {
      return Unverified(absl::StrCat("the node signed two different roots for tree size ",
                                     checkpoint->tree_size(), ": it keeps two histories"));
    }
    absl::StrAppend(&sizes, sizes.empty() ? "" : ", ", checkpoint->tree_size());
  }
  for (uint64_t size : {first, second}) {
    if (!signed_roots.count(size)) {
      return Usage(absl::StrCat("no signed checkpoint at tree size ", size,
                                "; the node has: ", sizes.empty() ? "none" : sizes));
    }
  }
  const v1::Checkpoint& old_checkpoint = signed_roots[first].first;
  const v1::Checkpoint& new_checkpoint = signed_roots[second].first;
  absl::StatusOr<std::vector<merkle::Hash>> proof = (*client)->ConsistencyProof(first, second);
  if (!proof.ok()) return Failure(proof.status(), "consistency");
  absl::Status consistent = merkle::VerifyConsistency(first, second, *RootOf(old_checkpoint),
                                                      *RootOf(new_checkpoint), *proof);
  if (!consistent.ok()) {
    return Unverified(absl::StrCat("tree size ", second, " is not an extension of tree size ",
                                   first, ": ", consistent.message()));
  }
  const auto& newest = signed_roots.rbegin()->second;
  const WitnessFile witness = WitnessFor(line, newest.first.origin(), newest.second, keys);
  if (absl::Status s = Witness(witness, **client, *keys, newest.second, newest.first); !s.ok()) {
    return Unverified(std::string(s.message()), witness.path());
  }
  std::cout << "OK: tree size " << second << " (root " << merkle::ToHex(*RootOf(new_checkpoint))
            << ") extends tree size " << first << " (root "
            << merkle::ToHex(*RootOf(old_checkpoint)) << "); proof of " << proof->size()
            << " hashes\nwitness file: " << Shown(witness.path()) << "\n";
  return kExitOk;
}

// The record's trail at every node it went through (client/cli/federated_trail.h): each node's
// entries, proved in its signed head and checked against the head a node witnessed of it, and
// the nodes that did not answer, named.
int FederatedTrail(const CommandLine& line, const ClientOptions& options, const Keyring* keys,
                   bool json, const std::string& record_id) {
  for (const char* filter : {"from", "to", "actor", "person", "with-purpose", "action",
                             "exclude-action", "record", "outcome", "after", "before", "limit"}) {
    if (line.Has(filter)) return Usage(absl::StrCat("trail --federation takes no --", filter));
  }
  if (keys == nullptr) {
    return Usage("trail --federation needs --keys DIR with every member's public key");
  }
  absl::StatusOr<std::unique_ptr<AuditClient>> client = Connect(options);
  if (!client.ok()) return Usage(std::string(client.status().message()));
  std::string certified;
  absl::StatusOr<v1::SignedCheckpoint> head = (*client)->GetCheckpoint(false, &certified);
  if (!head.ok()) return Failure(head.status(), "trail");
  absl::StatusOr<std::string> agency = NodeAgency(line, certified);
  if (!agency.ok()) return Usage(std::string(agency.status().message()));
  std::optional<v1::SignedCheckpoint> own_witness;
  const WitnessFile witness = WitnessFor(line, *agency, *head, keys);
  absl::StatusOr<std::vector<v1::SignedCheckpoint>> witnessed = witness.Load(keys);
  if (!witnessed.ok()) {
    std::fprintf(stderr, "nexusctl audit: CANNOT READ the witness file: %s\nwitness file: %s\n",
                 Shown(witnessed.status().message()).c_str(), Shown(witness.path()).c_str());
    return kExitUnreadable;
  }
  if (!witnessed->empty()) own_witness = witnessed->back();
  absl::StatusOr<std::string> certificate = ReadFileToString(options.cert_file);
  absl::StatusOr<std::string> key = ReadFileToString(options.key_file);
  if (!certificate.ok() || !key.ok()) {
    return Usage(std::string((certificate.ok() ? key : certificate).status().message()));
  }
  // Signed anew for each node: the question names its path, so no node can take it elsewhere.
  auto sign = [&](const std::vector<std::string>& path) {
    return SignTrailAsk(record_id, options.purpose, path, *certificate, *key, absl::Now());
  };
  std::vector<TrailHop> hops = WalkTrail(**client, *agency, record_id, sign, *keys, own_witness);
  bool unverified = false, unanswered = false;
  for (const TrailHop& hop : hops) {
    unverified = unverified || (hop.answered && !hop.check.verified);
    unanswered = unanswered || !hop.answered;
  }
  if (json) {
    for (const TrailHop& hop : hops) {
      std::string path;
      for (const std::string& agency : hop.path) {
        absl::StrAppend(&path, path.empty() ? "" : ",", JsonQuote(agency));
      }
      std::string entries;
      for (const v1::TrailEntry& listed : hop.answer.entries()) {
        v1::AuditEntryBytes bytes;
        bytes.set_index(listed.index());
        bytes.set_entry(listed.entry());
        absl::StrAppend(&entries, entries.empty() ? "" : ",", AuditEntryToJson(bytes));
      }
      std::cout << "{\"agency\":" << JsonQuote(hop.agency) << ",\"path\":[" << path
                << "],\"answered\":" << (hop.answered ? "true" : "false")
                << ",\"verified\":" << (hop.check.verified ? "true" : "false")
                << ",\"problem\":" << JsonQuote(hop.answered ? hop.check.problem : hop.no_answer)
                << ",\"head_size\":" << hop.check.head_size
                << ",\"witnessed\":" << (hop.check.witnessed_head ? "true" : "false")
                << ",\"witness\":" << JsonQuote(hop.check.witnessed)
                << ",\"omitted\":" << hop.answer.omitted() << ",\"entries\":[" << entries << "]}\n";
    }
  } else {
    std::cout << "trail of record " << Shown(record_id)
              << " across the federation, from the node of '" << *agency << "': " << hops.size()
              << " nodes\n";
    for (const TrailHop& hop : hops) {
      std::cout << "\n== the node of '" << Shown(hop.agency) << "' (asked via "
                << Shown(absl::StrJoin(hop.path, " > ")) << "): ";
      if (!hop.answered) {
        std::cout << "NO ANSWER: " << hop.no_answer << "\n";
        continue;
      }
      if (!hop.check.verified) {
        std::cout << "NOT VERIFIED: " << Shown(hop.check.problem) << "\n";
      } else {
        std::cout << "verified: " << hop.answer.entries_size()
                  << " entries proved present in its signed head of size " << hop.check.head_size
                  << ", " << hop.check.witnessed << "\n";
      }
      std::cout << hop.lines;
      if (hop.answer.omitted() > 0) {
        std::cout << "(and " << hop.answer.omitted()
                  << " newer entries not sent: list them at that node with nexusctl audit trail)\n";
      }
      std::cout << hop.summary;
    }
    std::cout << "\n(each answer proves the entries it lists; that a node left none out cannot be "
                 "proved, and a node not named in the entries read is not asked)\n";
  }
  if (unverified) return kExitUnverified;
  return unanswered ? kExitUnavailable : kExitOk;
}

// Every entry of the node's log that names RECORD_ID, oldest first, then who it was answered to,
// sent to, received from and refused to.
int Trail(const CommandLine& line, const ClientOptions& options, const Keyring* keys, bool json) {
  if (line.positional().size() != 3) return Usage("trail takes one RECORD_ID");
  const std::string& record_id = line.positional()[2];
  if (line.Has("federation")) return FederatedTrail(line, options, keys, json, record_id);
  absl::StatusOr<v1::ListEntriesRequest> request = ListRequest(line);
  if (!request.ok()) return Usage(std::string(request.status().message()));
  request->mutable_filter()->set_record_id(record_id);
  absl::StatusOr<std::unique_ptr<AuditClient>> client = Connect(options);
  if (!client.ok()) return Usage(std::string(client.status().message()));
  AuditTrail trail(record_id);
  std::string lines;
  absl::Status status = (*client)->ListEntries(*request, [&](const v1::AuditEntryBytes& listed) {
    v1::AuditEntry entry;
    if (!entry.ParseFromString(listed.entry())) {
      if (!json) absl::StrAppend(&lines, "#", listed.index(), " <malformed entry>\n");
      return true;
    }
    const std::string text = trail.Add(listed.index(), entry);
    if (json && !text.empty()) std::cout << AuditEntryToJson(listed) << "\n";
    lines += text;
    return true;
  });
  if (!status.ok()) return Failure(status, "trail");
  if (json) return kExitOk;
  std::cout << "trail of record " << Shown(record_id)
            << " in this node's audit log: " << trail.entries() << " entries, oldest first\n"
            << lines << trail.Summary();
  return kExitOk;
}

}  // namespace

std::string SupersededNote(uint64_t superseded) {
  return absl::StrCat(superseded,
                      " checkpoints superseded by accepted recoveries (listed above where the log "
                      "names them): they contradict the accepted log and were not verified; a "
                      "witness file that holds one of them shows the rewrite");
}

std::optional<int> RunAuditVerification(const CommandLine& line, const ClientOptions& options,
                                        const Keyring* keys, VerifyOutcome& outcome,
                                        const AuditEntryObserver& observe) {
  return line.Has("offline") ? VerifyOffline(line, keys, outcome, observe)
                             : VerifyOnline(line, options, keys, outcome, observe);
}

int RunAuditCommand(const CommandLine& line, const ClientOptions& options, const Keyring* keys,
                    bool json) {
  if (line.positional().size() < 2) return Usage("audit needs a subcommand");
  const std::string& command = line.positional()[1];
  if (command == "tail") return List(line, options, json, /*tail=*/true, std::cout);
  if (command == "list") return List(line, options, json, /*tail=*/false, std::cout);
  if (command == "export") {
    if (line.positional().size() > 3) return Usage("export takes at most one FILE");
    if (line.positional().size() == 3 && line.positional()[2] != "-") {
      std::ofstream out(line.positional()[2]);
      if (!out) return Usage("cannot write " + line.positional()[2]);
      return List(line, options, /*json=*/true, /*tail=*/false, out);
    }
    return List(line, options, /*json=*/true, /*tail=*/false, std::cout);
  }
  if (command == "trail") return Trail(line, options, keys, json);
  if (command == "verify") return Verify(line, options, keys, json);
  if (command == "prove") return Prove(line, options, keys);
  if (command == "consistency") return Consistency(line, options, keys);
  if (command == "report") return RunAuditReport(line, options, keys, json);
  return Usage("unknown audit subcommand '" + command + "'");
}

}  // namespace nexus
