#include "client/cli/federation_commands.h"

#include <cstdio>
#include <iostream>

#include "absl/strings/numbers.h"
#include "absl/time/clock.h"
#include "client/cli/exit_codes.h"
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
                                    back; last, how many stored versions link detection has not
                                    examined yet (analyst or admin certificate)
  federation heads AGENCY [--limit N]
                                    the signed heads of AGENCY's audit log that the node verified
                                    (the latest N), its witness state and any alarm (auditor certificate)
  (audit verify --peer AGENCY gives an auditor's verdict on those heads: see audit commands)
)";

namespace {

int Usage(const std::string& command, const std::string& problem) {
  return ReportUsage(command, problem);
}

int Failure(const std::string& command, const absl::Status& status, const std::string& doing) {
  return ReportFailure(command, doing, status);
}

int Status(const CommandLine& line, FederationClient& client, bool json) {
  if (line.positional().size() != 2) return Usage("federation", "status takes no arguments");
  absl::StatusOr<v1::FederationStatusResponse> status = client.Status();
  if (!status.ok()) return Failure("federation", status.status(), "status");
  std::cout << (json ? FederationStatusToJson(*status) + "\n"
                     : FederationStatusToHumanText(*status, absl::Now()));
  return kExitOk;
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
  return kExitOk;
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
  return report.ok ? kExitOk : kExitUnverified;
}

}  // namespace nexus
