// nexusctl: push, read and search nexus records on an agency node; review its audit log, its
// sharing policy and its federation with peer nodes.
//
// Exit codes: client/cli/exit_codes.h, the same for every command.
#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_replace.h"
#include "absl/time/time.h"
#include "client/cli/admin_commands.h"
#include "client/cli/alert_commands.h"
#include "client/cli/audit_commands.h"
#include "client/cli/command_line.h"
#include "client/cli/exit_codes.h"
#include "client/cli/federation_commands.h"
#include "client/cli/interop_commands.h"
#include "client/cli/policy_commands.h"
#include "client/cli/record_flags.h"
#include "client/cli/record_text.h"
#include "client/cli/terminal_progress.h"
#include "client/nexus_client.h"
#include "client/read_checks.h"
#include "common/certificate_identity.h"
#include "common/indicator_normalizer.h"
#include "common/keyring.h"
#include "common/purpose.h"
#include "common/record_seal.h"
#include "common/untrusted_text.h"

namespace nexus {
namespace {

constexpr char kUsage[] = R"(usage: nexusctl [connection] COMMAND [options]

commands:
  push FILE|-         publish records from a JSON-lines file (one nexus.v1.Record per line)
  push --indicator TYPE=VALUE ... [record options]
                      publish one record given by flags
  get ID              show a record (--version N for an older version)
  pull                stream stored versions after a cursor (--since N)
  search VALUE        records whose latest version carries this indicator value
  revoke ID           publish a revoked version of your agency's record (--reason TEXT)
  audit ...           review and verify the node's audit log (see below)
  policy ...          check, test and explain sharing policies (see below)
  federation ...      the node's peers: replication state, witnessed audit heads (see below)
  import stix|misp FILE   publish a STIX 2.1 bundle's or a MISP event's indicators (see below)
  export stix         what you may see, as a STIX 2.1 bundle on stdout (see below)

connection (flags, or the environment variable in brackets):
  --target HOST:PORT  the node [NEXUS_TARGET]
  --ca FILE           federation CA certificate [NEXUS_CA]
  --cert FILE         your client certificate [NEXUS_CERT]
  --key FILE          its private key [NEXUS_KEY]
  --keys DIR          agency public keys (AGENCY.pub) to verify signatures [NEXUS_KEYS]
  --purpose TEXT      why you consult or disclose: a case reference or a short justification,
                      recorded in the node's audit log with every call (a node may require
                      one) [NEXUS_PURPOSE]
  --timeout SECONDS   per call (default 30)
  --json              machine-readable output: one JSON object per line

record options for push (with --indicator):
  --tlp clear|green|amber|amber+strict|red     --scope origin-only|named-agencies|group|federation
  --agency ID (repeat)  --group NAME (repeat)  --handling CODE (repeat)  --case REF
  --nexus-type alliance|appropriation-of-tactics|integration|hybrid|transformation|black-hole
  --watch-point NAME (repeat)  --reliability A-F  --credibility 1-6  --tag TAG (repeat)
  --summary TEXT  --related ID (repeat)  --id UUID  --version N
push from a file: --batch N records per request (default 500)
pull options: --since CURSOR --limit N --nexus-type T --indicator-type T --origin AGENCY
              --after TIME --before TIME   (TIME as RFC 3339, e.g. 2026-11-01T00:00:00Z)
search options: --type INDICATOR-TYPE --limit N --include-revoked
                --federation   also ask the node's search peers, one hop, on behalf of your
                               agency (the value is disclosed to them; each answers under its
                               own policy; a peer that does not answer in time is named)
Indicator types: phone email domain ipv4 ipv6 url crypto-wallet iban bank-account
  document-number vehicle vessel organization person location file-hash

Records received from a peer node show "via AGENCY" (JSON: "received_from"). get warns when the
node holds other manifests the origin signed for the same id and version (JSON: "equivocations").

%ALERTS%
%AUDIT%
%POLICY%
%FEDERATION%
%ADMIN%
%INTEROP%
%EXIT%)";

