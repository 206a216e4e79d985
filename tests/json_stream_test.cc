// The streaming JSON reader: streamed elements arrive in order with their indexes and are not
// kept; every limit stops the read with a message naming the byte and the element; malformed
// input (invalid UTF-8, not JSON, truncated, duplicate members) is refused with a clear message.
#include "common/interop/json_stream.h"

#include <gtest/gtest.h>
#include <malloc.h>

#include <cstdio>
#include <memory>
#include <string>
#include <tuple>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "common/untrusted_text.h"
#include "nlohmann/json.hpp"
#include "tests/test_support.h"

namespace nexus {
namespace {

using nlohmann::json;

// Whether `text` contains `part`, saying what it was when not.
::testing::AssertionResult Contains(absl::string_view text, absl::string_view part) {
  if (absl::StrContains(text, part)) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure() << "'" << text << "' does not contain '" << part << "'";
}

struct FileCloser {
  void operator()(std::FILE* file) const { std::fclose(file); }
};
using File = std::unique_ptr<std::FILE, FileCloser>;

// An unnamed temporary file holding `text`, positioned at its start.
File FileWith(const std::string& text) {
  File file(std::tmpfile());
  EXPECT_NE(file, nullptr);
  EXPECT_EQ(std::fwrite(text.data(), 1, text.size(), file.get()), text.size());
  std::rewind(file.get());
  return file;
}

struct Element {
  size_t path;
  uint64_t index;
  json value;
};

struct ReadResult {
  absl::StatusOr<json> document;
  std::vector<Element> elements;
};

ReadResult Read(const std::string& text, const std::vector<JsonPath>& streamed = {{"objects"}},
                const JsonStreamLimits& limits = {}) {
  ReadResult result;
  File file = FileWith(text);
  result.document = ReadJsonStream(file.get(), streamed, limits,
                                   [&](size_t path, uint64_t index, json&& element) {
                                     result.elements.push_back({path, index, std::move(element)});
                                     return absl::OkStatus();
                                   });
  return result;
}

// The message of a refused read ("" when it was not refused).
std::string Error(const std::string& text, const JsonStreamLimits& limits = {},
                  const std::vector<JsonPath>& streamed = {{"objects"}}) {
  ReadResult result = Read(text, streamed, limits);
  if (result.document.ok()) return "";
  EXPECT_EQ(result.document.status().code(), absl::StatusCode::kInvalidArgument)
      << result.document.status();
  return std::string(result.document.status().message());
}

TEST(JsonStreamTest, StreamsElementsInOrderAndKeepsTheRest) {
  ReadResult result = Read(R"({"type": "bundle", "id": "bundle--1",
      "objects": [{"type": "indicator", "id": "indicator--a"}, {"type": "malware"}, 3, "text",
                  [1, 2], null],
      "spec_version": "2.1", "extra": {"objects": [1, 2]}})");
  ASSERT_TRUE(result.document.ok()) << result.document.status();
  ASSERT_EQ(result.elements.size(), 6u);
  for (size_t i = 0; i < result.elements.size(); ++i) {
    EXPECT_EQ(result.elements[i].path, 0u);
    EXPECT_EQ(result.elements[i].index, i);
  }
  EXPECT_EQ(result.elements[0].value, json({{"type", "indicator"}, {"id", "indicator--a"}}));
  EXPECT_EQ(result.elements[1].value, json({{"type", "malware"}}));
  EXPECT_EQ(result.elements[2].value, json(3));
  EXPECT_EQ(result.elements[3].value, json("text"));
  EXPECT_EQ(result.elements[4].value, json::array({1, 2}));
  EXPECT_EQ(result.elements[5].value, json(nullptr));
  // The streamed array is present and empty; everything else, including an "objects" member
  // deeper down (not the path), is as in the file.
  EXPECT_EQ(*result.document, json::parse(R"({"type": "bundle", "id": "bundle--1",
      "objects": [], "spec_version": "2.1", "extra": {"objects": [1, 2]}})"));
}

TEST(JsonStreamTest, StreamsSeveralPathsOfAMispEvent) {
  ReadResult result = Read(R"({"Event": {"info": "watering hole",
      "Attribute": [{"type": "domain", "value": "a.example"}, {"type": "url", "value": "u"}],
      "Object": [{"name": "file", "Attribute": [{"type": "sha1"}]}],
      "Tag": [{"name": "tlp:white"}]}})",
                           {{"Event", "Attribute"}, {"Event", "Object"}});
  ASSERT_TRUE(result.document.ok()) << result.document.status();
  ASSERT_EQ(result.elements.size(), 3u);
  EXPECT_EQ(result.elements[0].path, 0u);
  EXPECT_EQ(result.elements[0].index, 0u);
  EXPECT_EQ(result.elements[1].path, 0u);
  EXPECT_EQ(result.elements[1].index, 1u);
  EXPECT_EQ(result.elements[2].path, 1u);
  EXPECT_EQ(result.elements[2].index, 0u);
  // An element's own arrays are part of it, not streamed again.
  EXPECT_EQ(result.elements[2].value["Attribute"], json::parse(R"([{"type": "sha1"}])"));
  EXPECT_EQ(*result.document, json::parse(R"({"Event": {"info": "watering hole",
      "Attribute": [], "Object": [], "Tag": [{"name": "tlp:white"}]}})"));
}

