#include "server/log.h"

#include <cstdio>
#include <string>

#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "common/untrusted_text.h"

namespace nexus {
namespace {

// One message is one line, whatever it quotes: a line break or escape sequence in it is shown
// escaped, so that no input can forge a log line; and it is bounded.
constexpr size_t kMaxLogMessageBytes = 8192;

void Emit(const char* level, absl::string_view message) {
  std::string time = absl::FormatTime("%Y-%m-%dT%H:%M:%E3SZ", absl::Now(), absl::UTCTimeZone());
  std::string line = EscapeMessageForTerminal(message, kMaxLogMessageBytes);
  std::fprintf(stderr, "%s %s %s\n", time.c_str(), level, line.c_str());
}

}  // namespace

void LogInfo(absl::string_view message) { Emit("INFO", message); }
void LogWarning(absl::string_view message) { Emit("WARN", message); }
void LogError(absl::string_view message) { Emit("ERROR", message); }

}  // namespace nexus
