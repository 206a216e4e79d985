#include "server/log.h"

#include <algorithm>
#include <cstdio>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"

namespace nexus {
namespace {

// A log line quotes callers' input (ids, agency names, error text): bounded, and with every control
// character escaped, so that no input can forge a line or drive the operator's terminal.
constexpr size_t kMaxLineBytes = 4096;

void Emit(const char* level, absl::string_view message) {
  std::string time = absl::FormatTime("%Y-%m-%dT%H:%M:%E3SZ", absl::Now(), absl::UTCTimeZone());
  std::string line;
  line.reserve(std::min(message.size(), kMaxLineBytes) + 32);
  for (char c : message.substr(0, kMaxLineBytes)) {
    unsigned char u = static_cast<unsigned char>(c);
    if (u < 0x20 || u == 0x7f) {
      absl::StrAppend(&line, "\\x", absl::Hex(u, absl::kZeroPad2));
    } else {
      line.push_back(c);
    }
  }
  if (message.size() > kMaxLineBytes) {
    absl::StrAppend(&line, "...[", message.size() - kMaxLineBytes, " more bytes]");
  }
  std::fprintf(stderr, "%s %s %s\n", time.c_str(), level, line.c_str());
}

}  // namespace

void LogInfo(absl::string_view message) { Emit("INFO", message); }
void LogWarning(absl::string_view message) { Emit("WARN", message); }
void LogError(absl::string_view message) { Emit("ERROR", message); }

}  // namespace nexus
