#include "client/cli/exit_codes.h"

#include <cstdio>

#include "absl/strings/str_cat.h"
#include "common/untrusted_text.h"

namespace nexus {

const char kExitCodesUsage[] = R"(exit codes (the same for every command):
  0  ok (audit: VERIFIED)
  1  refused: the node refused, rejected or did not find something (a record rejected, not
     found, permission denied); an import left objects out (without --allow-partial)
  2  usage or bad input: a wrong command line, flag value or file (the message says where)
  3  the node could not be reached, did not answer in time, or failed (an internal error)
  4  NOT VERIFIED: a record shown, a search hit, a pull's order, an audit log, proof or store,
     or a peer's log the node witnesses (for a record, also: no key for its origin in --keys)
  5  CANNOT READ (audit verify, audit report; audit trail --federation: the witness file):
     nothing is known either way
)";

namespace {

// Messages may quote input (a file's lines, the node's answer): bounded like every other.
constexpr size_t kMaxMessageBytes = 4096;

std::string Prefix(absl::string_view command) {
  return command.empty() ? "nexusctl: " : absl::StrCat("nexusctl ", command, ": ");
}

// What the user can check when the code says more than the message.
absl::string_view Hint(absl::StatusCode code) {
  switch (code) {
    case absl::StatusCode::kUnavailable:
      return "hint: is nexusd running at --target, and do --ca/--cert/--key belong to this "
             "federation?\n";
    case absl::StatusCode::kUnimplemented:
      return "hint: this node does not serve this call (an older nexusd?)\n";
    default:
      return "";
  }
}

}  // namespace

ExitCode ExitCodeFor(const absl::Status& status) {
  switch (status.code()) {
    case absl::StatusCode::kOk:
      return kExitOk;
    // Whoever found it (nexusctl or the node), the caller must change the input.
    case absl::StatusCode::kInvalidArgument:
      return kExitUsage;
    // The call did not get a considered answer: trying again later, or the node's operator, may
    // help. DATA_LOSS from a node is its own store failing it; verdicts on what nexusctl checks
    // itself (4, 5) are the commands' to give, never a status code's.
    case absl::StatusCode::kUnavailable:
    case absl::StatusCode::kDeadlineExceeded:
    case absl::StatusCode::kCancelled:
    case absl::StatusCode::kInternal:
    case absl::StatusCode::kUnknown:
    case absl::StatusCode::kDataLoss:
      return kExitUnavailable;
    default:
      return kExitRefused;
  }
}

std::string ShownMessage(absl::string_view text) {
  return EscapeMessageForTerminal(text, kMaxMessageBytes);
}

std::string FailureText(absl::string_view command, absl::string_view doing,
                        const absl::Status& status) {
  // A node without the service answers UNIMPLEMENTED with no message: the code says it.
  const std::string message = status.message().empty() ? absl::StatusCodeToString(status.code())
                                                       : ShownMessage(status.message());
  return absl::StrCat(Prefix(command), doing, doing.empty() ? "" : ": ", message, "\n",
                      Hint(status.code()));
}

int ReportFailure(absl::string_view command, absl::string_view doing, const absl::Status& status) {
  std::fputs(FailureText(command, doing, status).c_str(), stderr);
  return ExitCodeFor(status);
}

int ReportUsage(absl::string_view command, absl::string_view problem) {
  std::fprintf(stderr, "%s%s\n(see nexusctl --help)\n", Prefix(command).c_str(),
               ShownMessage(problem).c_str());
  return kExitUsage;
}

int ReportBadInput(absl::string_view command, absl::string_view problem) {
  std::fprintf(stderr, "%s%s\n", Prefix(command).c_str(), ShownMessage(problem).c_str());
  return kExitUsage;
}

}  // namespace nexus
