// The STIX 2.1 patterning grammar (STIX 2.1 section 9), read by hand in the order the spec writes
// it: a pattern is observation expressions joined by FOLLOWEDBY, OR, AND (tightest last), each
// an observation `[...]` or a parenthesized group, with qualifiers after it; inside an
// observation, comparisons joined by OR and AND, with parentheses. A syntax error wins over
// anything else: the whole pattern is parsed before stix_pattern.cc maps it.
#include "common/interop/stix_pattern_syntax.h"

#include <algorithm>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "common/untrusted_text.h"

namespace nexus::stix_pattern {
namespace {

// Parentheses (observation and comparison ones together) open at once.
constexpr int kMaxParenthesisDepth = 64;
constexpr size_t kMaxShownToken = 32;

// The position of byte `offset` as a character count from 1 (the pattern is valid UTF-8).
size_t CharacterAt(absl::string_view pattern, size_t offset) {
  size_t characters = 1;
  for (size_t i = 0; i < offset && i < pattern.size(); ++i) {
    if ((static_cast<unsigned char>(pattern[i]) & 0xC0) != 0x80) ++characters;
  }
  return characters;
}

absl::Status SyntaxError(absl::string_view pattern, size_t offset, absl::string_view what) {
  return absl::InvalidArgumentError(
      absl::StrCat("syntax error at character ", CharacterAt(pattern, offset), ": ", what));
}

bool IsIdentifierStart(char c) { return absl::ascii_isalpha(c) || c == '_'; }
bool IsIdentifierByte(char c) { return absl::ascii_isalnum(c) || c == '_' || c == '-'; }
bool IsSpace(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

bool IsBase64(absl::string_view text) {
  if (text.size() % 4 != 0) return false;
  size_t padding = 0;
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (c == '=') {
      ++padding;
    } else if (padding > 0 || !(absl::ascii_isalnum(c) || c == '+' || c == '/')) {
      return false;
    }
  }
  return padding <= 2;
}

bool IsHex(absl::string_view text) {
  if (text.size() % 2 != 0) return false;
  for (char c : text) {
    if (!absl::ascii_isxdigit(c)) return false;
  }
  return true;
}

// YYYY-MM-DDTHH:MM:SS[.s+]Z
bool IsTimestamp(absl::string_view text) {
  constexpr absl::string_view kShape = "dddd-dd-ddTdd:dd:dd";
  if (text.size() < kShape.size() + 1 || text.back() != 'Z') return false;
  for (size_t i = 0; i < kShape.size(); ++i) {
    if (kShape[i] == 'd' ? !absl::ascii_isdigit(text[i]) : text[i] != kShape[i]) return false;
  }
  absl::string_view fraction = text.substr(kShape.size(), text.size() - kShape.size() - 1);
  if (fraction.empty()) return true;
  if (fraction.size() < 2 || fraction[0] != '.') return false;
  for (char c : fraction.substr(1)) {
    if (!absl::ascii_isdigit(c)) return false;
  }
  return true;
}

class Lexer {
 public:
  explicit Lexer(absl::string_view pattern) : pattern_(pattern) {}

  absl::StatusOr<std::vector<Token>> Tokens() {
    std::vector<Token> tokens;
    while (true) {
      while (pos_ < pattern_.size() && IsSpace(pattern_[pos_])) ++pos_;
      Token token;
      token.offset = pos_;
      if (pos_ == pattern_.size()) {
        tokens.push_back(token);
        return tokens;
      }
      if (absl::Status status = Next(&token); !status.ok()) return status;
      token.length = pos_ - token.offset;
      tokens.push_back(std::move(token));
    }
  }

 private:
  char At(size_t i) const { return i < pattern_.size() ? pattern_[i] : '\0'; }