TEST(JsonStreamTest, StreamsOnlyArraysAtThePathFromARootObject) {
  // The root is an array: paths name members from a root object only.
  ReadResult in_array = Read(R"([{"objects": [1, 2]}])");
  ASSERT_TRUE(in_array.document.ok());
  EXPECT_TRUE(in_array.elements.empty());
  EXPECT_EQ(*in_array.document, json::parse(R"([{"objects": [1, 2]}])"));
  // Not an array at the path: kept as it is.
  ReadResult not_array = Read(R"({"objects": {"a": [1]}})");
  ASSERT_TRUE(not_array.document.ok());
  EXPECT_TRUE(not_array.elements.empty());
  EXPECT_EQ(*not_array.document, json::parse(R"({"objects": {"a": [1]}})"));
  // Scalars at the root.
  ReadResult scalar = Read("  42 ");
  ASSERT_TRUE(scalar.document.ok());
  EXPECT_EQ(*scalar.document, json(42));
}

TEST(JsonStreamTest, KeepsNumbersAsNlohmannDoes) {
  ReadResult result =
      Read(R"({"objects": [-5, 18446744073709551615, 1.5e3, 0.1]} )", {{"objects"}});
  ASSERT_TRUE(result.document.ok());
  ASSERT_EQ(result.elements.size(), 4u);
  EXPECT_TRUE(result.elements[0].value.is_number_integer());
  EXPECT_EQ(result.elements[0].value.get<int64_t>(), -5);
  EXPECT_TRUE(result.elements[1].value.is_number_unsigned());
  EXPECT_EQ(result.elements[1].value.get<uint64_t>(), 18446744073709551615ull);
  EXPECT_TRUE(result.elements[2].value.is_number_float());
  EXPECT_EQ(result.elements[2].value.get<double>(), 1500.0);
  EXPECT_EQ(result.elements[3].value, json::parse("0.1"));
  EXPECT_TRUE(Contains(Error(R"({"a": 1e999})"), "number is out of range"));
  EXPECT_TRUE(
      Contains(Error(absl::StrCat("[", std::string(2000, '1'), "]")), "number is over 1024 bytes"));
}

TEST(JsonStreamTest, VisitorErrorStopsTheReadUnchanged) {
  int calls = 0;
  File file = FileWith(R"({"objects": [1, 2, 3, 4, 5]})");
  absl::StatusOr<json> document =
      ReadJsonStream(file.get(), {{"objects"}}, {}, [&](size_t, uint64_t index, json&&) {
        ++calls;
        return index == 2 ? absl::CancelledError("enough of this") : absl::OkStatus();
      });
  EXPECT_EQ(document.status(), absl::CancelledError("enough of this"));
  EXPECT_EQ(calls, 3);
}

