// The syntax of the STIX 2.1 patterning language (STIX 2.1 section 9): a pattern read into its
// comparisons and the joins and qualifiers it uses, without any meaning for nexus (that is
// stix_pattern.cc's).
#ifndef NEXUS_COMMON_INTEROP_STIX_PATTERN_SYNTAX_H_
#define NEXUS_COMMON_INTEROP_STIX_PATTERN_SYNTAX_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace nexus::stix_pattern {

enum class TokenKind {
  kEnd,
  kIdentifier,  // also keywords (AND, OR, IN, ...) and the literals true and false
  kString,      // 'text'; `text` is the value, unescaped
  kBinary,      // b'base64'
  kHex,         // h'hex'
  kTimestamp,   // t'2020-01-01T00:00:00Z'
  kInteger,
  kFloat,
  kOperator,  // = != < <= > >= (== and <> are read as = and !=)
  kLeftBracket,
  kRightBracket,
  kLeftParen,
  kRightParen,
  kColon,
  kDot,
  kComma,
  kStar,
};

struct Token {
  TokenKind kind = TokenKind::kEnd;
  std::string text;   // the value of a literal, the name of an identifier or operator
  size_t offset = 0;  // where the token starts in the pattern
  size_t length = 0;  // of its spelling in the pattern
};

struct PathStep {
  enum Kind { kName, kIndex, kAnyIndex } kind = kName;
  std::string text;  // a name (unquoted), or an index
};

struct Comparison {
  size_t number = 0;  // from 1, in the order of the pattern
  std::string object_type;
  std::vector<PathStep> path;
  bool exists = false;   // EXISTS object-path
  bool negated = false;  // object-path NOT op value
  std::string op;        // "=", "!=", "<", "<=", ">", ">=", "IN", "LIKE", "MATCHES", ...
  std::vector<Token> values;
};

// The comparison expression inside one observation `[...]` as a tree, so that a reader can tell
// which comparisons qualify which ("[ipv4-addr:value = 'a' AND network-traffic:dst_port = 443]").
// Parentheses leave no node of their own; an AND or OR node has two or more children.
struct ComparisonNode {
  enum Kind { kComparison, kAnd, kOr } kind = kComparison;
  size_t comparison = 0;  // index into ParsedPattern::comparisons, for kComparison
  std::vector<ComparisonNode> children;
};

// What matters of a pattern for nexus: its comparisons and which joins and qualifiers it uses.
struct ParsedPattern {
  std::vector<Comparison> comparisons;
  std::vector<ComparisonNode> observations;  // one per `[...]`, in pattern order
  // Joins between observations (has_and and has_or count joins at both levels).
  bool observations_and = false;
  bool observations_or = false;
  bool has_and = false;
  bool has_or = false;
  bool has_followed_by = false;
  std::string qualifier;  // the first one, if any
};

// "hashes.'SHA-256'" is shown as hashes.SHA-256; with `any_index`, every index as [*].
std::string PathText(const Comparison& comparison, bool any_index = false);

// Reads `pattern`, which must be valid UTF-8 without control characters other than white space.
// Errors name the character, e.g. "syntax error at character 17: expected ']', found the end of the
// pattern".
absl::StatusOr<ParsedPattern> ParseStixPattern(absl::string_view pattern);

}  // namespace nexus::stix_pattern

#endif  // NEXUS_COMMON_INTEROP_STIX_PATTERN_SYNTAX_H_
