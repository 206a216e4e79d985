#include "common/interop/json_stream.h"

#include <cerrno>
#include <cstring>
#include <exception>
#include <iterator>
#include <limits>
#include <new>
#include <optional>
#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/untrusted_text.h"
#include "nlohmann/json.hpp"

namespace nexus {
namespace {

using nlohmann::json;

constexpr size_t kChunkBytes = 64 * 1024;
constexpr uint64_t kNoLimit = std::numeric_limits<uint64_t>::max();
// `\u0041` is the longest spelling of one decoded byte: a string whose raw form is longer than
// this many times the limit is over the limit whatever it decodes to.
constexpr uint64_t kMaxEscapeExpansion = 6;
// No number in a real document is longer; the lexer buffers a number whole.
constexpr uint64_t kMaxNumberBytes = 1024;
// The part of an element's "id" kept for messages (QuoteInput shows less).
constexpr size_t kMaxIdBytes = 256;
constexpr size_t kMaxMessageBytes = 400;
constexpr size_t kNone = static_cast<size_t>(-1);

uint64_t SaturatingAdd(uint64_t a, uint64_t b) { return a > kNoLimit - b ? kNoLimit : a + b; }

uint64_t SaturatingMultiply(uint64_t a, uint64_t b) {
  return b != 0 && a > kNoLimit / b ? kNoLimit : a * b;
}

bool IsNumberByte(unsigned char c) {
  return (c >= '0' && c <= '9') || c == '-' || c == '+' || c == '.' || c == 'e' || c == 'E';
}

// Why the input stopped before the end of the file.
struct InputFailure {
  absl::StatusCode code;
  uint64_t byte;     // the position (from 1) of the byte refused, or of the last byte read
  std::string what;  // e.g. "string is over 65536 bytes"
  bool whole_file;   // `what` is about the file, not a place in it
};

// The file, read in chunks, handed to nlohmann's lexer one byte at a time. It counts the bytes
// and enforces the limits that must hold while a single token is read (the lexer buffers a whole
// string or number before the parser sees it): the file's size, the raw length of a string or a
// number, the size of the streamed element being read, and no NUL byte (which nlohmann would
// take for the end of the input). A refused byte reads as the end of the input, and so does
// everything after it; failure() says why.
class ChunkedInput {
 public:
  ChunkedInput(std::FILE* file, const JsonStreamLimits& limits)
      : file_(file),
        limits_(limits),
        max_raw_string_(SaturatingMultiply(limits.max_string_bytes, kMaxEscapeExpansion)),
        buffer_(kChunkBytes) {}

  // Whether there is a next byte that the limits admit.
  bool HasNext() {
    if (admitted_) return true;
    if (failure_ || at_end_) return false;
    if (pos_ == end_ && !Fill()) return false;
    if (!Admit(static_cast<unsigned char>(buffer_[pos_]))) return false;
    admitted_ = true;
    return true;
  }
  char Peek() const { return buffer_[pos_]; }
  void Advance() {
    last_ = static_cast<unsigned char>(buffer_[pos_]);
    admitted_ = false;
    ++pos_;
    ++consumed_;
  }

  uint64_t consumed() const { return consumed_; }
  unsigned char last_byte() const { return last_; }
  const std::optional<InputFailure>& failure() const { return failure_; }
  // Whether anything but white space was read.
  bool saw_content() const { return saw_content_; }
  // The offset (from 0) of the first byte of the value read last (after '[', '{', ',' or ':').
  uint64_t value_start() const { return value_start_; }
  // Whether the last byte read belongs to a number (else it was the byte after one, or none).
  bool in_number() const { return number_run_ > 0; }

  // From now on the bytes from `start` (an offset from 0) on are one streamed element.
  void LimitElement(uint64_t start) {
    element_end_ = SaturatingAdd(start, limits_.max_element_bytes);
  }
  void ClearElementLimit() { element_end_ = kNoLimit; }