TEST(JsonStreamTest, DepthCountsTheDocumentsOwnNesting) {
  JsonStreamLimits limits;
  limits.max_depth = 4;
  EXPECT_EQ(Error("[[[[1]]]]", limits), "");
  EXPECT_EQ(Error("[[[[[1]]]]]", limits), "byte 5: nesting deeper than 4");
  // Root object, "objects" array, the element, its member "a": four.
  EXPECT_EQ(Error(R"({"objects": [{"a": {"b": 1}}]})", limits), "");
  limits.max_depth = 3;
  EXPECT_EQ(Error(R"({"objects": [{"id": "x--1", "a": {"b": 1}}]})", limits),
            "byte 34 in objects[0] ('x--1'): nesting deeper than 3");
}

TEST(JsonStreamTest, TenThousandLevelsStopAtTheLimitWithoutOverflowingTheStack) {
  const std::string arrays = std::string(10000, '[') + std::string(10000, ']');
  EXPECT_EQ(Error(arrays), "byte 33: nesting deeper than 32");
  std::string objects;
  for (int i = 0; i < 10000; ++i) objects += R"({"a":)";
  objects += "1" + std::string(10000, '}');
  EXPECT_EQ(Error(objects), "byte 161: nesting deeper than 32");
  // Raised limit: built (and freed) without recursion.
  JsonStreamLimits deep;
  deep.max_depth = 20000;
  EXPECT_EQ(Error(arrays, deep), "");
  EXPECT_EQ(Error(std::string(10000, '[')), "byte 33: nesting deeper than 32");
}

TEST(JsonStreamTest, StringsAndMemberNamesAreBounded) {
  JsonStreamLimits limits;
  limits.max_string_bytes = 16;
  EXPECT_EQ(Error(R"(["0123456789abcdef"])", limits), "");
  EXPECT_EQ(Error(R"(["0123456789abcdefg"])", limits), "byte 20: string is over 16 bytes");
  EXPECT_EQ(Error(R"({"0123456789abcdefg": 1})", limits), "byte 20: string is over 16 bytes");
  // The limit is on the decoded string: 16 escapes are 16 bytes, 17 are too many.
  std::string escaped16;
  for (int i = 0; i < 16; ++i) escaped16 += "\\u0041";
  EXPECT_EQ(Error("[\"" + escaped16 + "\"]", limits), "");
  EXPECT_TRUE(Contains(Error("[\"" + escaped16 + "\\u0041\"]", limits), "string is over 16 bytes"));
  EXPECT_EQ(Error(R"({"objects": [{"id": "i--1", "name": "0123456789abcdefg"}]})", limits),
            "byte 55 in objects[0] ('i--1'): string is over 16 bytes");
}

TEST(JsonStreamTest, ATwoMegabyteStringIsRefusedEarlyOrReadWhenAllowed) {
  const std::string text = "{\"objects\": [\"" + std::string(2 << 20, 'x') + "\"]}";
  ReadResult refused = Read(text);
  ASSERT_FALSE(refused.document.ok());
  EXPECT_TRUE(
      Contains(refused.document.status().message(), "in objects[0]: string is over 65536 bytes"));
  // Refused while the string is read (the lexer never held 2 MB): at most 6 bytes of file per
  // decoded byte.
  uint64_t byte = 0;
  ASSERT_EQ(
      std::sscanf(std::string(refused.document.status().message()).c_str(), "byte %lu", &byte), 1);
  EXPECT_LE(byte, 6u * 65536 + 20);
  EXPECT_TRUE(refused.elements.empty());

  JsonStreamLimits limits;
  limits.max_string_bytes = 4 << 20;
  limits.max_element_bytes = 4 << 20;
  ReadResult allowed = Read(text, {{"objects"}}, limits);
  ASSERT_TRUE(allowed.document.ok()) << allowed.document.status();
  ASSERT_EQ(allowed.elements.size(), 1u);
  EXPECT_EQ(allowed.elements[0].value.get_ref<const std::string&>().size(), 2u << 20);
}