std::set<std::string> ValuedFlags() {
  std::set<std::string> flags = {"target",         "ca",      "cert",  "key",    "keys",
                                 "purpose",        "timeout", "batch", "since",  "limit",
                                 "indicator-type", "origin",  "after", "before", "type",
                                 "reason",         "service"};
  flags.insert(std::begin(kRecordFlags), std::end(kRecordFlags));
  flags.insert(std::begin(kAuditFlags), std::end(kAuditFlags));
  flags.insert(std::begin(kAlertFlags), std::end(kAlertFlags));
  flags.insert(std::begin(kPolicyFlags), std::end(kPolicyFlags));
  flags.insert(std::begin(kInteropFlags), std::end(kInteropFlags));
  return flags;
}
std::set<std::string> Switches() {
  std::set<std::string> switches = {"json", "help", "store-duplicates", "include-revoked",
                                    "federation"};
  switches.insert(std::begin(kAlertSwitches), std::end(kAlertSwitches));
  switches.insert(std::begin(kInteropSwitches), std::end(kInteropSwitches));
  return switches;
}

// Messages may quote input (a file's lines, the node's answer): client/cli/exit_codes.h prints
// them escaped and bounded, with the exit code of the one table.

// A command line nexusctl does not understand: the hint to --help belongs here only.
int Usage(const std::string& problem) { return ReportUsage("", problem); }

// Input nexusctl understood but cannot use (a bad value, a malformed file): the same exit code
// as a usage error, and the message says what is wrong where, without sending to --help.
int BadInput(absl::string_view problem) { return ReportBadInput("", problem); }

// Where a failed call leaves the user: refused by the node, or the node is not there.
int Failure(const absl::Status& status, const std::string& doing) {
  return ReportFailure("", doing, status);
}

std::string FlagOrEnv(const CommandLine& line, const std::string& flag, const char* env) {
  if (line.Has(flag)) return line.Get(flag);
  const char* value = std::getenv(env);
  return value == nullptr ? "" : value;
}

struct Session {
  ClientOptions options;
  std::unique_ptr<NexusClient> client;  // for the record commands
  Keyring keys;
  bool have_keys = false;
  bool json = false;
};

absl::StatusOr<Session> Connect(const CommandLine& line, bool record_client) {
  ClientOptions options;
  options.target = FlagOrEnv(line, "target", "NEXUS_TARGET");
  options.ca_file = FlagOrEnv(line, "ca", "NEXUS_CA");
  options.cert_file = FlagOrEnv(line, "cert", "NEXUS_CERT");
  options.key_file = FlagOrEnv(line, "key", "NEXUS_KEY");
  options.purpose = FlagOrEnv(line, "purpose", "NEXUS_PURPOSE");
  if (!options.purpose.empty()) {
    if (absl::Status valid = CheckPurpose(options.purpose); !valid.ok()) {
      return absl::InvalidArgumentError(absl::StrCat("--purpose: ", valid.message()));
    }
  }
  if (line.Has("timeout")) {
    int seconds = 0;
    if (!absl::SimpleAtoi(line.Get("timeout"), &seconds) || seconds <= 0) {
      return absl::InvalidArgumentError("--timeout must be a positive number of seconds");
    }
    options.timeout = absl::Seconds(seconds);
  }
  Session session;
  session.json = line.Has("json");
  session.options = options;
  if (record_client) {
    absl::StatusOr<std::unique_ptr<NexusClient>> client = NexusClient::Create(options);
    if (!client.ok()) return client.status();
    session.client = *std::move(client);
  }
  std::string keys_dir = FlagOrEnv(line, "keys", "NEXUS_KEYS");
  if (!keys_dir.empty()) {
    if (absl::Status s = session.keys.AddDirectory(keys_dir); !s.ok()) return s;
    session.have_keys = true;
  }
  return session;
}

// The agency of the caller's certificate, or empty if it cannot be read.
std::string ReaderAgency(const Session& session) {
  absl::StatusOr<std::string> pem = ReadFileToString(session.options.cert_file);
  if (!pem.ok()) return "";
  absl::StatusOr<CertificateIdentity> identity = IdentityFromCertificatePem(*pem);
  return identity.ok() ? identity->agency_id : "";
}

// Prints one received record, with the peer it came through and, from get, any equivocations;
// returns false unless its signature verified against the origin's key from --keys (a record
// that cannot be checked counts as not verified).
bool Show(Session& session, const v1::SignedRecord& record, uint64_t cursor,
          const std::string& received_from,
          const google::protobuf::RepeatedPtrField<v1::WithheldNote>& notes,
          const v1::GetResponse* got = nullptr, const std::string& found_at = "") {
  const Keyring* keys = session.have_keys ? &session.keys : nullptr;
  RecordView view = ViewRecord(record, keys);
  view.cursor = cursor;
  view.received_from = received_from;
  view.found_at = found_at;
  view.notes.assign(notes.begin(), notes.end());
  if (got != nullptr) {
    view.equivocations = ViewEquivocations(record, got->equivocations(), keys);
    view.recipients.assign(got->recipients().begin(), got->recipients().end());
  }
  std::cout << (session.json ? RecordToJson(view) + "\n" : RecordToHumanText(view));
  return view.verified;
}