  absl::Status Next(Token* token) {
    const char c = pattern_[pos_];
    auto single = [&](TokenKind kind) {
      token->kind = kind;
      token->text = std::string(1, c);
      ++pos_;
      return absl::OkStatus();
    };
    switch (c) {
      case '[':
        return single(TokenKind::kLeftBracket);
      case ']':
        return single(TokenKind::kRightBracket);
      case '(':
        return single(TokenKind::kLeftParen);
      case ')':
        return single(TokenKind::kRightParen);
      case ':':
        return single(TokenKind::kColon);
      case ',':
        return single(TokenKind::kComma);
      case '*':
        return single(TokenKind::kStar);
      case '\'':
        token->kind = TokenKind::kString;
        return StringLiteral(&token->text);
      case '=':
      case '!':
      case '<':
      case '>':
        return Operator(token);
      default:
        break;
    }
    if (c == '.' && !absl::ascii_isdigit(At(pos_ + 1))) return single(TokenKind::kDot);
    if (absl::ascii_isdigit(c) || c == '+' || c == '-' || c == '.') return Number(token);
    if (IsIdentifierStart(c)) {
      if ((c == 'b' || c == 'h' || c == 't') && At(pos_ + 1) == '\'') return Prefixed(token);
      size_t start = pos_;
      while (pos_ < pattern_.size() && IsIdentifierByte(pattern_[pos_])) ++pos_;
      token->kind = TokenKind::kIdentifier;
      token->text = std::string(pattern_.substr(start, pos_ - start));
      return absl::OkStatus();
    }
    size_t length = std::max<size_t>(1, Utf8SequenceLength(pattern_.substr(pos_)));
    return SyntaxError(
        pattern_, pos_,
        absl::StrCat("unexpected character ", QuoteInput(pattern_.substr(pos_, length))));
  }

  // 'text' with \\ and \' the only escapes.
  absl::Status StringLiteral(std::string* value) {
    const size_t start = pos_++;
    while (pos_ < pattern_.size()) {
      char c = pattern_[pos_];
      if (c == '\'') {
        ++pos_;
        return absl::OkStatus();
      }
      if (c == '\\') {
        char next = At(pos_ + 1);
        if (next != '\\' && next != '\'') {
          return SyntaxError(pattern_, pos_, "a backslash in a string must be followed by \\ or '");
        }
        value->push_back(next);
        pos_ += 2;
        continue;
      }
      value->push_back(c);
      ++pos_;
    }
    return SyntaxError(pattern_, start, "string is not closed (missing ')");
  }

  // b'...', h'...', t'...': no escapes inside.
  absl::Status Prefixed(Token* token) {
    const size_t start = pos_;
    const char prefix = pattern_[pos_];
    pos_ += 2;
    size_t close = pattern_.find('\'', pos_);
    if (close == absl::string_view::npos) {
      return SyntaxError(pattern_, start, "literal is not closed (missing ')");
    }
    absl::string_view body = pattern_.substr(pos_, close - pos_);
    pos_ = close + 1;
    token->text = std::string(body);
    switch (prefix) {
      case 'b':
        token->kind = TokenKind::kBinary;
        if (!IsBase64(body)) return SyntaxError(pattern_, start, "invalid base64 in b'...'");
        break;
      case 'h':
        token->kind = TokenKind::kHex;
        if (!IsHex(body)) return SyntaxError(pattern_, start, "invalid hex in h'...'");
        break;
      default:
        token->kind = TokenKind::kTimestamp;
        if (!IsTimestamp(body)) {
          return SyntaxError(pattern_, start,
                             "invalid timestamp in t'...' (expected YYYY-MM-DDTHH:MM:SS[.s]Z)");
        }
    }
    return absl::OkStatus();
  }