TEST(JsonStreamTest, ElementsAreBoundedAsTheyAppearInTheFile) {
  JsonStreamLimits limits;
  limits.max_element_bytes = 40;
  // 40 bytes from { to }, with the id first: the limit holds; one byte more and it does not.
  const std::string element40 = R"({"id": "indicator--1", "a": "123456789"})";
  ASSERT_EQ(element40.size(), 40u);
  EXPECT_EQ(Error(R"({"objects": [)" + element40 + "]}", limits), "");
  const std::string element41 = R"({"id": "indicator--1", "a": "1234567890"})";
  EXPECT_EQ(Error(R"({"objects": [1, )" + element41 + "]}", limits),
            "byte 57 in objects[1] ('indicator--1'): element is over 40 bytes");
  // Without an id read yet, the element is named by its index only.
  EXPECT_EQ(Error(R"({"objects": [{"a": ")" + std::string(100, 'x') + "\"}]}", limits),
            "byte 54 in objects[0]: element is over 40 bytes");
  // Scalar elements too.
  EXPECT_EQ(Error(R"({"objects": [")" + std::string(38, 'x') + "\"]}", limits), "");
  EXPECT_EQ(Error(R"({"objects": [")" + std::string(39, 'x') + "\"]}", limits),
            "byte 54 in objects[0]: element is over 40 bytes");
  // The id is shown escaped and bounded.
  limits.max_element_bytes = 600;
  std::string hostile_id = R"({"objects": [{"id": "\u001b[31m)" + std::string(500, 'i') +
                           R"(", "x": ")" + std::string(100, 'x') + "\"}]}";
  std::string message = Error(hostile_id, limits);
  EXPECT_TRUE(Contains(message, "element is over 600 bytes"));
  EXPECT_TRUE(Contains(message, "('\\x1b[31miii"));
  EXPECT_LT(message.size(), 250u);
}

TEST(JsonStreamTest, TheFileIsBounded) {
  const std::string text = R"({"objects": [1, 2]}  )";
  ASSERT_EQ(text.size(), 21u);
  JsonStreamLimits limits;
  limits.max_file_bytes = 21;
  EXPECT_EQ(Error(text, limits), "");
  limits.max_file_bytes = 20;
  EXPECT_EQ(Error(text, limits), "file is over 20 bytes");
  EXPECT_EQ(Error(R"({"objects": [1, 2, 3, 4]})", limits), "file is over 20 bytes");
}

TEST(JsonStreamTest, MembersAndEntriesAreBoundedButNotStreamedElements) {
  JsonStreamLimits limits;
  limits.max_members = 3;
  EXPECT_EQ(Error(R"({"a": 1, "b": 2, "c": 3})", limits), "");
  EXPECT_EQ(Error(R"({"a": 1, "b": 2, "c": 3, "d": 4})", limits),
            "byte 28: object has over 3 members");
  EXPECT_EQ(Error("[1, 2, 3]", limits), "");
  EXPECT_EQ(Error("[1, 2, 3, 4]", limits), "byte 11: array has over 3 entries");
  EXPECT_EQ(Error(R"({"objects": [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]})", limits), "");
  EXPECT_EQ(Error(R"({"objects": [1, [1, 2, 3, 4]]})", limits),
            "byte 27 in objects[1]: array has over 3 entries");
}

