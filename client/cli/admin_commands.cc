#include "client/cli/admin_commands.h"

#include <iostream>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "client/admin_client.h"
#include "client/cli/exit_codes.h"
#include "client/cli/record_text.h"
#include "client/health_client.h"
#include "common/untrusted_text.h"

namespace nexus {

const char kAdminUsage[] = R"(operations commands:
  health [--service NAME]           whether the node serves (gRPC health check, any certificate
                                    from the federation CA, the node's own included: for
                                    container probes): exit 0 serving, 1 not serving, 3 no answer
admin commands (admin certificate of the node's agency):
  admin backup NAME                 an online, consistent copy of the node's whole store (records,
                                    audit log, peer cursors, witness state, links) at one moment,
                                    written by the node on its own host in its configured
                                    backup.directory under NAME (1-64 of A-Z a-z 0-9 . _ -); a node
                                    started on that directory serves what the node held then
)";

namespace {

int Backup(const CommandLine& line, AdminClient& client, bool json) {
  if (line.positional().size() != 3) return ReportUsage("admin", "backup takes one NAME");
  absl::StatusOr<v1::BackupResponse> taken = client.Backup(line.positional()[2]);
  if (!taken.ok()) return ReportFailure("admin", "backup", taken.status());
  if (json) {
    std::cout << "{\"directory\":" << JsonQuote(taken->directory())
              << ",\"audit_entries\":" << taken->audit_entries()
              << ",\"feed_versions\":" << taken->feed_versions()
              << ",\"taken_unix_micros\":" << taken->taken_unix_micros()
              << ",\"seconds\":" << absl::StrFormat("%.3f", taken->seconds()) << "}\n";
    return kExitOk;
  }
  std::cout << "backup in " << EscapeForTerminal(taken->directory()) << " on the node's host: at "
            << "least " << taken->audit_entries() << " audit entries and " << taken->feed_versions()
            << " versions, in " << absl::StrFormat("%.2f", taken->seconds()) << " s\n"
            << "check it with: nexusctl audit verify --offline "
            << EscapeForTerminal(taken->directory()) << " --agency AGENCY\n";
  return kExitOk;
}

}  // namespace

int RunHealthCommand(const CommandLine& line, const ClientOptions& options, bool json) {
  if (line.positional().size() != 1) return ReportUsage("health", "health takes no arguments");
  const std::string service = line.Has("service") ? line.Get("service") : "";
  absl::StatusOr<ServingStatus> status = CheckHealth(options, service);
  if (!status.ok()) return ReportFailure("health", "health check", status.status());
  const char* name = *status == ServingStatus::kServing          ? "serving"
                     : *status == ServingStatus::kNotServing     ? "not serving"
                     : *status == ServingStatus::kServiceUnknown ? "unknown service"
                                                                 : "unknown";
  if (json) {
    std::cout << "{\"service\":" << JsonQuote(service) << ",\"status\":" << JsonQuote(name)
              << "}\n";
  } else {
    std::cout << (service.empty() ? "node" : EscapeForTerminal(service)) << ": " << name << "\n";
  }
  return *status == ServingStatus::kServing ? kExitOk : kExitRefused;
}

int RunAdminCommand(const CommandLine& line, const ClientOptions& options, bool json) {
  if (line.positional().size() < 2) return ReportUsage("admin", "admin needs a subcommand");
  const std::string& command = line.positional()[1];
  if (command != "backup") {
    return ReportUsage("admin", "unknown admin subcommand '" + EscapeForTerminal(command) + "'");
  }
  absl::StatusOr<std::unique_ptr<AdminClient>> client = AdminClient::Create(options);
  if (!client.ok()) return ReportUsage("admin", std::string(client.status().message()));
  return Backup(line, **client, json);
}

}  // namespace nexus
