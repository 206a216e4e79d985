// nexusctl alerts ... and links ...: link alerts as a node tells them to the reader's agency, and
// link charts. Records in them are verified against the origins' keys like any other.
#ifndef NEXUS_CLIENT_CLI_ALERT_COMMANDS_H_
#define NEXUS_CLIENT_CLI_ALERT_COMMANDS_H_

#include <string>

#include "client/cli/command_line.h"
#include "client/nexus_client.h"
#include "common/keyring.h"
#include "nexus/v1/agency_service.pb.h"

namespace nexus {

inline constexpr const char* kAlertFlags[] = {"format", "depth", "record", "output"};
inline constexpr const char* kAlertSwitches[] = {"follow", "brief"};
extern const char kAlertUsage[];

// "alerts [ack ID]" and "links graph ..." (positional()[0] is the command).
int RunAlertCommand(const CommandLine& line, NexusClient& client, const Keyring* keys, bool json);

// One alert for a person (escaped), and as one JSON object; `verified` says whether every record
// in it verified against `keys`.
std::string AlertToHumanText(const v1::Alert& alert, const Keyring* keys, bool* verified);
// One line: the event, the kind, each side by its case reference and origin (or as a hit notice),
// the shared selectors, where it was found. Records are verified all the same.
std::string AlertToBriefText(const v1::Alert& alert, const Keyring* keys, bool* verified);
std::string AlertToJson(const v1::Alert& alert, const Keyring* keys, bool* verified);

}  // namespace nexus

#endif  // NEXUS_CLIENT_CLI_ALERT_COMMANDS_H_