// Prints publish results as push and update report them; returns how many were rejected.
int PrintPublishResults(const Session& session, const std::vector<v1::PublishResult>& results,
                        const std::vector<std::string>& sources) {
  int rejected = 0;
  for (size_t i = 0; i < results.size(); ++i) {
    const v1::PublishResult& r = results[i];
    if (r.outcome() == v1::PUBLISH_OUTCOME_REJECTED) ++rejected;
    if (session.json) {
      std::cout << "{\"source\":" << JsonQuote(sources[i]) << ",\"outcome\":\""
                << v1::PublishOutcome_Name(r.outcome()) << "\",\"id\":" << JsonQuote(r.id())
                << ",\"version\":" << r.version() << ",\"cursor\":" << r.cursor()
                << ",\"error\":" << JsonQuote(r.error())
                << ",\"recipients\":" << RecipientsToJson(r.recipients()) << "}\n";
    }
    switch (r.outcome()) {
      case v1::PUBLISH_OUTCOME_STORED:
        if (!session.json) {
          std::cout << "stored     " << EscapeForTerminal(r.id()) << " v" << r.version()
                    << "  (cursor " << r.cursor() << ")\n"
                    << RecipientsToHumanText(r.recipients());
        }
        break;
      case v1::PUBLISH_OUTCOME_UNCHANGED:
        if (!session.json) {
          std::cout << "unchanged  " << EscapeForTerminal(r.id()) << " v" << r.version()
                    << "  (this content is already stored as this record; --store-duplicates "
                       "stores it again)\n"
                    << RecipientsToHumanText(r.recipients());
        }
        break;
      default:
        std::cerr << "rejected   " << EscapeForTerminal(sources[i])
                  << (r.id().empty() ? "" : " (" + EscapeForTerminal(r.id(), 128) + ")") << ": "
                  << ShownMessage(r.error()) << "\n";
    }
  }
  if (!session.json) {
    std::cout << results.size() - rejected << " of " << results.size() << " records accepted\n";
  }
  return rejected;
}

int Push(Session& session, const CommandLine& line) {
  std::vector<v1::Record> records;
  std::vector<std::string> sources;  // where each record came from, for messages
  const auto& args = line.positional();
  if (args.size() > 2) return Usage("push takes at most one FILE");
  if (args.size() == 2) {
    std::string path = args[1] == "-" ? "/dev/stdin" : args[1];
    absl::StatusOr<std::vector<v1::Record>> read = ReadRecordsFile(path);
    if (!read.ok()) return BadInput(read.status().message());
    records = *std::move(read);
    for (size_t i = 0; i < records.size(); ++i)
      sources.push_back(absl::StrCat(args[1], " record ", i + 1));
  } else {
    if (!line.Has("indicator")) return Usage("push needs a FILE or at least one --indicator");
    absl::StatusOr<v1::Record> record = RecordFromFlags(line);
    if (!record.ok()) return BadInput(record.status().message());
    records.push_back(*std::move(record));
    sources.push_back("record");
  }
  absl::StatusOr<uint64_t> batch = line.Count("batch");
  if (!batch.ok()) return Usage(std::string(batch.status().message()));
  // The same content pushed again is the record already stored (unless asked otherwise), and
  // the analyst is told where each record goes from the node.
  PublishOptions options{.skip_unchanged = !line.Has("store-duplicates"),
                         .report_recipients = true};
  // A large file takes a while: how many records have their answer, on a terminal.
  size_t answered = 0;
  TerminalProgress progress([&](absl::Duration elapsed) {
    const double seconds = std::max(absl::ToDoubleSeconds(elapsed), 1e-3);
    return absl::StrFormat("pushing: %d of %d records answered (%.0f/s)", answered, records.size(),
                           answered / seconds);
  });
  absl::StatusOr<std::vector<v1::PublishResult>> results =
      records.size() == 1 ? session.client->Publish(records, options)
                          : session.client->PublishStream(records, *batch == 0 ? 500 : *batch,
                                                          options, [&](size_t done) {
                                                            answered = done;
                                                            progress.Tick();
                                                          });
  progress.Done();
  if (!results.ok()) return Failure(results.status(), "push");
  return PrintPublishResults(session, *results, sources) == 0 ? kExitOk : kExitRefused;
}

