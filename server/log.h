// The node log, on stderr: one line per event, as text ("time level message") or, with
// SetLogFormat(kJson) (nexusd --log-format json), as one JSON object per line with the call's
// fields beside the message. Never pass key material, record content or indicator values: logs
// leave the security boundary. Floods are limited (log_limiter.h), with a count of what was
// dropped on the next line that passes.
#ifndef NEXUS_SERVER_LOG_H_
#define NEXUS_SERVER_LOG_H_

#include <functional>
#include <string>

#include "absl/strings/string_view.h"

namespace nexus {

// What a line may say of the call it is about; empty fields are left out.
struct LogFields {
  std::string request_id;
  std::string peer;    // the transport address ("ipv4:127.0.0.1:51234")
  std::string agency;  // from the caller's certificate
  std::string role;
  std::string action;   // "publish", "pull", ... (the audit action, lower case)
  std::string outcome;  // "refused", "failed"
  std::string reason;   // a status code's name, lower case ("permission_denied")
};

enum class LogFormat { kText, kJson };
void SetLogFormat(LogFormat format);
// "text" or "json"; false for anything else.
bool ParseLogFormat(absl::string_view name, LogFormat* format);

void LogInfo(absl::string_view message, const LogFields& fields = {});
void LogWarning(absl::string_view message, const LogFields& fields = {});
void LogError(absl::string_view message, const LogFields& fields = {});

// Writes a line counting the lines dropped since the last that passed, if any (at shutdown).
void FlushLogDrops();

// Tests: where lines go instead of stderr (nullptr: stderr again); either way the flood guard
// starts afresh.
void SetLogSinkForTesting(std::function<void(const std::string& line)> sink);

}  // namespace nexus

#endif  // NEXUS_SERVER_LOG_H_
