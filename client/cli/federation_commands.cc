#include "client/cli/federation_commands.h"

#include <cstdio>
#include <iostream>

#include "absl/strings/numbers.h"
#include "absl/time/clock.h"
#include "client/cli/federation_text.h"
#include "client/cli/peer_heads_check.h"
#include "client/federation_client.h"
#include "common/untrusted_text.h"

namespace nexus {

const char kFederationUsage[] = R"(federation commands:
  federation status                 each peer: direction, address, connected or not and for how
                                    long, last error, cursor, caught up or how far behind,
                                    versions received / unchanged / refused / equivocations,
                                    relayed to it and versions behind, the size of its audit log
                                    the node witnessed, and ALARM if that log forked or rolled
                                    back (analyst or admin certificate)
  federation heads AGENCY [--limit N]
                                    the signed heads of AGENCY's audit log that the node verified
                                    (the latest N), its witness state and any alarm (auditor certificate)
  (audit verify --peer AGENCY gives an auditor's verdict on those heads: see audit commands)
)";

namespace {

enum ExitCode { kOk = 0, kRefused = 1, kUsageError = 2, kUnavailable = 3, kUnverified = 4 };

// Messages may quote input (the node's answer): printed escaped and bounded.
constexpr size_t kMaxMessageBytes = 4096;

std::string Shown(absl::string_view text) {
  return EscapeMessageForTerminal(text, kMaxMessageBytes);
}

int Usage(const std::string& command, const std::string& problem) {
  std::fprintf(stderr, "nexusctl %s: %s\n(see nexusctl --help)\n", command.c_str(),
               Shown(problem).c_str());
  return kUsageError;
}

int Failure(const std::string& command, const absl::Status& status, const std::string& doing) {
  // A node without the service answers UNIMPLEMENTED with no message: the code says it.
  std::string message = status.message().empty() ? absl::StatusCodeToString(status.code())
                                                 : std::string(status.message());
  std::fprintf(stderr, "nexusctl %s: %s: %s\n", command.c_str(), doing.c_str(),
               Shown(message).c_str());
  switch (status.code()) {
    case absl::StatusCode::kUnimplemented:
      std::fprintf(stderr,
                   "hint: this node does not serve the federation API (an older nexusd?)\n");
      return kRefused;
    case absl::StatusCode::kUnavailable:
      std::fprintf(stderr,
                   "hint: is nexusd running at --target, and do --ca/--cert/--key belong to "
                   "this federation?\n");
      return kUnavailable;
    case absl::StatusCode::kDeadlineExceeded:
    case absl::StatusCode::kInternal:
    case absl::StatusCode::kUnknown:
      return kUnavailable;
    default:
      return kRefused;
  }
}

int Status(const CommandLine& line, FederationClient& client, bool json) {
  if (line.positional().size() != 2) return Usage("federation", "status takes no arguments");
  absl::StatusOr<v1::FederationStatusResponse> status = client.Status();
  if (!status.ok()) return Failure("federation", status.status(), "status");
  std::cout << (json ? FederationStatusToJson(*status) + "\n"
                     : FederationStatusToHumanText(*status, absl::Now()));
  return kOk;
}

int Heads(const CommandLine& line, FederationClient& client, bool json) {
  if (line.positional().size() != 3) return Usage("federation", "heads takes one AGENCY");
  const std::string& agency = line.positional()[2];
  int limit = 0;
  if (line.Has("limit") && (!absl::SimpleAtoi(line.Get("limit"), &limit) || limit <= 0)) {
    return Usage("federation", "--limit must be a positive number of heads");
  }
  absl::StatusOr<v1::PeerHeadsResponse> heads = client.PeerHeads(agency);
  if (!heads.ok()) return Failure("federation", heads.status(), "heads");
  if (limit != 0 && heads->heads_size() > limit) {  // the latest `limit`, still oldest first
    heads->mutable_heads()->DeleteSubrange(0, heads->heads_size() - limit);
  }
  std::cout << (json ? PeerHeadsToJson(agency, *heads) + "\n"
                     : PeerHeadsToHumanText(agency, *heads, absl::Now()));
  return kOk;
}

}  // namespace

int RunFederationCommand(const CommandLine& line, const ClientOptions& options, bool json) {
  if (line.positional().size() < 2) return Usage("federation", "federation needs a subcommand");
  const std::string& command = line.positional()[1];
  if (command != "status" && command != "heads") {
    return Usage("federation", "unknown federation subcommand '" + command + "'");
  }
  absl::StatusOr<std::unique_ptr<FederationClient>> client = FederationClient::Create(options);
  if (!client.ok()) return Usage("federation", std::string(client.status().message()));
  if (command == "status") return Status(line, **client, json);
  return Heads(line, **client, json);
}

int RunPeerAuditVerify(const CommandLine& line, const ClientOptions& options, const Keyring* keys,
                       bool json) {
  if (line.positional().size() != 2) return Usage("audit", "verify --peer takes no arguments");
  if (line.Has("offline")) return Usage("audit", "--peer asks the node: not with --offline");
  const std::string agency = line.Get("peer");
  if (agency.empty()) return Usage("audit", "--peer needs the AGENCY whose log the node witnesses");
  absl::StatusOr<std::unique_ptr<FederationClient>> client = FederationClient::Create(options);
  if (!client.ok()) return Usage("audit", std::string(client.status().message()));
  absl::StatusOr<v1::PeerHeadsResponse> heads = (*client)->PeerHeads(agency);
  if (!heads.ok()) return Failure("audit", heads.status(), "verify --peer");
  PeerHeadsReport report = CheckPeerHeads(agency, *heads, keys);
  std::cout << (json ? PeerVerdictToJson(agency, report, heads->witness()) + "\n"
                     : PeerVerdictToHumanText(agency, report, heads->witness(), absl::Now()));
  return report.ok ? kOk : kUnverified;
}

}  // namespace nexus
