// nexusctl import stix|misp FILE and nexusctl export stix: what agencies already keep, in and out.
#ifndef NEXUS_CLIENT_CLI_INTEROP_COMMANDS_H_
#define NEXUS_CLIENT_CLI_INTEROP_COMMANDS_H_

#include <string>

#include "client/cli/command_line.h"
#include "client/nexus_client.h"
#include "common/keyring.h"
#include "nexus/v1/agency_service.pb.h"

namespace nexus {

inline constexpr const char* kInteropFlags[] = {"max-bytes", "streams", "red-to"};
inline constexpr const char* kInteropSwitches[] = {"dry-run", "allow-partial", "ids-only",
                                                   "own-export"};

extern const char kInteropUsage[];

// `agency` is the caller's, from its certificate: the origin of what it imports.
// Exit codes: 0 all imported; 1 something was skipped or rejected (0 with --allow-partial);
// 2 usage, or a file that is not what it claims to be (nothing was written); 3 the node failed.
int RunImportCommand(const CommandLine& line, const ClientOptions& options,
                     const std::string& agency, bool json);

// The PullRequest that --since, --limit, --after, --before, --origin, --indicator-type and
// --nexus-type describe (pull and export stix).
absl::StatusOr<v1::PullRequest> PullRequestFromFlags(const CommandLine& line);

// Writes the bundle to stdout. Exit 4 when a record did not verify (it is left out).
int RunExportCommand(const CommandLine& line, NexusClient& client, const Keyring* keys);

}  // namespace nexus

#endif  // NEXUS_CLIENT_CLI_INTEROP_COMMANDS_H_