  absl::Status Number(Token* token) {
    const size_t start = pos_;
    if (pattern_[pos_] == '+' || pattern_[pos_] == '-') ++pos_;
    size_t digits = 0;
    while (absl::ascii_isdigit(At(pos_))) ++pos_, ++digits;
    token->kind = TokenKind::kInteger;
    if (At(pos_) == '.') {
      ++pos_;
      size_t fraction = 0;
      while (absl::ascii_isdigit(At(pos_))) ++pos_, ++fraction;
      if (fraction == 0) return SyntaxError(pattern_, start, "invalid number");
      token->kind = TokenKind::kFloat;
    } else if (digits == 0) {
      return SyntaxError(pattern_, start, "invalid number");
    }
    if (IsIdentifierByte(At(pos_))) return SyntaxError(pattern_, start, "invalid number");
    token->text = std::string(pattern_.substr(start, pos_ - start));
    return absl::OkStatus();
  }

  absl::Status Operator(Token* token) {
    token->kind = TokenKind::kOperator;
    const char c = pattern_[pos_];
    const char next = At(pos_ + 1);
    if (c == '=') {
      token->text = "=";
      pos_ += next == '=' ? 2 : 1;
    } else if (c == '!') {
      if (next != '=') return SyntaxError(pattern_, pos_, "expected != ");
      token->text = "!=";
      pos_ += 2;
    } else if (next == '=') {
      token->text = std::string{c, '='};
      pos_ += 2;
    } else if (c == '<' && next == '>') {
      token->text = "!=";
      pos_ += 2;
    } else {
      token->text = std::string(1, c);
      ++pos_;
    }
    return absl::OkStatus();
  }

  absl::string_view pattern_;
  size_t pos_ = 0;
};

class Parser {
 public:
  Parser(absl::string_view pattern, std::vector<Token> tokens)
      : pattern_(pattern), tokens_(std::move(tokens)) {}

  absl::StatusOr<ParsedPattern> Parse() {
    if (Peek().kind == TokenKind::kEnd) return absl::InvalidArgumentError("pattern is empty");
    if (absl::Status status = ObservationExpressions(); !status.ok()) return status;
    if (Peek().kind != TokenKind::kEnd) return Expected("AND, OR, FOLLOWEDBY or the end");
    return std::move(parsed_);
  }

 private:
  const Token& Peek(size_t ahead = 0) const {
    return tokens_[std::min(pos_ + ahead, tokens_.size() - 1)];
  }
  const Token& Take() {
    const Token& token = tokens_[pos_];
    if (pos_ + 1 < tokens_.size()) ++pos_;
    return token;
  }
  bool AtKeyword(absl::string_view word) const {
    return Peek().kind == TokenKind::kIdentifier && Peek().text == word;
  }
  bool TakeKeyword(absl::string_view word) {
    if (!AtKeyword(word)) return false;
    Take();
    return true;
  }
  bool TakeIf(TokenKind kind) {
    if (Peek().kind != kind) return false;
    Take();
    return true;
  }

  absl::Status Expected(absl::string_view what) const {
    const Token& found = Peek();
    std::string shown =
        found.kind == TokenKind::kEnd
            ? "the end of the pattern"
            : QuoteInput(pattern_.substr(found.offset, found.length), kMaxShownToken);
    return SyntaxError(pattern_, found.offset, absl::StrCat("expected ", what, ", found ", shown));
  }

  absl::Status Expect(TokenKind kind, absl::string_view what) {
    if (!TakeIf(kind)) return Expected(what);
    return absl::OkStatus();
  }

  absl::Status EnterParenthesis() {
    if (++depth_ > kMaxParenthesisDepth) {
      return absl::InvalidArgumentError(absl::StrCat("parentheses nested deeper than ",
                                                     kMaxParenthesisDepth, " (at character ",
                                                     CharacterAt(pattern_, Peek().offset), ")"));
    }
    return absl::OkStatus();
  }

  // observationExpressions: observationExpressionOr (FOLLOWEDBY observationExpressionOr)*
  absl::Status ObservationExpressions() {
    if (absl::Status status = ObservationOr(); !status.ok()) return status;
    while (TakeKeyword("FOLLOWEDBY")) {
      parsed_.has_followed_by = true;
      if (absl::Status status = ObservationOr(); !status.ok()) return status;
    }
    return absl::OkStatus();
  }

