// nexusctl audit ...: review, export and verify a node's audit log.
#ifndef NEXUS_CLIENT_CLI_AUDIT_COMMANDS_H_
#define NEXUS_CLIENT_CLI_AUDIT_COMMANDS_H_

#include "client/cli/command_line.h"
#include "client/nexus_client.h"
#include "common/keyring.h"

namespace nexus {

// Flags the audit commands take, beyond nexusctl's connection flags.
inline constexpr const char* kAuditFlags[] = {
    "from",    "to",      "actor",   "action", "exclude-action", "person", "with-purpose", "record",
    "outcome", "offline", "witness", "after",  "before",         "limit",  "peer",         "agency",
    "config",  "until",   "html"};

// Runs "audit SUBCOMMAND ..." (positional()[0] is "audit"); returns nexusctl's exit code.
int RunAuditCommand(const CommandLine& line, const ClientOptions& options, const Keyring* keys,
                    bool json);

extern const char kAuditUsage[];

}  // namespace nexus

#endif  // NEXUS_CLIENT_CLI_AUDIT_COMMANDS_H_