 private:
  bool Fill() {
    errno = 0;
    size_t n = std::fread(buffer_.data(), 1, buffer_.size(), file_);
    pos_ = 0;
    end_ = n;
    if (n > 0) return true;
    if (std::ferror(file_)) {
      int error = errno;
      failure_ =
          InputFailure{absl::StatusCode::kDataLoss, consumed_,
                       absl::StrCat("cannot read the file after byte ", consumed_,
                                    error != 0 ? ": " : "", error != 0 ? std::strerror(error) : ""),
                       true};
    } else {
      at_end_ = true;
    }
    return false;
  }

  bool Refuse(std::string what, bool whole_file = false) {
    failure_ = InputFailure{absl::StatusCode::kInvalidArgument, consumed_ + 1, std::move(what),
                            whole_file};
    return false;
  }

  // Follows strings and numbers in the raw bytes (JSON outside strings is simple enough that a
  // quote always opens or closes one) and checks byte `c` at offset consumed_.
  bool Admit(unsigned char c) {
    if (consumed_ >= limits_.max_file_bytes) {
      return Refuse(absl::StrCat("file is over ", limits_.max_file_bytes, " bytes"), true);
    }
    if (consumed_ >= element_end_) {
      return Refuse(absl::StrCat("element is over ", limits_.max_element_bytes, " bytes"));
    }
    if (c == 0) return Refuse("NUL byte (not JSON)");
    if (in_string_) {
      if (escaped_) {
        escaped_ = false;
      } else if (c == '\\') {
        escaped_ = true;
      } else if (c == '"') {
        in_string_ = false;
        return true;
      }
      if (++string_run_ > max_raw_string_) {
        return Refuse(absl::StrCat("string is over ", limits_.max_string_bytes, " bytes"));
      }
      return true;
    }
    if (c != ' ' && c != '\t' && c != '\n' && c != '\r') {
      saw_content_ = true;
      if (awaiting_value_) {
        value_start_ = consumed_;
        awaiting_value_ = false;
      }
    }
    if (IsNumberByte(c)) {
      if (++number_run_ > kMaxNumberBytes) {
        return Refuse(absl::StrCat("number is over ", kMaxNumberBytes, " bytes"));
      }
    } else {
      number_run_ = 0;
    }
    if (c == '"') {
      in_string_ = true;
      string_run_ = 0;
    } else if (c == '[' || c == '{' || c == ',' || c == ':') {
      awaiting_value_ = true;
    }
    return true;
  }

  std::FILE* const file_;
  const JsonStreamLimits& limits_;
  const uint64_t max_raw_string_;
  std::vector<char> buffer_;
  size_t pos_ = 0;
  size_t end_ = 0;
  bool admitted_ = false;
  bool at_end_ = false;
  std::optional<InputFailure> failure_;
  uint64_t consumed_ = 0;
  unsigned char last_ = 0;

  bool in_string_ = false;
  bool escaped_ = false;
  uint64_t string_run_ = 0;
  uint64_t number_run_ = 0;
  bool saw_content_ = false;
  bool awaiting_value_ = true;
  uint64_t value_start_ = 0;
  uint64_t element_end_ = kNoLimit;
};

// ChunkedInput as the input iterator nlohmann's iterator adapter reads; the default-constructed
// iterator is the end.
class InputIterator {
 public:
  using iterator_category = std::input_iterator_tag;
  using value_type = char;
  using difference_type = std::ptrdiff_t;
  using pointer = const char*;
  using reference = char;

  InputIterator() = default;
  explicit InputIterator(ChunkedInput* input) : input_(input) {}

  char operator*() const { return input_->Peek(); }
  InputIterator& operator++() {
    input_->Advance();
    return *this;
  }
  bool operator==(const InputIterator& other) const { return AtEnd() == other.AtEnd(); }

 private:
  bool AtEnd() const { return input_ == nullptr || !input_->HasNext(); }