  absl::Status ObservationOr() {
    if (absl::Status status = ObservationAnd(); !status.ok()) return status;
    while (TakeKeyword("OR")) {
      parsed_.has_or = true;
      parsed_.observations_or = true;
      if (absl::Status status = ObservationAnd(); !status.ok()) return status;
    }
    return absl::OkStatus();
  }

  absl::Status ObservationAnd() {
    if (absl::Status status = QualifiedObservation(); !status.ok()) return status;
    while (TakeKeyword("AND")) {
      parsed_.has_and = true;
      parsed_.observations_and = true;
      if (absl::Status status = QualifiedObservation(); !status.ok()) return status;
    }
    return absl::OkStatus();
  }

  // observationExpression: '[' comparisonExpression ']' | '(' observationExpressions ')',
  // followed by any number of qualifiers.
  absl::Status QualifiedObservation() {
    if (TakeIf(TokenKind::kLeftBracket)) {
      ComparisonNode node;
      if (absl::Status status = ComparisonOr(&node); !status.ok()) return status;
      parsed_.observations.push_back(std::move(node));
      if (absl::Status status = Expect(TokenKind::kRightBracket, "']'"); !status.ok()) {
        return status;
      }
    } else if (Peek().kind == TokenKind::kLeftParen) {
      if (absl::Status status = EnterParenthesis(); !status.ok()) return status;
      Take();
      if (absl::Status status = ObservationExpressions(); !status.ok()) return status;
      if (absl::Status status = Expect(TokenKind::kRightParen, "')'"); !status.ok()) return status;
      --depth_;
    } else {
      return Expected("'[' or '('");
    }
    while (AtKeyword("WITHIN") || AtKeyword("REPEATS") || AtKeyword("START")) {
      if (absl::Status status = Qualifier(); !status.ok()) return status;
    }
    return absl::OkStatus();
  }

  // WITHIN n SECONDS | REPEATS n TIMES | START t'...' STOP t'...'
  absl::Status Qualifier() {
    const std::string name = Take().text;
    if (parsed_.qualifier.empty()) parsed_.qualifier = name;
    if (name == "WITHIN") {
      const Token& seconds = Peek();
      if ((seconds.kind != TokenKind::kInteger && seconds.kind != TokenKind::kFloat) ||
          absl::StartsWith(seconds.text, "-")) {
        return Expected("a positive number of seconds");
      }
      Take();
      if (!TakeKeyword("SECONDS")) return Expected("SECONDS");
    } else if (name == "REPEATS") {
      if (Peek().kind != TokenKind::kInteger || absl::StartsWith(Peek().text, "-")) {
        return Expected("a positive integer");
      }
      Take();
      if (!TakeKeyword("TIMES")) return Expected("TIMES");
    } else {
      if (absl::Status status = Expect(TokenKind::kTimestamp, "a timestamp t'...'"); !status.ok()) {
        return status;
      }
      if (!TakeKeyword("STOP")) return Expected("STOP");
      if (absl::Status status = Expect(TokenKind::kTimestamp, "a timestamp t'...'"); !status.ok()) {
        return status;
      }
    }
    return absl::OkStatus();
  }

  // A node of `kind` from its operands: the operand itself when there is one, and the children
  // of an operand of the same kind taken in (a parenthesized AND inside an AND is one AND).
  static void Join(ComparisonNode::Kind kind, std::vector<ComparisonNode> operands,
                   ComparisonNode* out) {
    if (operands.size() == 1) {
      *out = std::move(operands[0]);
      return;
    }
    out->kind = kind;
    for (ComparisonNode& operand : operands) {
      if (operand.kind == kind) {
        for (ComparisonNode& child : operand.children) out->children.push_back(std::move(child));
      } else {
        out->children.push_back(std::move(operand));
      }
    }
  }

