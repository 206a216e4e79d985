// A small command-line parser for nexusctl: "--flag value", "--flag=value", boolean switches,
// repeated flags and positional arguments, in any order.
#ifndef NEXUS_CLIENT_CLI_COMMAND_LINE_H_
#define NEXUS_CLIENT_CLI_COMMAND_LINE_H_

#include <map>
#include <set>
#include <string>
#include <vector>

#include "absl/status/statusor.h"

namespace google::protobuf {
class Message;
}  // namespace google::protobuf

namespace nexus {

// Reads `path` into `message`, a protocol buffer in text format (a node configuration, policy
// test cases); InvalidArgument names the file and the message type.
absl::Status ParseTextFile(const std::string& path, google::protobuf::Message* message);

class CommandLine {
 public:
  // `valued` flags take a value; `switches` do not. Anything else starting with "--" is an error.
  static absl::StatusOr<CommandLine> Parse(const std::vector<std::string>& args,
                                           const std::set<std::string>& valued,
                                           const std::set<std::string>& switches);

  bool Has(const std::string& flag) const { return values_.count(flag) > 0; }
  // The last value given for `flag`, or `fallback`.
  std::string Get(const std::string& flag, const std::string& fallback = "") const;
  const std::vector<std::string>& All(const std::string& flag) const;
  // The whole number given for `flag`, or `fallback` if absent; an error naming the flag if it
  // is not a whole number.
  absl::StatusOr<uint64_t> Count(const std::string& flag, uint64_t fallback = 0) const;
  // The RFC 3339 time given for `flag` in Unix microseconds, or 0 if absent.
  absl::StatusOr<int64_t> TimeMicros(const std::string& flag) const;
  const std::vector<std::string>& positional() const { return positional_; }

 private:
  std::map<std::string, std::vector<std::string>> values_;
  std::vector<std::string> positional_;
};

}  // namespace nexus

#endif  // NEXUS_CLIENT_CLI_COMMAND_LINE_H_
