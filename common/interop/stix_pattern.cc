// Nexus indicators from STIX 2.1 patterns and back: which object paths name which indicator types,
// which operators and joins a record can hold, and the canonical pattern of an export. The
// grammar itself is stix_pattern_syntax.cc's.
#include "common/interop/stix_pattern.h"

#include <algorithm>
#include <optional>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/types/span.h"
#include "common/indicator_normalizer.h"
#include "common/interop/stix_pattern_syntax.h"
#include "common/untrusted_text.h"

namespace nexus {
namespace {

using stix_pattern::Comparison;
using stix_pattern::ComparisonNode;
using stix_pattern::ParsedPattern;
using stix_pattern::ParseStixPattern;
using stix_pattern::PathStep;
using stix_pattern::PathText;
using stix_pattern::Token;
using stix_pattern::TokenKind;

constexpr size_t kMaxShownToken = 32;
constexpr size_t kMaxShownPath = 96;

// ---------------------------------------------------------------------------------------------
// Object paths and nexus indicator types

struct KnownPath {
  const char* path;  // object-type:property path, indexes as [*]
  v1::IndicatorType type;
};

constexpr KnownPath kKnownPaths[] = {
    {"ipv4-addr:value", v1::INDICATOR_TYPE_IPV4},
    {"ipv6-addr:value", v1::INDICATOR_TYPE_IPV6},
    {"domain-name:value", v1::INDICATOR_TYPE_DOMAIN},
    {"url:value", v1::INDICATOR_TYPE_URL},
    {"email-addr:value", v1::INDICATOR_TYPE_EMAIL},
    {"email-message:from_ref.value", v1::INDICATOR_TYPE_EMAIL},
    {"email-message:sender_ref.value", v1::INDICATOR_TYPE_EMAIL},
    {"email-message:to_refs[*].value", v1::INDICATOR_TYPE_EMAIL},
    {"email-message:cc_refs[*].value", v1::INDICATOR_TYPE_EMAIL},
    {"email-message:bcc_refs[*].value", v1::INDICATOR_TYPE_EMAIL},
    // Community objects, as custom objects with or without the x- prefix.
    {"bank-account:iban", v1::INDICATOR_TYPE_IBAN},
    {"bank-account:iban_number", v1::INDICATOR_TYPE_IBAN},
    {"bank-account:account_number", v1::INDICATOR_TYPE_BANK_ACCOUNT},
    {"x-bank-account:iban", v1::INDICATOR_TYPE_IBAN},
    {"x-bank-account:iban_number", v1::INDICATOR_TYPE_IBAN},
    {"x-bank-account:account_number", v1::INDICATOR_TYPE_BANK_ACCOUNT},
    {"iban:value", v1::INDICATOR_TYPE_IBAN},
    {"x-iban:value", v1::INDICATOR_TYPE_IBAN},
    {"cryptocurrency-wallet:address", v1::INDICATOR_TYPE_CRYPTO_WALLET},
    {"cryptocurrency-wallet:value", v1::INDICATOR_TYPE_CRYPTO_WALLET},
    {"x-cryptocurrency-wallet:address", v1::INDICATOR_TYPE_CRYPTO_WALLET},
    {"x-cryptocurrency-wallet:value", v1::INDICATOR_TYPE_CRYPTO_WALLET},
    {"phone-number:value", v1::INDICATOR_TYPE_PHONE},
    {"x-phone-number:value", v1::INDICATOR_TYPE_PHONE},
};

// Hash algorithms whose values nexus knows (32, 40, 64 or 128 hex digits), as exported.
struct HashAlgorithm {
  const char* name;
  size_t hex_digits;
};
constexpr HashAlgorithm kHashAlgorithms[] = {
    {"MD5", 32}, {"SHA-1", 40}, {"SHA-256", 64}, {"SHA-512", 128}};
// The names read (case-insensitive): STIX's own, and the same without the hyphen.
constexpr const char* kKnownHashNames[] = {"MD5",    "SHA-1",   "SHA1",  "SHA-256",
                                           "SHA256", "SHA-512", "SHA512"};

bool IsKnownHashAlgorithm(absl::string_view name) {
  for (const char* known : kKnownHashNames) {
    if (absl::EqualsIgnoreCase(name, known)) return true;
  }
  return false;
}

constexpr const char kNexusPrefix[] = "x-nexus-";

absl::StatusOr<v1::IndicatorType> IndicatorTypeOf(const Comparison& comparison) {
  const std::string path = PathText(comparison, /*any_index=*/true);
  for (const KnownPath& known : kKnownPaths) {
    if (path == known.path) return known.type;
  }
  const std::string& object = comparison.object_type;
  if ((object == "file" || object == "artifact" || object == "x509-certificate") &&
      comparison.path.size() == 2 && comparison.path[0].kind == PathStep::kName &&
      comparison.path[0].text == "hashes" && comparison.path[1].kind == PathStep::kName) {
    const std::string& algorithm = comparison.path[1].text;
    if (IsKnownHashAlgorithm(algorithm)) return v1::INDICATOR_TYPE_FILE_HASH;
    return absl::InvalidArgumentError(
        absl::StrCat("comparison ", comparison.number, ": hash algorithm ",
                     QuoteInput(algorithm, kMaxShownToken), " has no nexus form"));
  }
  if (absl::StartsWith(object, kNexusPrefix) && comparison.path.size() == 1 &&
      comparison.path[0].kind == PathStep::kName && comparison.path[0].text == "value") {
    absl::string_view name = absl::string_view(object).substr(sizeof(kNexusPrefix) - 1);
    for (int number = v1::IndicatorType_MIN; number <= v1::IndicatorType_MAX; ++number) {
      auto type = static_cast<v1::IndicatorType>(number);
      if (type != v1::INDICATOR_TYPE_UNSPECIFIED && v1::IndicatorType_IsValid(number) &&
          IndicatorTypeName(type) == name) {
        return type;
      }
    }
  }
  return absl::InvalidArgumentError(absl::StrCat("comparison ", comparison.number, ": ",
                                                 QuoteInput(PathText(comparison), kMaxShownPath),
                                                 " has no nexus indicator type"));
}

const char* LiteralKindName(TokenKind kind) {
  switch (kind) {
    case TokenKind::kBinary:
      return "a binary literal";
    case TokenKind::kHex:
      return "a hex literal";
    case TokenKind::kTimestamp:
      return "a timestamp";
    case TokenKind::kInteger:
    case TokenKind::kFloat:
      return "a number";
    default:
      return "a boolean";
  }
}

// The indicators one comparison names (several for IN), added to `out`.
absl::Status AddIndicators(const Comparison& comparison, std::vector<v1::Indicator>* out) {
  const std::string where = absl::StrCat("comparison ", comparison.number, ": ");
  if (comparison.exists) return absl::InvalidArgumentError(where + "EXISTS is not supported");
  absl::StatusOr<v1::IndicatorType> type = IndicatorTypeOf(comparison);
  if (!type.ok()) return type.status();
  if (comparison.negated) return absl::InvalidArgumentError(where + "NOT is not supported");
  const bool address = *type == v1::INDICATOR_TYPE_IPV4 || *type == v1::INDICATOR_TYPE_IPV6;
  if (comparison.op != "=" && comparison.op != "IN" && !(comparison.op == "ISSUBSET" && address)) {
    return absl::InvalidArgumentError(
        absl::StrCat(where, "operator ", comparison.op, " is not supported (on ",
                     QuoteInput(PathText(comparison), kMaxShownPath), ")"));
  }
  if (comparison.values.empty()) {
    return absl::InvalidArgumentError(where + "IN needs at least one value");
  }
  for (const Token& value : comparison.values) {
    if (value.kind != TokenKind::kString) {
      return absl::InvalidArgumentError(absl::StrCat(
          where, "the value must be a string literal, found ", LiteralKindName(value.kind)));
    }
    v1::Indicator& indicator = out->emplace_back();
    indicator.set_type(*type);
    indicator.set_value(value.text);
  }
  return absl::OkStatus();
}

// ---------------------------------------------------------------------------------------------
// Context: comparisons that qualify the indicators of their observation rather than name one
// ("[ipv4-addr:value = '198.51.100.7' AND network-traffic:dst_port = 443]": an address with its
// port; "[(file:hashes.MD5 = '...' OR file:hashes.'SHA-1' = '...') AND file:name = 'a.exe']":
// hashes of a file with its name). Kept on each such indicator, never as indicators of their own.

enum class ContextKind { kNone, kPort, kProtocol, kFileName };

ContextKind ContextKindOf(const Comparison& comparison) {
  const std::string path = PathText(comparison, /*any_index=*/true);
  if (path == "network-traffic:dst_port") return ContextKind::kPort;
  if (path == "network-traffic:protocols[*]") return ContextKind::kProtocol;
  if (path == "file:name") return ContextKind::kFileName;
  return ContextKind::kNone;
}

bool IsAddress(const v1::Indicator& indicator) {
  return indicator.type() == v1::INDICATOR_TYPE_IPV4 || indicator.type() == v1::INDICATOR_TYPE_IPV6;
}

// Puts one context comparison on `indicators` (those its observation named).
absl::Status ApplyContext(const Comparison& comparison, ContextKind kind,
                          absl::Span<v1::Indicator> indicators) {
  const std::string where = absl::StrCat("comparison ", comparison.number, ": ");
  const std::string path = QuoteInput(PathText(comparison), kMaxShownPath);
  if (comparison.exists || comparison.negated || comparison.op != "=" ||
      comparison.values.size() != 1) {
    return absl::InvalidArgumentError(
        absl::StrCat(where, path, " qualifies an indicator only with '='"));
  }
  const Token& value = comparison.values[0];
  const bool for_address = kind != ContextKind::kFileName;
  for (const v1::Indicator& indicator : indicators) {
    if (for_address != IsAddress(indicator) ||
        (!for_address && indicator.type() != v1::INDICATOR_TYPE_FILE_HASH)) {
      return absl::InvalidArgumentError(absl::StrCat(
          where, path,
          for_address ? " qualifies only IPv4 and IPv6 addresses" : " qualifies only file hashes",
          ", and its observation names a ", IndicatorTypeName(indicator.type())));
    }
  }
  uint32_t port = 0;
  if (kind == ContextKind::kPort) {
    // A port is an integer; feeds also write it as a string.
    if ((value.kind != TokenKind::kInteger && value.kind != TokenKind::kString) ||
        !absl::SimpleAtoi(value.text, &port) || port < 1 || port > 65535) {
      return absl::InvalidArgumentError(absl::StrCat(where, "a port is 1 to 65535, found ",
                                                     QuoteInput(value.text, kMaxShownToken)));
    }
  } else if (value.kind != TokenKind::kString) {
    return absl::InvalidArgumentError(absl::StrCat(
        where, "the value must be a string literal, found ", LiteralKindName(value.kind)));
  }
  for (v1::Indicator& indicator : indicators) {
    switch (kind) {
      case ContextKind::kPort:
        indicator.set_port(port);
        break;
      case ContextKind::kProtocol:
        indicator.set_protocol(absl::AsciiStrToLower(value.text));
        break;
      default:
        indicator.set_file_name(value.text);
    }
  }
  return absl::OkStatus();
}

// The comparisons of `node` in pattern order, and whether an AND or an OR joins any of them.
void Walk(const ComparisonNode& node, std::vector<size_t>& leaves, bool& has_and, bool& has_or) {
  if (node.kind == ComparisonNode::kComparison) {
    leaves.push_back(node.comparison);
    return;
  }
  (node.kind == ComparisonNode::kAnd ? has_and : has_or) = true;
  for (const ComparisonNode& child : node.children) Walk(child, leaves, has_and, has_or);
}

// ---------------------------------------------------------------------------------------------
// Export

std::string EscapeLiteral(absl::string_view value) {
  std::string out;
  out.reserve(value.size() + 2);
  for (char c : value) {
    if (c == '\\' || c == '\'') out.push_back('\\');
    out.push_back(c);
  }
  return out;
}

bool AllHex(absl::string_view text) {
  for (char c : text) {
    if (!absl::ascii_isxdigit(c)) return false;
  }
  return true;
}

std::string ObjectPathFor(const v1::Indicator& indicator) {
  switch (indicator.type()) {
    case v1::INDICATOR_TYPE_IPV4:
      return "ipv4-addr:value";
    case v1::INDICATOR_TYPE_IPV6:
      return "ipv6-addr:value";
    case v1::INDICATOR_TYPE_DOMAIN:
      return "domain-name:value";
    case v1::INDICATOR_TYPE_URL:
      return "url:value";
    case v1::INDICATOR_TYPE_EMAIL:
      return "email-addr:value";
    // The customary objects MISP and OpenCTI write for what STIX 2.1 has no object of its own.
    case v1::INDICATOR_TYPE_CRYPTO_WALLET:
      return "cryptocurrency-wallet:value";
    case v1::INDICATOR_TYPE_PHONE:
      return "phone-number:value";
    case v1::INDICATOR_TYPE_IBAN:
      return "bank-account:iban";
    case v1::INDICATOR_TYPE_BANK_ACCOUNT:
      return "bank-account:account_number";
    case v1::INDICATOR_TYPE_FILE_HASH:
      if (AllHex(indicator.value())) {
        for (const HashAlgorithm& algorithm : kHashAlgorithms) {
          if (indicator.value().size() == algorithm.hex_digits) {
            return absl::StrCat("file:hashes.'", algorithm.name, "'");
          }
        }
      }
      break;
    default:
      break;
  }
  return absl::StrCat(kNexusPrefix, IndicatorTypeName(indicator.type()), ":value");
}

}  // namespace

absl::StatusOr<PatternIndicators> IndicatorsFromStixPattern(absl::string_view pattern) {
  if (pattern.size() > kMaxStixPatternBytes) {
    return absl::InvalidArgumentError(
        absl::StrCat("pattern is ", pattern.size(), " bytes; the limit is ", kMaxStixPatternBytes));
  }
  absl::StatusOr<ParsedPattern> parsed = ParseStixPattern(pattern);
  if (!parsed.ok()) return parsed.status();

  if (parsed->has_followed_by) return absl::InvalidArgumentError("FOLLOWEDBY is not supported");
  if (!parsed->qualifier.empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat("qualifier ", parsed->qualifier, " is not supported"));
  }
  PatternIndicators result;
  std::optional<size_t> several_in;  // an IN with more than one value: an OR
  bool has_and = parsed->observations_and, has_or = parsed->observations_or;
  for (const ComparisonNode& observation : parsed->observations) {
    // Context comparisons are those joined by AND at the top of the observation to something
    // they can qualify; the rest name the indicators, joined as before.
    std::vector<const ComparisonNode*> named;
    std::vector<std::pair<const Comparison*, ContextKind>> context;
    if (observation.kind == ComparisonNode::kAnd) {
      for (const ComparisonNode& child : observation.children) {
        ContextKind kind = child.kind == ComparisonNode::kComparison
                               ? ContextKindOf(parsed->comparisons[child.comparison])
                               : ContextKind::kNone;
        if (kind == ContextKind::kNone) {
          named.push_back(&child);
        } else {
          context.emplace_back(&parsed->comparisons[child.comparison], kind);
        }
      }
    }
    if (context.empty() || named.empty()) named = {&observation};
    if (named.size() > 1) has_and = true;
    std::vector<size_t> leaves;
    for (const ComparisonNode* node : named) Walk(*node, leaves, has_and, has_or);
    const size_t first = result.indicators.size();
    for (size_t leaf : leaves) {
      const Comparison& comparison = parsed->comparisons[leaf];
      if (absl::Status status = AddIndicators(comparison, &result.indicators); !status.ok()) {
        return status;
      }
      if (comparison.op == "IN" && comparison.values.size() > 1 && !several_in) {
        several_in = comparison.number;
      }
    }
    for (const auto& [comparison, kind] : context) {
      absl::Span<v1::Indicator> mine = absl::MakeSpan(result.indicators).subspan(first);
      if (absl::Status status = ApplyContext(*comparison, kind, mine); !status.ok()) return status;
    }
  }
  if (has_and && (has_or || several_in)) {
    return absl::InvalidArgumentError(absl::StrCat(
        "AND mixed with OR cannot be represented",
        has_or ? ""
               : absl::StrCat(" (comparison ", *several_in, ": IN with several values is an OR)")));
  }
  result.all_of = has_and;
  return result;
}

std::string StixPatternFromIndicators(const std::vector<v1::Indicator>& indicators, bool all_of) {
  std::string pattern;
  for (const v1::Indicator& indicator : indicators) {
    if (!pattern.empty()) pattern += all_of ? " AND " : " OR ";
    absl::StrAppend(&pattern, "[", ObjectPathFor(indicator), " = '",
                    EscapeLiteral(indicator.value()), "'");
    // Context in the forms feeds write, inside the indicator's observation.
    if (indicator.port() != 0) {
      absl::StrAppend(&pattern, " AND network-traffic:dst_port = ", indicator.port());
    }
    if (!indicator.protocol().empty()) {
      absl::StrAppend(&pattern, " AND network-traffic:protocols[*] = '",
                      EscapeLiteral(indicator.protocol()), "'");
    }
    if (!indicator.file_name().empty()) {
      absl::StrAppend(&pattern, " AND file:name = '", EscapeLiteral(indicator.file_name()), "'");
    }
    pattern += "]";
  }
  return pattern;
}

}  // namespace nexus
