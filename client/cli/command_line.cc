#include "client/cli/command_line.h"

#include "absl/status/status.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "common/crypto.h"
#include "google/protobuf/message.h"
#include "google/protobuf/text_format.h"

namespace nexus {

absl::Status ParseTextFile(const std::string& path, google::protobuf::Message* message) {
  absl::StatusOr<std::string> text = ReadFileToString(path);
  if (!text.ok()) return text.status();
  if (!google::protobuf::TextFormat::ParseFromString(*text, message)) {
    return absl::InvalidArgumentError(
        absl::StrCat(path, " is not a valid ", message->GetDescriptor()->name(),
                     " in text format (nexusctl policy check reports positions)"));
  }
  return absl::OkStatus();
}

absl::StatusOr<CommandLine> CommandLine::Parse(const std::vector<std::string>& args,
                                               const std::set<std::string>& valued,
                                               const std::set<std::string>& switches) {
  CommandLine line;
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& arg = args[i];
    if (arg == "--") {
      line.positional_.insert(line.positional_.end(), args.begin() + i + 1, args.end());
      break;
    }
    if (!absl::StartsWith(arg, "--") || arg == "-") {
      line.positional_.push_back(arg);
      continue;
    }
    std::string name = arg.substr(2);
    std::string value;
    bool has_value = false;
    if (size_t eq = name.find('='); eq != std::string::npos) {
      value = name.substr(eq + 1);
      name = name.substr(0, eq);
      has_value = true;
    }
    if (switches.count(name)) {
      if (has_value) return absl::InvalidArgumentError(absl::StrCat("--", name, " takes no value"));
      line.values_[name].push_back("true");
    } else if (valued.count(name)) {
      if (!has_value) {
        if (i + 1 >= args.size()) {
          return absl::InvalidArgumentError(absl::StrCat("--", name, " needs a value"));
        }
        value = args[++i];
      }
      line.values_[name].push_back(value);
    } else {
      return absl::InvalidArgumentError(absl::StrCat("unknown option --", name));
    }
  }
  return line;
}

std::string CommandLine::Get(const std::string& flag, const std::string& fallback) const {
  auto it = values_.find(flag);
  return it == values_.end() ? fallback : it->second.back();
}

const std::vector<std::string>& CommandLine::All(const std::string& flag) const {
  static const std::vector<std::string> kNone;
  auto it = values_.find(flag);
  return it == values_.end() ? kNone : it->second;
}

absl::StatusOr<uint64_t> CommandLine::Count(const std::string& flag, uint64_t fallback) const {
  if (!Has(flag)) return fallback;
  uint64_t value;
  if (!absl::SimpleAtoi(Get(flag), &value)) {
    return absl::InvalidArgumentError(absl::StrCat("--", flag, " must be a whole number"));
  }
  return value;
}

absl::StatusOr<int64_t> CommandLine::TimeMicros(const std::string& flag) const {
  if (!Has(flag)) return 0;
  absl::Time time;
  std::string error;
  if (absl::ParseTime(absl::RFC3339_full, Get(flag), &time, &error))
    return absl::ToUnixMicros(time);
  // A date alone is the start of that day, UTC.
  std::string date_error;
  if (absl::ParseTime("%Y-%m-%d", Get(flag), absl::UTCTimeZone(), &time, &date_error)) {
    return absl::ToUnixMicros(time);
  }
  return absl::InvalidArgumentError(absl::StrCat(
      "--", flag, " '", Get(flag),
      "' is neither a date (2026-11-01, the start of that day UTC) nor an RFC 3339 time "
      "(2026-11-01T08:30:00Z, or with an offset: +01:00)"));
}

}  // namespace nexus