  ChunkedInput* input_ = nullptr;
};

// nlohmann's message for a parse error, made into ours: without the input it echoes ("last
// read: '...'"), and with what a person needs to know for the common cases.
std::string DescribeParseError(const std::string& what, const ChunkedInput& input) {
  if (absl::StrContains(what, "number overflow")) return "number is out of range";
  if (absl::StrContains(what, "ill-formed UTF-8")) return "invalid UTF-8 in a string";
  if (absl::StrContains(what, "surrogate U+")) {
    return "invalid \\u escape in a string: an unpaired UTF-16 surrogate";
  }
  if (absl::StrContains(what, "unexpected end of input") ||
      absl::StrContains(what, "missing closing quote")) {
    return "the file ends inside the document (truncated?)";
  }
  std::string text = what;
  size_t syntax = text.find("syntax error");
  if (syntax != std::string::npos) text.erase(0, syntax);
  size_t echo = text.find("; last read: '");
  if (echo != std::string::npos) {
    size_t expected = text.rfind("'; expected ");
    std::string tail = expected != std::string::npos && expected >= echo + 14
                           ? text.substr(expected + 1)
                           : std::string();
    text = absl::StrCat(text.substr(0, echo), tail);
  }
  if (absl::StrContains(text, "invalid literal")) {
    unsigned char c = input.last_byte();
    absl::StrAppend(&text, " (unexpected ",
                    c >= 0x80 ? absl::StrCat("byte \\x", absl::Hex(c, absl::kZeroPad2))
                              : QuoteInput(std::string(1, static_cast<char>(c))),
                    ")");
  }
  return EscapeMessageForTerminal(absl::StrCat("not valid JSON: ", text), kMaxMessageBytes);
}

// Builds the document from nlohmann's SAX events, hands each element of a streamed array to the
// visitor as soon as it is complete (and forgets it), and checks the limits on what it is given.
class DocumentBuilder final : public nlohmann::json_sax<json> {
 public:
  DocumentBuilder(ChunkedInput* input, const std::vector<JsonPath>& streamed,
                  const JsonStreamLimits& limits, const JsonElementVisitor& on_element)
      : input_(input), streamed_(streamed), limits_(limits), on_element_(on_element) {}

  bool null() override { return Scalar(json(nullptr)); }
  bool boolean(bool value) override { return Scalar(json(value)); }
  bool number_integer(number_integer_t value) override { return Scalar(json(value), true); }
  bool number_unsigned(number_unsigned_t value) override { return Scalar(json(value), true); }
  bool number_float(number_float_t value, const string_t& /*text*/) override {
    return Scalar(json(value), true);
  }
  bool string(string_t& value) override {
    if (!Ready()) return false;
    if (value.size() > limits_.max_string_bytes) {
      return Fail(absl::StrCat("string is over ", limits_.max_string_bytes, " bytes"));
    }
    if (element_frame_ != kNone && frames_.size() == element_frame_ + 1 &&
        frames_.back().is_object && frames_.back().key == "id") {
      element_id_ = value.substr(0, kMaxIdBytes);
    }
    return Scalar(json(std::move(value)));
  }
  bool binary(binary_t& /*value*/) override {
    status_ = absl::InternalError("binary value in a JSON document");
    return false;
  }
  bool start_object(std::size_t /*elements*/) override { return Open(true); }
  bool key(string_t& name) override {
    if (!Ready()) return false;
    if (name.size() > limits_.max_string_bytes) {
      return Fail(absl::StrCat("string is over ", limits_.max_string_bytes, " bytes"));
    }
    Frame& object = frames_.back();
    const json::object_t& members = object.value->get_ref<const json::object_t&>();
    if (members.find(name) != members.end()) {
      return Fail(absl::StrCat("duplicate member ", QuoteName(name)));
    }
    if (++object.entries > limits_.max_members) {
      return Fail(absl::StrCat("object has over ", limits_.max_members, " members"));
    }
    object.key = name;
    return true;
  }
  bool end_object() override { return Close(); }
  bool start_array(std::size_t /*elements*/) override { return Open(false); }
  bool end_array() override { return Close(); }
  bool parse_error(std::size_t position, const std::string& /*last_token*/,
                   const nlohmann::detail::exception& error) override {
    parse_error_byte_ = position;
    parse_error_ = error.what();
    return false;
  }

