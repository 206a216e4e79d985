// nexusctl federation ...: how the node replicates with its peers, and which signed heads of a
// peer's audit log it verified; and `audit verify --peer`, an auditor's verdict on the latter.
#ifndef NEXUS_CLIENT_CLI_FEDERATION_COMMANDS_H_
#define NEXUS_CLIENT_CLI_FEDERATION_COMMANDS_H_

#include "client/cli/command_line.h"
#include "client/nexus_client.h"
#include "common/keyring.h"

namespace nexus {

// Runs "federation SUBCOMMAND ..." (positional()[0] is "federation"); returns nexusctl's exit
// code.
int RunFederationCommand(const CommandLine& line, const ClientOptions& options, bool json);

// Runs "audit verify --peer AGENCY": exit 0 when the node raised no alarm about AGENCY's audit
// log and its answer is consistent (and, with `keys`, every head it shows verifies); 4 (NOT
// VERIFIED) otherwise.
int RunPeerAuditVerify(const CommandLine& line, const ClientOptions& options, const Keyring* keys,
                       bool json);

extern const char kFederationUsage[];

}  // namespace nexus

#endif  // NEXUS_CLIENT_CLI_FEDERATION_COMMANDS_H_
