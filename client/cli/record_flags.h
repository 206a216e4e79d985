// Records from nexusctl's command-line flags: a new record (`push --indicator ...`) and a changed
// version of an existing one (`update ID ...`), parsed through the same JSON mapping as a file's
// records, so that every input form takes the same values ("amber", "TLP:AMBER", "TLP_AMBER").
#ifndef NEXUS_CLIENT_CLI_RECORD_FLAGS_H_
#define NEXUS_CLIENT_CLI_RECORD_FLAGS_H_

#include "absl/status/statusor.h"
#include "client/cli/command_line.h"
#include "nexus/v1/record.pb.h"

namespace nexus {

// Valued flags of the record commands, for the command-line parser.
inline constexpr const char* kRecordFlags[] = {
    "tlp",        "scope",       "agency",      "group",       "handling",      "case",
    "nexus-type", "watch-point", "reliability", "credibility", "indicator",     "tag",
    "summary",    "related",     "id",          "version",     "add-indicator", "remove-indicator",
    "add-tag",    "remove-tag",  "add-related", "hit-notices", "hit-agency",    "hit-group"};

// A new record from push's flags.
absl::StatusOr<v1::Record> RecordFromFlags(const CommandLine& line);

// `latest` (the record's latest version, whole, as its origin holds it) with the fields update's
// flags give changed and everything else kept: a field's flag replaces it (`--tag`, `--agency`,
// `--indicator` replace their lists), `--add-X` and `--remove-X` change a list. The result has no
// version or times: the node takes the next version and the clock. InvalidArgument names a
// flag that changes nothing (a removed indicator the record does not carry) or is malformed.
absl::StatusOr<v1::Record> UpdatedRecord(const v1::Record& latest, const CommandLine& line);

// Whether update's flags change anything at all.
bool UpdateFlagsGiven(const CommandLine& line);

}  // namespace nexus

#endif  // NEXUS_CLIENT_CLI_RECORD_FLAGS_H_
