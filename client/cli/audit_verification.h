// The verification `nexusctl audit verify` runs, online or over a copy of a data directory
// (--offline), for the commands that report its verdict: `audit verify` itself, and `audit
// report`, which puts the verdict first on its page and builds its figures from the entries the
// verifier reads, in the same pass.
#ifndef NEXUS_CLIENT_CLI_AUDIT_VERIFICATION_H_
#define NEXUS_CLIENT_CLI_AUDIT_VERIFICATION_H_

#include <cstdint>
#include <functional>
#include <optional>
#include <string>

#include "absl/strings/string_view.h"
#include "client/cli/command_line.h"
#include "client/cli/store_cross_check.h"
#include "client/nexus_client.h"
#include "common/audit_verifier.h"
#include "common/keyring.h"
#include "nexus/v1/audit.pb.h"

namespace nexus {

// What a verification found, beside its verdict.
struct VerifyOutcome {
  AuditVerifyReport report;
  std::optional<StoreCrossCheckReport> store;  // offline only
  std::string agency_source;                   // how the expected agency was known
  std::string witness_path;
  uint64_t superseded = 0;
  std::optional<v1::Checkpoint> head;  // the signed head (or newest checkpoint) verified against
  uint64_t witnessed = 0;              // heads the auditor had witnessed before this run
  uint64_t witnessed_size = 0;         // the largest of them
};

// Sees every entry the verifier reads, in index order, before the verifier does.
using AuditEntryObserver = std::function<void(uint64_t index, absl::string_view bytes)>;

// Runs `audit verify` (with --offline DATA_DIR: over that copy) and fills `outcome`; returns an
// exit code when it ended before a verdict (usage, unreachable node, CANNOT READ), having said
// why on standard error. REQUIRES: `keys` is not null.
std::optional<int> RunAuditVerification(const CommandLine& line, const ClientOptions& options,
                                        const Keyring* keys, VerifyOutcome& outcome,
                                        const AuditEntryObserver& observe = nullptr);

// The note on checkpoints that accepted recoveries moved aside.
std::string SupersededNote(uint64_t superseded);

}  // namespace nexus

#endif  // NEXUS_CLIENT_CLI_AUDIT_VERIFICATION_H_