  absl::Status ComparisonOr(ComparisonNode* out) {
    std::vector<ComparisonNode> operands(1);
    if (absl::Status status = ComparisonAnd(&operands.back()); !status.ok()) return status;
    while (TakeKeyword("OR")) {
      parsed_.has_or = true;
      operands.emplace_back();
      if (absl::Status status = ComparisonAnd(&operands.back()); !status.ok()) return status;
    }
    Join(ComparisonNode::kOr, std::move(operands), out);
    return absl::OkStatus();
  }

  absl::Status ComparisonAnd(ComparisonNode* out) {
    std::vector<ComparisonNode> operands(1);
    if (absl::Status status = ComparisonTest(&operands.back()); !status.ok()) return status;
    while (TakeKeyword("AND")) {
      parsed_.has_and = true;
      operands.emplace_back();
      if (absl::Status status = ComparisonTest(&operands.back()); !status.ok()) return status;
    }
    Join(ComparisonNode::kAnd, std::move(operands), out);
    return absl::OkStatus();
  }

  // '(' comparisonExpression ')' | EXISTS objectPath | objectPath NOT? op value
  absl::Status ComparisonTest(ComparisonNode* out) {
    if (Peek().kind == TokenKind::kLeftParen) {
      if (absl::Status status = EnterParenthesis(); !status.ok()) return status;
      Take();
      if (absl::Status status = ComparisonOr(out); !status.ok()) return status;
      if (absl::Status status = Expect(TokenKind::kRightParen, "')'"); !status.ok()) return status;
      --depth_;
      return absl::OkStatus();
    }
    Comparison comparison;
    comparison.number = parsed_.comparisons.size() + 1;
    out->kind = ComparisonNode::kComparison;
    out->comparison = parsed_.comparisons.size();
    if (AtKeyword("EXISTS") && Peek(1).kind != TokenKind::kColon) {
      Take();
      comparison.exists = true;
      if (absl::Status status = ObjectPath(&comparison); !status.ok()) return status;
      parsed_.comparisons.push_back(std::move(comparison));
      return absl::OkStatus();
    }
    if (absl::Status status = ObjectPath(&comparison); !status.ok()) return status;
    comparison.negated = TakeKeyword("NOT");
    const Token& op = Peek();
    if (op.kind == TokenKind::kOperator) {
      comparison.op = op.text;
    } else if (AtKeyword("IN") || AtKeyword("LIKE") || AtKeyword("MATCHES") ||
               AtKeyword("ISSUBSET") || AtKeyword("ISSUPERSET")) {
      comparison.op = op.text;
    } else {
      return Expected("a comparison operator");
    }
    Take();
    if (comparison.op == "IN") {
      if (absl::Status status = SetLiteral(&comparison.values); !status.ok()) return status;
    } else {
      const Token& value = Peek();
      if (comparison.op == "LIKE" || comparison.op == "MATCHES" || comparison.op == "ISSUBSET" ||
          comparison.op == "ISSUPERSET") {
        if (value.kind != TokenKind::kString) return Expected("a string literal");
      } else if (comparison.op != "=" && comparison.op != "!=" && IsBoolean(value)) {
        return Expected("a number, string, binary, hex or timestamp literal");
      }
      if (!IsLiteral(value)) return Expected("a literal");
      comparison.values.push_back(Take());
    }
    parsed_.comparisons.push_back(std::move(comparison));
    return absl::OkStatus();
  }

  static bool IsBoolean(const Token& token) {
    return token.kind == TokenKind::kIdentifier && (token.text == "true" || token.text == "false");
  }

  static bool IsLiteral(const Token& token) {
    switch (token.kind) {
      case TokenKind::kString:
      case TokenKind::kBinary:
      case TokenKind::kHex:
      case TokenKind::kTimestamp:
      case TokenKind::kInteger:
      case TokenKind::kFloat:
        return true;
      default:
        return IsBoolean(token);
    }
  }

