#include "server/log.h"

#include <cstdio>
#include <string>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "common/untrusted_text.h"
#include "server/log_limiter.h"

namespace nexus {
namespace {

// One message is one line, whatever it quotes: a line break or escape sequence in it is shown
// escaped, so that no input can forge a log line; and it is bounded.
constexpr size_t kMaxLogMessageBytes = 8192;
// Short fields (ids, addresses, names) are bounded too: they may quote what a client sent.
constexpr size_t kMaxFieldBytes = 256;
// A thousand lines at once, then two hundred a second.
constexpr double kBurstLines = 1000;
constexpr double kLinesPerSecond = 200;

struct Logger {
  absl::Mutex mu;
  LogFormat format ABSL_GUARDED_BY(mu) = LogFormat::kText;
  LogLimiter limiter ABSL_GUARDED_BY(mu){kBurstLines, kLinesPerSecond};
  std::function<void(const std::string&)> sink ABSL_GUARDED_BY(mu);
};

// Never destroyed: threads may log while the process exits.
Logger& TheLogger() {
  static Logger* logger = new Logger;
  return *logger;
}

// `text` (already escaped for a terminal: printable, valid UTF-8) as a JSON string.
std::string JsonString(absl::string_view text) {
  std::string out = "\"";
  for (char c : text) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  out += '"';
  return out;
}

std::string Line(LogFormat format, absl::Time now, const char* level, absl::string_view message,
                 const LogFields& fields, uint64_t dropped_before) {
  const std::string time = absl::FormatTime("%Y-%m-%dT%H:%M:%E3SZ", now, absl::UTCTimeZone());
  const std::string text = EscapeMessageForTerminal(message, kMaxLogMessageBytes);
  if (format == LogFormat::kText) {
    std::string line = absl::StrCat(time, " ", level, " ", text);
    if (dropped_before > 0) {
      absl::StrAppend(&line, " (", dropped_before,
                      " log lines dropped before this one: rate limit)");
    }
    return line;
  }
  std::string line = absl::StrCat("{\"time\":", JsonString(time),
                                  ",\"level\":", JsonString(absl::AsciiStrToLower(level)),
                                  ",\"msg\":", JsonString(text));
  for (const auto& [name, value] :
       {std::pair<const char*, const std::string*>{"request_id", &fields.request_id},
        {"peer", &fields.peer},
        {"agency", &fields.agency},
        {"role", &fields.role},
        {"action", &fields.action},
        {"outcome", &fields.outcome},
        {"reason", &fields.reason}}) {
    if (value->empty()) continue;
    absl::StrAppend(&line, ",\"", name,
                    "\":", JsonString(EscapeMessageForTerminal(*value, kMaxFieldBytes)));
  }
  if (dropped_before > 0) absl::StrAppend(&line, ",\"dropped_before\":", dropped_before);
  line += '}';
  return line;
}

void Emit(const char* level, absl::string_view message, const LogFields& fields) {
  Logger& logger = TheLogger();
  const absl::Time now = absl::Now();
  absl::MutexLock lock(&logger.mu);
  const LogLimiter::Verdict verdict = logger.limiter.Admit(now);
  if (!verdict.pass) return;
  const std::string line = Line(logger.format, now, level, message, fields, verdict.dropped_before);
  if (logger.sink) {
    logger.sink(line);
  } else {
    std::fprintf(stderr, "%s\n", line.c_str());
  }
}

}  // namespace

void SetLogFormat(LogFormat format) {
  absl::MutexLock lock(&TheLogger().mu);
  TheLogger().format = format;
}

bool ParseLogFormat(absl::string_view name, LogFormat* format) {
  if (name == "text") {
    *format = LogFormat::kText;
  } else if (name == "json") {
    *format = LogFormat::kJson;
  } else {
    return false;
  }
  return true;
}

void LogInfo(absl::string_view message, const LogFields& fields) { Emit("INFO", message, fields); }
void LogWarning(absl::string_view message, const LogFields& fields) {
  Emit("WARN", message, fields);
}
void LogError(absl::string_view message, const LogFields& fields) {
  Emit("ERROR", message, fields);
}

void FlushLogDrops() {
  Logger& logger = TheLogger();
  absl::MutexLock lock(&logger.mu);
  const uint64_t dropped = logger.limiter.TakeDropped();
  if (dropped == 0) return;
  const std::string line =
      Line(logger.format, absl::Now(), "WARN",
           absl::StrCat(dropped, " log lines dropped at the end: rate limit"), {}, 0);
  if (logger.sink) {
    logger.sink(line);
  } else {
    std::fprintf(stderr, "%s\n", line.c_str());
  }
}

void SetLogSinkForTesting(std::function<void(const std::string& line)> sink) {
  absl::MutexLock lock(&TheLogger().mu);
  TheLogger().sink = std::move(sink);
  TheLogger().limiter = LogLimiter(kBurstLines, kLinesPerSecond);
}

}  // namespace nexus
