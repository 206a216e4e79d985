// nexusctl admin ... (what a node's administrators do to it, admin certificate of its agency)
// and nexusctl health (whether it serves, for probes).
#ifndef NEXUS_CLIENT_CLI_ADMIN_COMMANDS_H_
#define NEXUS_CLIENT_CLI_ADMIN_COMMANDS_H_

#include "client/cli/command_line.h"
#include "client/nexus_client.h"

namespace nexus {

// Runs "admin SUBCOMMAND ..." (positional()[0] is "admin"); returns nexusctl's exit code.
int RunAdminCommand(const CommandLine& line, const ClientOptions& options, bool json);

// Runs "health [--service NAME]": exit 0 when the node answers that it serves, 1 when it answers
// that it does not, 3 when it does not answer.
int RunHealthCommand(const CommandLine& line, const ClientOptions& options, bool json);

extern const char kAdminUsage[];

}  // namespace nexus

#endif  // NEXUS_CLIENT_CLI_ADMIN_COMMANDS_H_