TEST(JsonStreamTest, DuplicateMembersAreRefusedAnywhere) {
  EXPECT_EQ(Error(R"({"a": 1, "a": 2})"), "byte 12: duplicate member \"a\"");
  EXPECT_EQ(Error(R"({"objects": [{"type": "x"}, {"pattern": "p", "pattern": "q"}]})"),
            "byte 54 in objects[1]: duplicate member \"pattern\"");
  EXPECT_TRUE(Contains(Error(R"({"objects": [], "objects": []})"), "duplicate member"));
  EXPECT_TRUE(Contains(Error(R"([{"x": {"y": [{"k": 1, "k": 1}]}}])"), "duplicate member \"k\""));
  // The same name in different objects is fine.
  EXPECT_EQ(Error(R"({"a": {"a": {"a": 1}}, "b": {"a": 2}})"), "");
  // The name is shown escaped.
  std::string message = Error("{\"\\u001b]0;x\\u0007\": 1, \"\\u001b]0;x\\u0007\": 2}");
  EXPECT_TRUE(Contains(message, "duplicate member \"\\x1b]0;x\\x07\""));
}

TEST(JsonStreamTest, InvalidUtf8IsRefusedClearly) {
  struct Case {
    std::string text, message;
  };
  const Case cases[] = {
      {"[\"ab\xff\"]", "byte 5: invalid UTF-8 in a string"},
      {"[\"\xc0\xaf\"]", "byte 3: invalid UTF-8 in a string"},          // overlong '/'
      {"[\"\xed\xa0\x80\"]", "byte 4: invalid UTF-8 in a string"},      // encoded surrogate
      {"[\"\xf4\x90\x80\x80\"]", "byte 4: invalid UTF-8 in a string"},  // above U+10FFFF
      {"[\"\xe2\x82\"]", "byte 5: invalid UTF-8 in a string"},          // cut sequence
      // nlohmann refuses an unpaired surrogate escape.
      {R"(["\ud800"])", "byte 9: invalid \\u escape in a string: an unpaired UTF-16 surrogate"},
      {R"(["\ud800x"])", "byte 9: invalid \\u escape in a string: an unpaired UTF-16 surrogate"},
      {R"(["\udc00"])", "byte 8: invalid \\u escape in a string: an unpaired UTF-16 surrogate"},
      {"[\xff]",
       "byte 2: not valid JSON: syntax error while parsing value - invalid literal "
       "(unexpected byte \\xff)"},
  };
  for (const Case& c : cases) {
    std::string message = Error(c.text);
    EXPECT_EQ(message, c.message) << EscapeForTerminal(c.text);
    EXPECT_TRUE(IsValidUtf8(message));
  }
  // A surrogate pair is one character.
  ReadResult pair = Read(R"(["\ud83d\ude00"])");
  ASSERT_TRUE(pair.document.ok());
  EXPECT_EQ((*pair.document)[0], json("\xf0\x9f\x98\x80"));
  EXPECT_TRUE(Contains(Error("{\"objects\": [{\"id\": \"i--1\", \"v\": \"\xff\"}]}"),
                       "in objects[0] ('i--1'): invalid UTF-8 in a string"));
}

TEST(JsonStreamTest, NotJsonTruncatedOrTrailingGarbageIsRefused) {
  EXPECT_EQ(Error(""), "the file is empty: no JSON document");
  EXPECT_EQ(Error(" \n\t "), "the file is empty: no JSON document");
  EXPECT_EQ(Error("this is not json"),
            "byte 2: not valid JSON: syntax error while parsing value - invalid literal "
            "(unexpected 'h')");
  EXPECT_EQ(Error("{} x"),
            "byte 4: not valid JSON: syntax error while parsing value - invalid literal; "
            "expected end of input (unexpected 'x')");
  EXPECT_EQ(Error("{}{}"),
            "byte 3: not valid JSON: syntax error while parsing value - unexpected '{'; expected "
            "end of input");
  EXPECT_EQ(Error(R"({"objects": [{"a": 1}, {"b")"),
            "byte 28 in objects[1]: the file ends inside the document (truncated?)");
  EXPECT_EQ(Error(R"({"objects": [{"a": 1}, {"b": "unfinished)"),
            "byte 41 in objects[1]: the file ends inside the document (truncated?)");
  EXPECT_TRUE(Contains(Error(R"({"a" 1})"), "not valid JSON"));
  EXPECT_TRUE(Contains(Error("[1,]"), "not valid JSON"));
  EXPECT_TRUE(Contains(Error("{\"a\": \"tab\there\"}"), "control character U+0009"));
  // A NUL byte, which nlohmann would take for the end of the input.
  EXPECT_EQ(Error(std::string("{}\0{", 4)), "byte 3: NUL byte (not JSON)");
  EXPECT_EQ(Error(std::string("[\"a\0\"]", 6)), "byte 4: NUL byte (not JSON)");
  // The input is never echoed.
  std::string message = Error("[\"x\", \x1b[31mred]");
  EXPECT_TRUE(Contains(message, "not valid JSON"));
  EXPECT_FALSE(absl::StrContains(message, "\x1b"));
  // A byte order mark is allowed.
  EXPECT_EQ(Error("\xef\xbb\xbf{}"), "");
}

