// Minimal structured logging to stderr: one line per event, "time level message".
// Never pass key material, record content or indicator values: logs leave the security boundary.
#ifndef NEXUS_SERVER_LOG_H_
#define NEXUS_SERVER_LOG_H_

#include "absl/strings/string_view.h"

namespace nexus {

void LogInfo(absl::string_view message);
void LogWarning(absl::string_view message);
void LogError(absl::string_view message);

}  // namespace nexus

#endif  // NEXUS_SERVER_LOG_H_
