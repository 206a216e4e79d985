// nexusctl's exit codes and the failure text it prints, for every command: a script reads the
// same number for the same outcome whatever the command, and a person the same shape of message.
#ifndef NEXUS_CLIENT_CLI_EXIT_CODES_H_
#define NEXUS_CLIENT_CLI_EXIT_CODES_H_

#include <string>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"

namespace nexus {

// How a run of nexusctl ended. The numbers are a contract with scripts: never renumber one.
enum ExitCode : int {
  kExitOk = 0,
  // The node refused, rejected or did not find something; records or objects were left out.
  kExitRefused = 1,
  // The command line or an input (a flag's value, a file) is wrong; the message says where.
  kExitUsage = 2,
  // The node could not be reached, did not answer in time, or failed (an internal error).
  kExitUnavailable = 3,
  // Something shown or checked did not verify: evidence of tampering (for a record, also: no
  // key for its origin to check it with).
  kExitUnverified = 4,
  // Something could not be read, so there is no verdict either way (audit verify and report).
  kExitUnreadable = 5,
};

// The table of the codes above, as `nexusctl --help` prints it.
extern const char kExitCodesUsage[];

// The exit code of a call that failed with `status`, whoever found the problem: INVALID_ARGUMENT
// is bad input (2); UNAVAILABLE, DEADLINE_EXCEEDED, CANCELLED, INTERNAL, UNKNOWN and DATA_LOSS
// mean the node could not serve the call (3); every other code is a refusal (1). OK is 0.
ExitCode ExitCodeFor(const absl::Status& status);

// What nexusctl prints on standard error for a call that failed with `status`:
// "nexusctl[ COMMAND]: [DOING: ]MESSAGE\n", the message escaped and bounded for a terminal (a
// node's answer may quote input; an empty one is named by its code), then a hint line where the
// code suggests one.
std::string FailureText(absl::string_view command, absl::string_view doing,
                        const absl::Status& status);

// Prints FailureText(command, doing, status) on standard error; returns ExitCodeFor(status).
int ReportFailure(absl::string_view command, absl::string_view doing, const absl::Status& status);

// A command line nexusctl cannot run: prints the problem and the hint to --help; returns
// kExitUsage.
int ReportUsage(absl::string_view command, absl::string_view problem);

// Input nexusctl understood but cannot use (a bad value, a malformed file): prints the problem,
// which says what is wrong where, without sending to --help; returns kExitUsage.
int ReportBadInput(absl::string_view command, absl::string_view problem);

// `text` (a message, a path, a name from input) as failure lines show it: escaped and bounded.
std::string ShownMessage(absl::string_view text);

}  // namespace nexus

#endif  // NEXUS_CLIENT_CLI_EXIT_CODES_H_