// update ID: the latest version with the fields the flags give changed, published as the next.
int Update(Session& session, const CommandLine& line) {
  if (line.positional().size() != 2) return Usage("update takes one record ID");
  if (!UpdateFlagsGiven(line)) {
    return Usage(
        "update needs a field to change: --tlp, --summary, --add-indicator TYPE=VALUE, "
        "--remove-indicator TYPE=VALUE, --add-tag, ...");
  }
  const std::string& id = line.positional()[1];
  absl::StatusOr<v1::SignedRecord> latest = session.client->Get(id, 0);
  if (!latest.ok()) return Failure(latest.status(), "update");
  const Keyring* keys = session.have_keys ? &session.keys : nullptr;
  RecordView view = ViewRecord(*latest, keys);
  if (!view.opened.ok()) {
    std::fprintf(stderr, "nexusctl: update: the latest version does not open: %s\n",
                 ShownMessage(view.opened.status().message()).c_str());
    return kExitUnverified;
  }
  if (!view.opened->withheld.empty()) {
    // Only the origin updates a record, and its own node withholds nothing from it.
    return Failure(absl::PermissionDeniedError(
                       absl::StrCat("record ", id,
                                    " is not your agency's (parts are withheld from you); only "
                                    "its origin may update it")),
                   "update");
  }
  absl::StatusOr<v1::Record> draft = UpdatedRecord(view.opened->record, line);
  if (!draft.ok()) return BadInput(draft.status().message());
  // The next version exactly: an update made meanwhile by someone else is not overwritten.
  draft->set_version(view.opened->record.version() + 1);
  absl::StatusOr<std::vector<v1::PublishResult>> results =
      session.client->Publish({*draft}, PublishOptions{.report_recipients = true});
  if (!results.ok()) return Failure(results.status(), "update");
  return PrintPublishResults(session, *results, {absl::StrCat("update of ", id)}) == 0
             ? kExitOk
             : kExitRefused;
}

int Get(Session& session, const CommandLine& line) {
  if (line.positional().size() != 2) return Usage("get takes one record ID");
  absl::StatusOr<uint64_t> version = line.Count("version");
  if (!version.ok()) return Usage(std::string(version.status().message()));
  const std::string& id = line.positional()[1];
  absl::StatusOr<v1::GetResponse> response = session.client->GetWithProvenance(id, *version);
  if (!response.ok()) return Failure(response.status(), "get");
  const v1::SignedRecord& record = response->record();
  bool verified = Show(session, record, /*cursor=*/0, response->received_from(),
                       response->withheld(), &*response);
  // A validly signed answer to another question is still the wrong answer.
  absl::StatusOr<v1::RecordHeader> header = PeekHeader(record);
  if (!header.ok() || header->id() != id || (*version != 0 && header->version() != *version)) {
    std::fprintf(stderr, "nexusctl: get: the node answered with a different record or version\n");
    return kExitUnverified;
  }
  return verified ? kExitOk : kExitUnverified;
}

int Pull(Session& session, const CommandLine& line) {
  absl::StatusOr<v1::PullRequest> request = PullRequestFromFlags(line);
  if (!request.ok()) return Usage(std::string(request.status().message()));
  uint64_t count = 0;
  bool all_verified = true;
  // Plain, increasing positions are due exactly when this reader's agency is the node's: the
  // node's agency comes from its TLS certificate, known once the first record arrives.
  const std::string reader_agency = ReaderAgency(session);
  NexusClient::PullInfo info;
  std::optional<PullOrderCheck> order;
  absl::Status status = session.client->Pull(
      *request,
      [&](const v1::PullResponse& response) {
        if (!order) order.emplace(!reader_agency.empty() && reader_agency == info.node_agency);
        all_verified = Show(session, response.record(), response.cursor(), response.received_from(),
                            response.withheld()) &&
                       all_verified;
        if (std::string problem = order->Check(response.cursor(), response.record());
            !problem.empty()) {
          std::fprintf(stderr, "nexusctl: pull: NOT VERIFIED: %s\n", problem.c_str());
          all_verified = false;
        }
        ++count;
        return true;
      },
      &info);
  if (!status.ok()) return Failure(status, "pull");
  if (!session.json) {
    std::cout << count << " records; resume with --since " << CursorText(info.resume) << "\n";
  }
  if (info.unreadable_entries > 0) {
    // The node could not read part of its feed: what was shown is not all there is.
    std::fprintf(stderr,
                 "nexusctl: pull: INCOMPLETE: the node could not read %llu entries of its feed "
                 "(a damaged store; its log and audit entry name them)\n",
                 static_cast<unsigned long long>(info.unreadable_entries));
    return kExitUnavailable;
  }
  return all_verified ? kExitOk : kExitUnverified;
}

