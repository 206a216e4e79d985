// nexusctl's one table of exit codes (client/cli/exit_codes.h): each status code maps to one exit
// code whatever the command, and the failure line is escaped and bounded.
#include "client/cli/exit_codes.h"

#include <gtest/gtest.h>

#include <string>
#include <utility>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"

namespace nexus {
namespace {

// The numbers are a contract with scripts.
static_assert(kExitOk == 0 && kExitRefused == 1 && kExitUsage == 2 && kExitUnavailable == 3 &&
              kExitUnverified == 4 && kExitUnreadable == 5);

TEST(ExitCodesTest, EveryStatusCodeHasItsExitCode) {
  const std::vector<std::pair<absl::StatusCode, int>> table = {
      {absl::StatusCode::kOk, 0},
      {absl::StatusCode::kCancelled, 3},
      {absl::StatusCode::kUnknown, 3},
      {absl::StatusCode::kInvalidArgument, 2},
      {absl::StatusCode::kDeadlineExceeded, 3},
      {absl::StatusCode::kNotFound, 1},
      {absl::StatusCode::kAlreadyExists, 1},
      {absl::StatusCode::kPermissionDenied, 1},
      {absl::StatusCode::kResourceExhausted, 1},
      {absl::StatusCode::kFailedPrecondition, 1},
      {absl::StatusCode::kAborted, 1},
      {absl::StatusCode::kOutOfRange, 1},
      {absl::StatusCode::kUnimplemented, 1},
      {absl::StatusCode::kInternal, 3},
      {absl::StatusCode::kUnavailable, 3},
      {absl::StatusCode::kDataLoss, 3},
      {absl::StatusCode::kUnauthenticated, 1},
  };
  for (const auto& [code, exit_code] : table) {
    EXPECT_EQ(ExitCodeFor(absl::Status(code, "message")), exit_code)
        << absl::StatusCodeToString(code);
  }
  // A code outside the canonical set (one gRPC may add later) becomes UNKNOWN in absl::Status:
  // the node failed in a way it did not say, never a success.
  EXPECT_EQ(ExitCodeFor(absl::Status(static_cast<absl::StatusCode>(42), "new")), kExitUnavailable);
}

TEST(ExitCodesTest, FailureTextNamesCommandAndCallAndEscapesTheMessage) {
  const std::string text =
      FailureText("audit", "prove", absl::NotFoundError("entry 'x\n\x1b[2J' is missing"));
  EXPECT_EQ(text, "nexusctl audit: prove: entry 'x\\n\\x1b[2J' is missing\n");
  EXPECT_EQ(FailureText("", "get", absl::PermissionDeniedError("denied")),
            "nexusctl: get: denied\n");
  EXPECT_EQ(FailureText("", "", absl::PermissionDeniedError("denied")), "nexusctl: denied\n");
}

TEST(ExitCodesTest, FailureTextIsBounded) {
  const std::string text =
      FailureText("", "get", absl::InvalidArgumentError(std::string(100000, 'i')));
  EXPECT_LT(text.size(), 4200u);
  EXPECT_TRUE(absl::StrContains(text, "more bytes)")) << text;
}

TEST(ExitCodesTest, FailureTextHintsWhereTheCodeSaysMore) {
  EXPECT_TRUE(absl::StrContains(FailureText("", "pull", absl::UnavailableError("connect failed")),
                                "\nhint: is nexusd running at --target"));
  // A node without the service answers UNIMPLEMENTED with no message: the code says it.
  EXPECT_EQ(FailureText("federation", "status", absl::Status(absl::StatusCode::kUnimplemented, "")),
            "nexusctl federation: status: UNIMPLEMENTED\n"
            "hint: this node does not serve this call (an older nexusd?)\n");
  EXPECT_EQ(FailureText("", "get", absl::InternalError("boom")), "nexusctl: get: boom\n");
}

TEST(ExitCodesTest, HelpListsEveryCode) {
  for (int code = kExitOk; code <= kExitUnreadable; ++code) {
    EXPECT_TRUE(absl::StrContains(kExitCodesUsage, absl::StrCat("\n  ", code, "  ")))
        << code << "\n"
        << kExitCodesUsage;
  }
}

}  // namespace
}  // namespace nexus