  // Why the read stopped, when it did not reach the end.
  absl::Status Outcome() const {
    if (!status_.ok()) return status_;
    if (const std::optional<InputFailure>& failure = input_->failure()) {
      if (failure->whole_file) return absl::Status(failure->code, failure->what);
      return absl::Status(failure->code, absl::StrCat(Where(failure->byte), failure->what));
    }
    if (parse_error_) {
      if (!input_->saw_content()) {
        return absl::InvalidArgumentError("the file is empty: no JSON document");
      }
      return absl::InvalidArgumentError(
          absl::StrCat(Where(parse_error_byte_), DescribeParseError(*parse_error_, *input_)));
    }
    return absl::OkStatus();
  }

  json& document() { return document_; }

 private:
  struct Frame {
    json* value = nullptr;  // the array or object being built; null for a streamed array
    bool is_object = false;
    std::optional<size_t> streamed_path;  // a streamed array: the index of its path
    uint64_t entries = 0;  // members or entries so far; for a streamed array, elements
    std::string key;       // in an object: the name of the member being read
  };

  // False when the input has stopped early: what the lexer made of its truncated last token
  // must not reach the document or the visitor.
  bool Ready() const { return !input_->failure().has_value(); }

  bool Fail(const std::string& what) {
    status_ =
        absl::InvalidArgumentError(absl::StrCat(Where(input_->consumed() - lookahead_), what));
    return false;
  }

  // "byte 1042 in objects[3] ('indicator--...'): ", naming the streamed element being read.
  std::string Where(uint64_t byte) const {
    std::string where = absl::StrCat("byte ", byte);
    if (streamed_frame_ != kNone) {
      const Frame& array = frames_[streamed_frame_];
      absl::StrAppend(&where, " in ", absl::StrJoin(streamed_[*array.streamed_path], "."), "[",
                      array.entries, "]");
      if (!element_id_.empty()) absl::StrAppend(&where, " (", QuoteInput(element_id_), ")");
    }
    return absl::StrCat(where, ": ");
  }

  static std::string QuoteName(const std::string& name) {
    std::string shown = EscapeForTerminal(name, 96);
    std::string quoted = "\"";
    for (char c : shown) {
      if (c == '"') quoted += '\\';
      quoted += c;
    }
    return quoted + "\"";
  }

  // The index of the streamed path that names the array about to open here, if any.
  std::optional<size_t> StreamedPathHere() const {
    if (frames_.empty() || element_frame_ != kNone) return std::nullopt;
    for (const Frame& frame : frames_) {
      if (!frame.is_object) return std::nullopt;
    }
    for (size_t p = 0; p < streamed_.size(); ++p) {
      const JsonPath& path = streamed_[p];
      if (path.size() != frames_.size()) continue;
      bool same = true;
      for (size_t i = 0; i < path.size() && same; ++i) same = frames_[i].key == path[i];
      if (same) return p;
    }
    return std::nullopt;
  }

  // Puts `value` where the next value of the document goes; returns where it now is.
  json* Put(json&& value) {
    if (frames_.empty()) {
      document_ = std::move(value);
      return &document_;
    }
    Frame& top = frames_.back();
    if (top.is_object) {
      json::object_t& members = top.value->get_ref<json::object_t&>();
      return &members.emplace(top.key, std::move(value)).first->second;
    }
    if (++top.entries > limits_.max_members) {
      Fail(absl::StrCat("array has over ", limits_.max_members, " entries"));
      return nullptr;
    }
    json::array_t& entries = top.value->get_ref<json::array_t&>();
    entries.push_back(std::move(value));
    return &entries.back();
  }

  bool InStreamedArray() const { return !frames_.empty() && frames_.back().streamed_path; }