int Search(Session& session, const CommandLine& line) {
  if (line.positional().size() != 2) return Usage("search takes one VALUE");
  v1::SearchRequest request;
  request.set_value(line.positional()[1]);
  if (line.Has("type")) {
    v1::IndicatorType type;
    if (!ParseIndicatorType(line.Get("type"), &type)) {
      return BadInput(absl::StrCat("unknown --type '", line.Get("type"),
                                   "' (known: ", KnownIndicatorTypes(), ")"));
    }
    request.set_type(type);
  }
  absl::StatusOr<uint64_t> limit = line.Count("limit");
  if (!limit.ok()) return Usage(std::string(limit.status().message()));
  request.set_limit(static_cast<uint32_t>(*limit));
  request.set_include_revoked(line.Has("include-revoked"));
  request.set_federation(line.Has("federation"));
  absl::StatusOr<v1::SearchResponse> response = session.client->Search(request);
  if (!response.ok()) return Failure(response.status(), "search");
  bool all_verified = true;
  // This node's answer, then each peer's (federation-wide), each record checked here too.
  auto show_answer = [&](const auto& hits, const auto& notices, const std::string& found_at) {
    for (const v1::SearchHit& hit : hits) {
      if (!session.json) {
        std::cout << "match: " << IndicatorTypeName(hit.matched_type()) << " "
                  << EscapeForTerminal(hit.normalized()) << "\n";
      }
      all_verified = Show(session, hit.record(), /*cursor=*/0, hit.received_from(), hit.withheld(),
                          nullptr, found_at) &&
                     all_verified;
      if (std::string problem = SearchHitProblem(hit, request.value()); !problem.empty()) {
        std::fprintf(stderr, "nexusctl: search: NOT VERIFIED: %s\n", problem.c_str());
        all_verified = false;
      }
    }
    for (const v1::HitNotice& notice : notices) {
      std::cout << (session.json ? HitNoticeToJson(notice) + "\n" : HitNoticeToHumanText(notice));
    }
  };
  auto counts = [](int hits, int notices, bool truncated) {
    return absl::StrCat(hits, " records",
                        notices > 0 ? absl::StrCat(", ", notices, " hit notices") : "",
                        truncated ? " (more matched; narrow the search or raise --limit)" : "");
  };
  show_answer(response->hits(), response->hit_notices(), "");
  if (!session.json) {
    std::cout << counts(response->hits_size(), response->hit_notices_size(), response->truncated())
              << (request.federation() ? " at this node" : "") << "\n";
    if (response->revoked_hits() > 0) {
      std::cout << response->revoked_hits()
                << " revoked records also carry the value (--include-revoked shows them)\n";
    }
  }
  for (const v1::PeerSearchAnswer& peer : response->peers()) {
    if (!session.json) {
      std::cout << "--- " << EscapeForTerminal(peer.agency()) << "'s node: "
                << (peer.answered()
                        ? absl::StrCat("answered in ", peer.elapsed_micros() / 1000, " ms")
                        : absl::StrCat("NO ANSWER: ", EscapeForTerminal(peer.error())))
                << "\n";
    }
    show_answer(peer.hits(), peer.hit_notices(), peer.agency());
    if (session.json) {
      std::cout << "{\"peer\":" << EscapeJsonForTerminal(JsonQuote(peer.agency()))
                << ",\"answered\":" << (peer.answered() ? "true" : "false")
                << ",\"error\":" << EscapeJsonForTerminal(JsonQuote(peer.error()))
                << ",\"records\":" << peer.hits_size()
                << ",\"hit_notices\":" << peer.hit_notices_size()
                << ",\"unverified\":" << peer.unverified()
                << ",\"elapsed_ms\":" << peer.elapsed_micros() / 1000 << "}\n";
    } else if (peer.answered()) {
      std::cout << counts(peer.hits_size(), peer.hit_notices_size(), peer.truncated()) << " at "
                << EscapeForTerminal(peer.agency()) << "\n";
      if (peer.unverified() > 0) {
        std::cout << peer.unverified()
                  << " answers did not verify against their origin's key and are not shown\n";
      }
    }
  }
  if (request.federation() && response->peers().empty() && !session.json) {
    std::cout << "no peers asked: the node has no federation.search_peers\n";
  }
  return all_verified ? kExitOk : kExitUnverified;
}