  // '(' ')' | '(' literal (',' literal)* ')'
  absl::Status SetLiteral(std::vector<Token>* values) {
    if (absl::Status status = Expect(TokenKind::kLeftParen, "'('"); !status.ok()) return status;
    if (TakeIf(TokenKind::kRightParen)) return absl::OkStatus();
    do {
      if (!IsLiteral(Peek())) return Expected("a literal");
      values->push_back(Take());
    } while (TakeIf(TokenKind::kComma));
    return Expect(TokenKind::kRightParen, "',' or ')'");
  }

  // object-type ':' first-component ('.' component | '[' index ']')*
  absl::Status ObjectPath(Comparison* comparison) {
    if (Peek().kind != TokenKind::kIdentifier) return Expected("an object type");
    comparison->object_type = Take().text;
    if (absl::Status status = Expect(TokenKind::kColon, "':'"); !status.ok()) return status;
    if (absl::Status status = PathName(comparison); !status.ok()) return status;
    while (true) {
      if (TakeIf(TokenKind::kDot)) {
        if (absl::Status status = PathName(comparison); !status.ok()) return status;
      } else if (TakeIf(TokenKind::kLeftBracket)) {
        PathStep step;
        if (TakeIf(TokenKind::kStar)) {
          step.kind = PathStep::kAnyIndex;
        } else if (Peek().kind == TokenKind::kInteger) {
          step.kind = PathStep::kIndex;
          step.text = Take().text;
        } else {
          return Expected("an index or '*'");
        }
        comparison->path.push_back(std::move(step));
        if (absl::Status status = Expect(TokenKind::kRightBracket, "']'"); !status.ok()) {
          return status;
        }
      } else {
        return absl::OkStatus();
      }
    }
  }

  absl::Status PathName(Comparison* comparison) {
    if (Peek().kind != TokenKind::kIdentifier && Peek().kind != TokenKind::kString) {
      return Expected("a property name");
    }
    comparison->path.push_back(PathStep{PathStep::kName, Take().text});
    return absl::OkStatus();
  }

  absl::string_view pattern_;
  std::vector<Token> tokens_;  // ends with a kEnd token
  size_t pos_ = 0;
  int depth_ = 0;
  ParsedPattern parsed_;
};

}  // namespace

std::string PathText(const Comparison& comparison, bool any_index) {
  std::string text = comparison.object_type + ":";
  for (size_t i = 0; i < comparison.path.size(); ++i) {
    const PathStep& step = comparison.path[i];
    switch (step.kind) {
      case PathStep::kName:
        absl::StrAppend(&text, i > 0 ? "." : "", step.text);
        break;
      case PathStep::kIndex:
        absl::StrAppend(&text, "[", any_index ? "*" : step.text, "]");
        break;
      case PathStep::kAnyIndex:
        absl::StrAppend(&text, "[*]");
        break;
    }
  }
  return text;
}

absl::StatusOr<ParsedPattern> ParseStixPattern(absl::string_view pattern) {
  for (size_t i = 0; i < pattern.size();) {
    size_t length = Utf8SequenceLength(pattern.substr(i));
    if (length == 0) {
      return absl::InvalidArgumentError(
          absl::StrCat("pattern is not valid UTF-8 (at character ", CharacterAt(pattern, i), ")"));
    }
    unsigned char c = static_cast<unsigned char>(pattern[i]);
    if ((c < 0x20 && !IsSpace(static_cast<char>(c))) || c == 0x7f) {
      return absl::InvalidArgumentError(absl::StrCat(
          "pattern has a control character (at character ", CharacterAt(pattern, i), ")"));
    }
    i += length;
  }
  absl::StatusOr<std::vector<Token>> tokens = Lexer(pattern).Tokens();
  if (!tokens.ok()) return tokens.status();
  return Parser(pattern, *std::move(tokens)).Parse();
}

}  // namespace nexus::stix_pattern
