// The node log: JSON lines that a JSON parser reads whatever a message quotes (quotes, line
// breaks, invalid UTF-8, terminal escapes), with the call's fields and without empty ones; and
// the flood guard, which passes a burst, then a steady rate, and counts every line it drops.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/time/time.h"
#include "nlohmann/json.hpp"
#include "server/log.h"
#include "server/log_limiter.h"

namespace nexus {
namespace {

TEST(LogLimiterTest, PassesABurstThenARateAndCountsWhatItDrops) {
  LogLimiter limiter(/*burst=*/3, /*per_second=*/2);
  const absl::Time t0 = absl::FromUnixSeconds(1000);
  for (int i = 0; i < 3; ++i) EXPECT_TRUE(limiter.Admit(t0).pass);
  EXPECT_FALSE(limiter.Admit(t0).pass);
  EXPECT_FALSE(limiter.Admit(t0 + absl::Milliseconds(100)).pass);
  // Half a second later one token has come back: the line passes and says two were dropped.
  LogLimiter::Verdict next = limiter.Admit(t0 + absl::Milliseconds(500));
  EXPECT_TRUE(next.pass);
  EXPECT_EQ(next.dropped_before, 2u);
  EXPECT_FALSE(limiter.Admit(t0 + absl::Milliseconds(600)).pass);
  EXPECT_EQ(limiter.TakeDropped(), 1u);
  EXPECT_EQ(limiter.TakeDropped(), 0u);
  // A long quiet refills the burst, no more.
  const absl::Time later = t0 + absl::Hours(1);
  for (int i = 0; i < 3; ++i) EXPECT_TRUE(limiter.Admit(later).pass);
  EXPECT_FALSE(limiter.Admit(later).pass);
  // A clock that steps back gives no tokens.
  EXPECT_FALSE(limiter.Admit(later - absl::Minutes(5)).pass);
}

class NodeLogFormatTest : public ::testing::Test {
 protected:
  void SetUp() override {
    SetLogSinkForTesting([this](const std::string& line) { lines_.push_back(line); });
  }
  void TearDown() override {
    SetLogSinkForTesting(nullptr);
    SetLogFormat(LogFormat::kText);
  }
  std::vector<std::string> lines_;
};

TEST_F(NodeLogFormatTest, AJsonLineParsesWhateverItQuotesAndCarriesTheCallsFields) {
  SetLogFormat(LogFormat::kJson);
  LogFields fields;
  fields.request_id = "req-1";
  fields.peer = "ipv4:127.0.0.1:5000";
  fields.agency = "agency-b";
  fields.role = "analyst";
  fields.action = "publish";
  fields.outcome = "refused";
  fields.reason = "permission_denied";
  LogWarning(
      "a \"quoted\" \\ message\nwith a forged line, \x1b[31mcolour\x1b[0m and \xff\xfe bytes",
      fields);
  LogInfo("no fields");
  ASSERT_EQ(lines_.size(), 2u);
  for (const std::string& line : lines_) {
    EXPECT_EQ(line.find('\n'), std::string::npos) << line;
    EXPECT_TRUE(nlohmann::json::accept(line)) << line;
  }
  nlohmann::json first = nlohmann::json::parse(lines_[0]);
  EXPECT_EQ(first["level"], "warn");
  EXPECT_TRUE(absl::StrContains(first["msg"].get<std::string>(), "a \"quoted\""));
  EXPECT_FALSE(absl::StrContains(first["msg"].get<std::string>(), "\x1b")) << first["msg"];
  EXPECT_EQ(first["request_id"], "req-1");
  EXPECT_EQ(first["peer"], "ipv4:127.0.0.1:5000");
  EXPECT_EQ(first["agency"], "agency-b");
  EXPECT_EQ(first["role"], "analyst");
  EXPECT_EQ(first["action"], "publish");
  EXPECT_EQ(first["outcome"], "refused");
  EXPECT_EQ(first["reason"], "permission_denied");
  EXPECT_TRUE(absl::EndsWith(first["time"].get<std::string>(), "Z"));
  nlohmann::json second = nlohmann::json::parse(lines_[1]);
  EXPECT_EQ(second.size(), 3u) << lines_[1];  // time, level, msg: no empty fields
}

TEST_F(NodeLogFormatTest, AFloodIsCutAndEveryDroppedLineIsCounted) {
  SetLogFormat(LogFormat::kJson);
  constexpr int kLines = 20000;
  for (int i = 0; i < kLines; ++i) LogWarning("the same refusal again");
  FlushLogDrops();
  uint64_t passed = 0, dropped = 0;
  for (const std::string& line : lines_) {
    nlohmann::json parsed = nlohmann::json::parse(line);
    const std::string msg = parsed["msg"];
    if (msg == "the same refusal again") {
      ++passed;
      dropped += parsed.value("dropped_before", uint64_t{0});
    } else {
      ASSERT_TRUE(absl::EndsWith(msg, " log lines dropped at the end: rate limit")) << msg;
      uint64_t counted = 0;
      ASSERT_TRUE(absl::SimpleAtoi(msg.substr(0, msg.find(' ')), &counted)) << msg;
      dropped += counted;
    }
  }
  EXPECT_EQ(passed + dropped, static_cast<uint64_t>(kLines));
  // A burst of 1000 and 200 a second: far fewer than the flood.
  EXPECT_LT(passed, 5000u);
  EXPECT_GE(passed, 1000u);
}

}  // namespace
}  // namespace nexus