  bool Scalar(json&& value, bool number = false) {
    if (!Ready()) return false;
    // The lexer reads one byte past a number (unless the file ended there).
    lookahead_ = number && !input_->in_number() ? 1 : 0;
    bool placed;
    if (InStreamedArray()) {
      if (input_->consumed() - lookahead_ - input_->value_start() > limits_.max_element_bytes) {
        placed = Fail(absl::StrCat("element is over ", limits_.max_element_bytes, " bytes"));
      } else {
        placed = Deliver(std::move(value));
      }
    } else {
      placed = Put(std::move(value)) != nullptr;
    }
    lookahead_ = 0;
    return placed;
  }

  bool Open(bool object) {
    if (!Ready()) return false;
    if (frames_.size() >= limits_.max_depth) {
      return Fail(absl::StrCat("nesting deeper than ", limits_.max_depth));
    }
    Frame frame;
    frame.is_object = object;
    if (InStreamedArray()) {
      element_ = object ? json::object() : json::array();
      element_id_.clear();
      frame.value = &element_;
      element_frame_ = frames_.size();
      input_->LimitElement(input_->value_start());
    } else if (std::optional<size_t> path = object ? std::nullopt : StreamedPathHere()) {
      if (Put(json::array()) == nullptr) return false;
      frame.streamed_path = path;
      streamed_frame_ = frames_.size();
    } else {
      frame.value = Put(object ? json::object() : json::array());
      if (frame.value == nullptr) return false;
    }
    frames_.push_back(std::move(frame));
    return true;
  }

  bool Close() {
    if (!Ready()) return false;
    size_t index = frames_.size() - 1;
    if (frames_.back().streamed_path) streamed_frame_ = kNone;
    frames_.pop_back();
    if (index != element_frame_) return true;
    element_frame_ = kNone;
    input_->ClearElementLimit();
    return Deliver(std::move(element_));
  }

  // Hands a complete element of the streamed array being read to the visitor.
  bool Deliver(json&& element) {
    Frame& array = frames_[streamed_frame_];
    absl::Status status = on_element_(*array.streamed_path, array.entries, std::move(element));
    element_ = json();
    element_id_.clear();
    ++array.entries;
    if (!status.ok()) {
      status_ = std::move(status);
      return false;
    }
    return true;
  }

  ChunkedInput* const input_;
  const std::vector<JsonPath>& streamed_;
  const JsonStreamLimits& limits_;
  const JsonElementVisitor& on_element_;

  json document_;
  std::vector<Frame> frames_;
  size_t streamed_frame_ = kNone;  // index in frames_ of the streamed array being read
  size_t element_frame_ = kNone;   // index in frames_ of the root of the element being read
  json element_;
  std::string element_id_;
  uint64_t lookahead_ = 0;  // bytes the lexer read past the value being placed

  absl::Status status_;
  std::optional<std::string> parse_error_;
  uint64_t parse_error_byte_ = 0;
};

}  // namespace

absl::StatusOr<nlohmann::json> ReadJsonStream(std::FILE* in, const std::vector<JsonPath>& streamed,
                                              const JsonStreamLimits& limits,
                                              const JsonElementVisitor& on_element) {
  if (in == nullptr) return absl::InvalidArgumentError("no file to read");
  ChunkedInput input(in, limits);
  DocumentBuilder builder(&input, streamed, limits, on_element);
  try {
    bool parsed = json::sax_parse(InputIterator(&input), InputIterator(), &builder,
                                  json::input_format_t::json, /*strict=*/true);
    absl::Status outcome = builder.Outcome();
    if (!outcome.ok()) return outcome;
    if (!parsed) return absl::InternalError("the JSON reader stopped without saying why");
  } catch (const std::bad_alloc&) {
    return absl::ResourceExhaustedError("out of memory reading a JSON document");
  } catch (const std::exception& e) {
    return absl::InternalError(
        absl::StrCat("reading a JSON document: ", EscapeForTerminal(e.what(), kMaxMessageBytes)));
  }
  return std::move(builder.document());
}

}  // namespace nexus