int Revoke(Session& session, const CommandLine& line) {
  if (line.positional().size() != 2) return Usage("revoke takes one record ID");
  absl::StatusOr<v1::PublishResult> result =
      session.client->Revoke(line.positional()[1], line.Get("reason"));
  if (!result.ok()) return Failure(result.status(), "revoke");
  if (session.json) {
    std::cout << "{\"outcome\":\"" << v1::PublishOutcome_Name(result->outcome())
              << "\",\"id\":" << JsonQuote(result->id()) << ",\"version\":" << result->version()
              << "}\n";
  } else {
    std::cout << (result->outcome() == v1::PUBLISH_OUTCOME_UNCHANGED ? "already revoked "
                                                                     : "revoked ")
              << EscapeForTerminal(result->id()) << " (version " << result->version() << ")\n";
  }
  return kExitOk;
}

int Run(const std::vector<std::string>& args) {
  absl::StatusOr<CommandLine> line = CommandLine::Parse(args, ValuedFlags(), Switches());
  if (!line.ok()) return Usage(std::string(line.status().message()));
  if (line->Has("help") || line->positional().empty()) {
    std::string usage = absl::StrReplaceAll(kUsage, {{"%ALERTS%", kAlertUsage},
                                                     {"%AUDIT%", kAuditUsage},
                                                     {"%POLICY%", kPolicyUsage},
                                                     {"%FEDERATION%", kFederationUsage},
                                                     {"%ADMIN%", kAdminUsage},
                                                     {"%INTEROP%", kInteropUsage},
                                                     {"%EXIT%", kExitCodesUsage}});
    std::fputs(usage.c_str(), line->Has("help") ? stdout : stderr);
    return line->Has("help") ? kExitOk : kExitUsage;
  }
  const std::string& command = line->positional()[0];
  static const std::set<std::string> kCommands = {
      "push",  "update", "get",        "pull",   "search", "revoke", "alerts", "links",
      "audit", "policy", "federation", "import", "export", "admin",  "health"};
  if (!kCommands.count(command)) return Usage("unknown command '" + command + "'");
  if (command == "policy") {
    absl::StatusOr<Session> session = Connect(*line, /*record_client=*/false);
    return RunPolicyCommand(*line, session.ok() ? session->options : ClientOptions(),
                            line->Has("json"));
  }
  const bool offline = command == "audit" && line->Has("offline");
  const bool record_client =
      command != "audit" && command != "federation" && command != "import" && command != "admin";
  absl::StatusOr<Session> session = Connect(*line, record_client);
  if (!session.ok() && !offline) return Usage(std::string(session.status().message()));
  if (command == "audit") {
    Keyring keys;
    std::string keys_dir = FlagOrEnv(*line, "keys", "NEXUS_KEYS");
    if (!keys_dir.empty()) {
      if (absl::Status s = keys.AddDirectory(keys_dir); !s.ok()) {
        return Usage(std::string(s.message()));
      }
    }
    ClientOptions options = session.ok() ? session->options : ClientOptions();
    return RunAuditCommand(*line, options, keys_dir.empty() ? nullptr : &keys, line->Has("json"));
  }
  if (command == "federation") {
    return RunFederationCommand(*line, session->options, session->json);
  }
  if (command == "admin") return RunAdminCommand(*line, session->options, session->json);
  if (command == "health") return RunHealthCommand(*line, session->options, session->json);
  if (command == "import") {
    return RunImportCommand(*line, session->options, ReaderAgency(*session), session->json);
  }
  if (command == "export") {
    return RunExportCommand(*line, *session->client, session->have_keys ? &session->keys : nullptr);
  }
  if (command == "alerts" || command == "links") {
    return RunAlertCommand(*line, *session->client, session->have_keys ? &session->keys : nullptr,
                           session->json);
  }
  if (command == "push") return Push(*session, *line);
  if (command == "update") return Update(*session, *line);
  if (command == "get") return Get(*session, *line);
  if (command == "pull") return Pull(*session, *line);
  if (command == "search") return Search(*session, *line);
  return Revoke(*session, *line);
}

}  // namespace
}  // namespace nexus

int main(int argc, char** argv) {
  return nexus::Run(std::vector<std::string>(argv + 1, argv + argc));
}
