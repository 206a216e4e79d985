// nexusctl policy ...: check a policy file, run its regression cases, explain a node's decision,
// reload the node's policy.
#ifndef NEXUS_CLIENT_CLI_POLICY_COMMANDS_H_
#define NEXUS_CLIENT_CLI_POLICY_COMMANDS_H_

#include "client/cli/command_line.h"
#include "client/nexus_client.h"

namespace nexus {

inline constexpr const char* kPolicyFlags[] = {"config", "record", "recipient"};

// Runs "policy SUBCOMMAND ..." (positional()[0] is "policy"); returns nexusctl's exit code.
// `options` is used only by the subcommands that talk to a node.
int RunPolicyCommand(const CommandLine& line, const ClientOptions& options, bool json);

extern const char kPolicyUsage[];

}  // namespace nexus

#endif  // NEXUS_CLIENT_CLI_POLICY_COMMANDS_H_
