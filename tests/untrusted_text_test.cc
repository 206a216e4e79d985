// Escaping and bounding text from others: every way to drive a terminal or forge a line is shown
// as an escape, nothing is lost silently, and nothing grows without bound.
#include "common/untrusted_text.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <string>

#include "absl/strings/match.h"
#include "client/cli/record_text.h"
#include "server/log.h"

namespace nexus {
namespace {

TEST(EscapeForTerminalTest, ShowsEveryControlAsAVisibleEscape) {
  struct Case {
    std::string in, out;
  };
  const Case cases[] = {
      {"plain text", "plain text"},
      {"a\nb", "a\\nb"},
      {"a\rb\tc", "a\\rb\\tc"},
      {"\x1b[31mred", "\\x1b[31mred"},
      {std::string("nul\0here", 8), "nul\\x00here"},
      {"del\x7f", "del\\x7f"},
      {"back\\slash", "back\\\\slash"},  // so that input "\x1b" is not shown as an escape
      {"csi\xc2\x9b"
       "31m",
       "csi\\u009b31m"},              // C1 control (one-character CSI)
      {"nel\xc2\x85", "nel\\u0085"},  // C1 next line
      {"rlo\xe2\x80\xae"
       "txt",
       "rlo\\u202etxt"},                  // right-to-left override
      {"iso\xe2\x81\xa6", "iso\\u2066"},  // left-to-right isolate
      {"caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x99\x82", "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x99\x82"},
      {"bad\xff\xfe", "bad\\xff\\xfe"},
      {"overlong\xc0\xaf", "overlong\\xc0\\xaf"},
      {"surrogate\xed\xa0\x80", "surrogate\\xed\\xa0\\x80"},
      {"truncated\xe2\x82", "truncated\\xe2\\x82"},
      {"too-big\xf4\x90\x80\x80", "too-big\\xf4\\x90\\x80\\x80"},
      {"it's", "it's"},
  };
  for (const Case& c : cases) EXPECT_EQ(EscapeForTerminal(c.in), c.out) << c.in;
}

TEST(EscapeForTerminalTest, OutputHasNoControlBytesForAnyByte) {
  std::string every;
  for (int b = 0; b < 256; ++b) every.push_back(static_cast<char>(b));
  for (int b = 0x80; b < 0xa0; ++b) every += std::string("\xc2") + static_cast<char>(b);
  const std::string out = EscapeForTerminal(every + every);
  for (unsigned char c : out) {
    EXPECT_FALSE(c < 0x20 || c == 0x7f) << static_cast<int>(c);
  }
  EXPECT_TRUE(IsValidUtf8(out));
  EXPECT_FALSE(absl::StrContains(out, "\xc2\x9b"));
}

TEST(EscapeForTerminalTest, BoundsLengthAndSaysHowMuchWasLeft) {
  const std::string big(8192, 'x');
  EXPECT_EQ(EscapeForTerminal(big, 10), "xxxxxxxxxx…(8182 more bytes)");
  EXPECT_EQ(EscapeForTerminal("short", 10), "short");
  // Never cuts a character in two: "é" is two bytes.
  EXPECT_EQ(EscapeForTerminal("a\xc3\xa9"
                              "b",
                              2),
            "a…(3 more bytes)");
}

TEST(EscapeMessageForTerminalTest, KeepsTheMessagesOwnEscapesAndEscapesTheRest) {
  EXPECT_EQ(EscapeMessageForTerminal("id '\\x1b[31m' is bad\n\x1b[2J"),
            "id '\\x1b[31m' is bad\\n\\x1b[2J");
  EXPECT_EQ(EscapeMessageForTerminal(std::string(100, 'm'), 10), "mmmmmmmmmm…(90 more bytes)");
}

TEST(QuoteInputTest, QuotesEscapesAndBounds) {
  EXPECT_EQ(QuoteInput("abc"), "'abc'");
  EXPECT_EQ(QuoteInput("it's"), "'it\\'s'");
  EXPECT_EQ(QuoteInput("a\nb"), "'a\\nb'");
  const std::string huge(2 * 1024 * 1024, 'i');
  const std::string quoted = QuoteInput(huge);
  EXPECT_LT(quoted.size(), 140u);
  EXPECT_TRUE(absl::StrContains(quoted, "…(2097056 more bytes)")) << quoted;
  // Escapes expand input: the bound is on input bytes shown, so at most 4x plus the marker.
  EXPECT_LT(QuoteInput(std::string(100000, '\x1b')).size(), 4 * 96 + 40);
}

TEST(TruncateTextTest, CutsAtCharacterBoundaries) {
  EXPECT_EQ(TruncateText("hello", 10), "hello");
  EXPECT_EQ(TruncateText("hello world", 5), "hello…(6 more bytes)");
  EXPECT_EQ(TruncateText("\xe2\x82\xac\xe2\x82\xac", 4), "\xe2\x82\xac…(3 more bytes)");
}

TEST(Utf8Test, RecognizesWellFormedSequencesOnly) {
  EXPECT_TRUE(IsValidUtf8(""));
  EXPECT_TRUE(IsValidUtf8("ascii \xc3\xa9 \xe2\x82\xac \xf0\x9f\x99\x82 \xf4\x8f\xbf\xbf"));
  EXPECT_FALSE(IsValidUtf8("\x80"));
  EXPECT_FALSE(IsValidUtf8("\xc1\xbf"));          // overlong
  EXPECT_FALSE(IsValidUtf8("\xe0\x80\xaf"));      // overlong
  EXPECT_FALSE(IsValidUtf8("\xed\xbf\xbf"));      // surrogate
  EXPECT_FALSE(IsValidUtf8("\xf4\x90\x80\x80"));  // above U+10FFFF
  EXPECT_FALSE(IsValidUtf8("\xf0\x9f\x99"));      // cut short
}

TEST(JsonQuoteTest, IsValidJsonAndTerminalSafeForAnyBytes) {
  EXPECT_EQ(JsonQuote("a\"b\\c\nd\x1b[31m"), "\"a\\\"b\\\\c\\nd\\u001b[31m\"");
  EXPECT_EQ(JsonQuote("\x7f\xc2\x9b"), "\"\\u007f\\u009b\"");
  EXPECT_EQ(JsonQuote("bad\xff"), "\"bad\\ufffd\"");
  EXPECT_EQ(JsonQuote("caf\xc3\xa9"), "\"caf\xc3\xa9\"");
}

TEST(EscapeJsonForTerminalTest, EscapesWhatJsonAllowsRawButTerminalsActOn) {
  EXPECT_EQ(EscapeJsonForTerminal("{\"a\":\"x\x7fy\xc2\x9b"
                                  "31m\xe2\x80\xae\xff\",\"b\":1}"),
            "{\"a\":\"x\\u007fy\\u009b31m\\u202e\\ufffd\",\"b\":1}");
  EXPECT_EQ(EscapeJsonForTerminal("{\"caf\xc3\xa9\":[1,2]}"), "{\"caf\xc3\xa9\":[1,2]}");
}

TEST(NodeLogTest, OneMessageIsOneLineWhateverItQuotes) {
  ::testing::internal::CaptureStderr();
  LogWarning("refused: 'x'\n2026-01-01T00:00:00.000Z INFO forged \x1b[31mred");
  LogWarning(std::string(100000, 'w'));
  std::string logged = ::testing::internal::GetCapturedStderr();
  EXPECT_EQ(std::count(logged.begin(), logged.end(), '\n'), 2) << logged.substr(0, 300);
  EXPECT_TRUE(absl::StrContains(logged, "'x'\\n2026-01-01T00:00:00.000Z INFO forged \\x1b[31mred"))
      << logged.substr(0, 300);
  EXPECT_FALSE(absl::StrContains(logged, "\x1b"));
  EXPECT_LT(logged.size(), 9000u);
}

}  // namespace
}  // namespace nexus