TEST(JsonStreamTest, AReadErrorIsDataLoss) {
  testing::TempDir dir;
  File directory(std::fopen(dir.path().c_str(), "r"));
  ASSERT_NE(directory, nullptr);
  absl::StatusOr<json> document = ReadJsonStream(
      directory.get(), {}, {}, [](size_t, uint64_t, json&&) { return absl::OkStatus(); });
  EXPECT_EQ(document.status().code(), absl::StatusCode::kDataLoss) << document.status();
  EXPECT_TRUE(Contains(document.status().message(), "cannot read the file"));
}

// 200,000 small elements streamed from a temporary file: each arrives once, in order, and the
// reader's memory does not grow with the number of elements.
TEST(JsonStreamTest, StreamsManyElementsWithoutKeepingThem) {
  constexpr int kElements = 200000;
  File file(std::tmpfile());
  ASSERT_NE(file, nullptr);
  std::fputs(R"({"type": "bundle", "id": "bundle--x", "objects": [)", file.get());
  for (int i = 0; i < kElements; ++i) {
    std::fprintf(file.get(),
                 "%s\n  {\"type\": \"indicator\", \"id\": \"indicator--%d\", "
                 "\"pattern\": \"[ipv4-addr:value = '10.%d.%d.%d']\"}",
                 i == 0 ? "" : ",", i, (i >> 16) & 255, (i >> 8) & 255, i & 255);
  }
  std::fputs("\n], \"spec_version\": \"2.1\"}\n", file.get());
  std::rewind(file.get());

  uint64_t expected = 0;
  bool in_order = true;
  size_t heap_at_start = 0;
  size_t heap_growth = 0;
  absl::StatusOr<json> document =
      ReadJsonStream(file.get(), {{"objects"}}, {}, [&](size_t path, uint64_t index, json&& e) {
        in_order = in_order && path == 0 && index == expected &&
                   e["id"] == absl::StrCat("indicator--", index) &&
                   e["pattern"].get_ref<const std::string&>().size() > 20;
        ++expected;
        size_t heap = mallinfo2().uordblks;
        if (index == 1000) heap_at_start = heap;
        if (index > 1000 && heap > heap_at_start) {
          heap_growth = std::max(heap_growth, heap - heap_at_start);
        }
        return absl::OkStatus();
      });
  ASSERT_TRUE(document.ok()) << document.status();
  EXPECT_TRUE(in_order);
  EXPECT_EQ(expected, static_cast<uint64_t>(kElements));
  EXPECT_EQ(*document, json::parse(R"({"type": "bundle", "id": "bundle--x", "objects": [],
                            "spec_version": "2.1"})"));
  // Elements are freed as they go (0 under ASan, whose heap mallinfo does not see).
  RecordProperty("heap_at_element_1000", std::to_string(heap_at_start));
  RecordProperty("heap_growth", std::to_string(heap_growth));
  EXPECT_LT(heap_growth, 1u << 20);
}

}  // namespace
}  // namespace nexus
