// nexusd: one agency's (or a coordinator's) Nexus Exchange node.
#include <malloc.h>
#include <signal.h>

#include <cstdio>
#include <cstring>
#include <fstream>
#include <string>
#include <thread>

#include "absl/strings/str_cat.h"
#include "common/storage/storage_fault.h"
#include "server/log.h"
#include "server/node.h"
#include "server/node_config.h"
#include "server/service_notify.h"

namespace {

constexpr int kExitAuditLogUnverified = 3;
constexpr int kExitAuditLogUnreadable = 4;

constexpr char kUsage[] =
    "usage: nexusd --config FILE [--ready-file FILE] [--check-config]\n"
    "              [--accept-unverified-audit-log] [--log-format text|json]\n"
    "\n"
    "  --config FILE      node configuration, NodeConfig in protobuf text format\n"
    "  --ready-file FILE  once serving, write the bound address to FILE\n"
    "  --log-format F     the node log on stderr: text (default), or json, one object per\n"
    "                     line (time, level, msg, and for a call request_id, peer, agency,\n"
    "                     role, action, outcome, reason)\n"
    "  --check-config     parse and validate the configuration (not the files it names), then "
    "exit\n"
    "  --accept-unverified-audit-log\n"
    "                     start even if the audit log fails its start-up verification: the tree\n"
    "                     is rebuilt from the stored entries and the recovery is audited\n"
    "\n"
    "Exit codes: 0 stopped cleanly; 1 configuration or start-up error; 2 usage error;\n"
    "3 the audit log failed verification at start-up (nothing was served); 4 the store or its\n"
    "audit log cannot be read (a storage or disk fault, not a verification failure; nothing was\n"
    "served).\n"
    "\n"
    "SIGTERM or SIGINT stop the node gracefully: in-flight calls finish, the store closes.\n"
    "SIGHUP reloads the sharing policy file; an invalid policy is refused and the old one stays.\n"
    "Under a service manager that sets NOTIFY_SOCKET (systemd, Type=notify) the node reports\n"
    "READY=1 once serving, RELOADING=1 during a reload and STOPPING=1 when it stops.\n";

// Tells the service manager, if there is one; a manager that cannot be told is logged, never
// a reason to stop serving.
void Tell(const std::string& state) {
  if (absl::Status told = nexus::NotifyServiceManager(state); !told.ok()) {
    nexus::LogWarning(std::string(told.message()));
  }
}

// Why the node stops before serving: as the log's one JSON line with --log-format json, else as
// text for the person at the terminal (a configuration error spans lines: file, line, column).
void Fatal(absl::string_view what, absl::string_view message, bool json_log) {
  if (json_log) {
    nexus::LogError(absl::StrCat(what, message));
  } else {
    std::fprintf(stderr, "nexusd: %s%s\n", std::string(what).c_str(), std::string(message).c_str());
  }
}

}  // namespace

int main(int argc, char** argv) {
  // glibc gives each thread that allocates its own arena; gRPC's and RocksDB's thread pools then
  // hold freed memory in many arenas, and resident memory grows with the thread count rather than
  // with the work. A few arenas keep a node's footprint flat.
  mallopt(M_ARENA_MAX, 2);
  std::string config_path, ready_file;
  bool check_only = false;
  bool json_log = false;
  nexus::Node::StartOptions start_options;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    if ((arg == "--config" || arg == "--ready-file") && i + 1 < argc) {
      (arg == "--config" ? config_path : ready_file) = argv[++i];
    } else if (arg == "--log-format" && i + 1 < argc) {
      nexus::LogFormat format;
      if (!nexus::ParseLogFormat(argv[++i], &format)) {
        std::fprintf(stderr, "nexusd: --log-format is text or json, not '%s'\n%s", argv[i], kUsage);
        return 2;
      }
      nexus::SetLogFormat(format);
      json_log = format == nexus::LogFormat::kJson;
    } else if (arg == "--check-config") {
      check_only = true;
    } else if (arg == "--accept-unverified-audit-log") {
      start_options.accept_unverified_audit_log = true;
    } else if (arg == "--help" || arg == "-h") {
      std::fputs(kUsage, stdout);
      return 0;
    } else {
      std::fprintf(stderr, "nexusd: unknown argument '%s'\n%s", arg.c_str(), kUsage);
      return 2;
    }
  }
  if (config_path.empty()) {
    std::fprintf(stderr, "nexusd: --config is required\n%s", kUsage);
    return 2;
  }

  // Block the stop signals before any thread starts, so that only the waiter below sees them.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGTERM);
  sigaddset(&stop_signals, SIGINT);
  sigaddset(&stop_signals, SIGHUP);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);

  absl::StatusOr<nexus::v1::NodeConfig> config = nexus::LoadNodeConfig(config_path);
  if (!config.ok()) {
    Fatal("configuration error:\n", config.status().message(), json_log);
    return 1;
  }
  if (check_only) {
    std::printf("%s: configuration OK\n", config_path.c_str());
    return 0;
  }
  absl::StatusOr<std::unique_ptr<nexus::Node>> node =
      nexus::Node::Start(*config, config_path, start_options);
  if (!node.ok()) {
    Fatal("cannot start: ", node.status().message(), json_log);
    if (nexus::IsStorageFault(node.status())) return kExitAuditLogUnreadable;
    // Only the audit log's start-up verification fails with DataLoss.
    return absl::IsDataLoss(node.status()) ? kExitAuditLogUnverified : 1;
  }
  if (!ready_file.empty()) {
    // Written then renamed, so a reader never sees a partial address.
    std::string tmp = ready_file + ".tmp";
    std::ofstream(tmp) << (*node)->address() << "\n";
    std::rename(tmp.c_str(), ready_file.c_str());
  }
  const std::string serving = absl::StrCat("STATUS=serving on ", (*node)->address());
  Tell(absl::StrCat("READY=1\n", serving));

  int signal_number = 0;
  while (sigwait(&stop_signals, &signal_number) == 0 && signal_number == SIGHUP) {
    nexus::LogInfo("received SIGHUP; reloading the sharing policy");
    Tell("RELOADING=1\nSTATUS=reloading the sharing policy");
    (void)(*node)->ReloadPolicy();  // refused policies are logged and audited
    Tell(absl::StrCat("READY=1\n", serving));
  }
  nexus::LogInfo(absl::StrCat("received ", strsignal(signal_number), "; shutting down"));
  Tell("STOPPING=1\nSTATUS=shutting down");
  (*node)->Shutdown(absl::Seconds(10));
  nexus::FlushLogDrops();
  return 0;
}
