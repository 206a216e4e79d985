#include "common/indicator_normalizer.h"

#include <arpa/inet.h>

#include <algorithm>
#include <cctype>

#include "absl/algorithm/container.h"
#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "common/untrusted_text.h"

namespace nexus {
namespace {

using v1::IndicatorType;

constexpr size_t kMaxIndicatorBytes = 2048;

// Quotes a value for an error message: escaped, and shortened so a huge input does not flood
// logs or a gRPC trailer.
std::string Quoted(absl::string_view value) { return QuoteInput(value, 64); }

absl::Status Invalid(absl::string_view what, absl::string_view value) {
  return absl::InvalidArgumentError(absl::StrCat("invalid ", what, " ", Quoted(value)));
}

// Removes every character in `drop`.
std::string Without(absl::string_view value, absl::string_view drop) {
  std::string out;
  out.reserve(value.size());
  for (char c : value) {
    if (drop.find(c) == absl::string_view::npos) out.push_back(c);
  }
  return out;
}

// Trims, collapses inner runs of white space to one space, and lower-cases ASCII letters.
std::string FoldText(absl::string_view value) {
  std::string out;
  bool space = false;
  for (char c : absl::StripAsciiWhitespace(value)) {
    if (absl::ascii_isspace(static_cast<unsigned char>(c))) {
      space = true;
      continue;
    }
    if (space) out.push_back(' ');
    space = false;
    out.push_back(absl::ascii_tolower(static_cast<unsigned char>(c)));
  }
  return out;
}

bool IsDomainLabel(absl::string_view label) {
  if (label.empty() || label.size() > 63 || label.front() == '-' || label.back() == '-') {
    return false;
  }
  for (char c : label) {
    if (!absl::ascii_isalnum(static_cast<unsigned char>(c)) && c != '-') return false;
  }
  return true;
}

absl::StatusOr<std::string> NormalizeDomain(absl::string_view value) {
  std::string domain = absl::AsciiStrToLower(absl::StripAsciiWhitespace(value));
  if (absl::EndsWith(domain, ".")) domain.pop_back();
  std::vector<absl::string_view> labels = absl::StrSplit(domain, '.');
  if (domain.size() > 253 || labels.size() < 2) return Invalid("domain", value);
  for (absl::string_view label : labels) {
    if (!IsDomainLabel(label)) return Invalid("domain", value);
  }
  return domain;
}

absl::StatusOr<std::string> NormalizeEmail(absl::string_view value) {
  std::string email = absl::AsciiStrToLower(absl::StripAsciiWhitespace(value));
  size_t at = email.find('@');
  if (at == std::string::npos || at == 0 || email.find('@', at + 1) != std::string::npos) {
    return Invalid("email address", value);
  }
  for (char c : email.substr(0, at)) {
    if (absl::ascii_isspace(static_cast<unsigned char>(c)) || c == '<' || c == '>') {
      return Invalid("email address", value);
    }
  }
  absl::StatusOr<std::string> domain = NormalizeDomain(email.substr(at + 1));
  if (!domain.ok()) return Invalid("email address", value);
  return absl::StrCat(email.substr(0, at + 1), *domain);
}

absl::StatusOr<std::string> NormalizePhone(absl::string_view value) {
  std::string digits = Without(absl::StripAsciiWhitespace(value), " -.()/");
  bool international = false;
  if (absl::StartsWith(digits, "+")) {
    international = true;
    digits.erase(0, 1);
  } else if (absl::StartsWith(digits, "00")) {
    international = true;
    digits.erase(0, 2);
  }
  if (digits.size() < 5 || digits.size() > 15) return Invalid("phone number", value);
  for (char c : digits) {
    if (!absl::ascii_isdigit(static_cast<unsigned char>(c))) return Invalid("phone number", value);
  }
  return international ? absl::StrCat("+", digits) : digits;
}

// An address of `family` as inet_ntop writes it (the one canonical text of those bytes).
std::string AddressText(int family, const unsigned char* bytes) {
  char out[INET6_ADDRSTRLEN];
  inet_ntop(family, bytes, out, sizeof(out));
  return std::string(out);
}

int AddressBits(int family) { return family == AF_INET ? 32 : 128; }

// Clears every bit of `bytes` after the first `prefix`.
void ClearHostBits(unsigned char* bytes, int family, int prefix) {
  const int size = AddressBits(family) / 8;
  for (int i = 0; i < size; ++i) {
    const int kept = std::clamp(prefix - 8 * i, 0, 8);  // bits of this byte in the prefix
    bytes[i] &= static_cast<unsigned char>(0xff00 >> kept);
  }
}

// "a.b.c.d" or "a.b.c.d/n" (IPv4), "x::y" or "x::y/n" (IPv6). A range normalizes to its network
// address with the host bits cleared and the prefix length in plain decimal ("10.1.2.3/8" ->
// "10.0.0.0/8"): shared data often writes a range by one of its addresses, and the entered value
// is kept beside the normal form anyway. A full-length prefix is the address alone. The prefix
// is decimal digits without a sign, space or leading zero ("08" could be read as octal elsewhere).
absl::StatusOr<std::string> NormalizeIp(absl::string_view value, int family) {
  const bool v4 = family == AF_INET;
  absl::string_view text = absl::StripAsciiWhitespace(value);
  const size_t slash = text.find('/');
  std::string address(text.substr(0, slash));
  unsigned char bytes[16];
  if (slash == absl::string_view::npos) {
    if (inet_pton(family, address.c_str(), bytes) != 1) {
      return Invalid(v4 ? "IPv4 address" : "IPv6 address", value);
    }
    return AddressText(family, bytes);
  }
  const int bits = AddressBits(family);
  auto invalid_network = [&](absl::string_view why) {
    return absl::InvalidArgumentError(
        absl::StrCat("invalid ", v4 ? "IPv4" : "IPv6", " network ", Quoted(value), ": ", why));
  };
  if (inet_pton(family, address.c_str(), bytes) != 1) {
    return invalid_network(v4 ? "the part before '/' is not an IPv4 address"
                              : "the part before '/' is not an IPv6 address");
  }
  absl::string_view digits = text.substr(slash + 1);
  const std::string range = absl::StrCat("prefix length must be 0 to ", bits);
  if (digits.empty()) return invalid_network("prefix length is missing after '/'");
  for (char c : digits) {
    if (!absl::ascii_isdigit(static_cast<unsigned char>(c))) {
      return invalid_network(absl::StrCat(range, ", in decimal digits"));
    }
  }
  if (digits.size() > 1 && digits[0] == '0') {
    return invalid_network("prefix length must not start with 0");
  }
  int prefix = 0;
  for (char c : digits) {
    prefix = prefix * 10 + (c - '0');
    if (prefix > bits) return invalid_network(range);
  }
  ClearHostBits(bytes, family, prefix);
  if (prefix == bits) return AddressText(family, bytes);
  return absl::StrCat(AddressText(family, bytes), "/", prefix);
}

absl::StatusOr<std::string> NormalizeUrl(absl::string_view value) {
  absl::string_view url = absl::StripAsciiWhitespace(value);
  size_t scheme_end = url.find("://");
  if (scheme_end == absl::string_view::npos || scheme_end == 0) return Invalid("URL", value);
  std::string scheme = absl::AsciiStrToLower(url.substr(0, scheme_end));
  for (char c : scheme) {
    if (!absl::ascii_isalnum(static_cast<unsigned char>(c)) && c != '+' && c != '-' && c != '.') {
      return Invalid("URL", value);
    }
  }
  absl::string_view rest = url.substr(scheme_end + 3);
  size_t host_end = rest.find_first_of("/?#");
  absl::string_view authority = rest.substr(0, host_end);
  absl::string_view path = host_end == absl::string_view::npos ? "" : rest.substr(host_end);
  if (authority.empty()) return Invalid("URL", value);
  for (char c : url) {
    if (absl::ascii_isspace(static_cast<unsigned char>(c))) return Invalid("URL", value);
  }
  // Scheme and host are case-insensitive; the path is not.
  return absl::StrCat(scheme, "://", absl::AsciiStrToLower(authority), path.empty() ? "/" : path);
}

absl::StatusOr<std::string> NormalizeIban(absl::string_view value) {
  std::string iban = absl::AsciiStrToUpper(Without(value, " \t-"));
  if (iban.size() < 15 || iban.size() > 34 || !absl::ascii_isalpha(iban[0]) ||
      !absl::ascii_isalpha(iban[1]) || !absl::ascii_isdigit(iban[2]) ||
      !absl::ascii_isdigit(iban[3])) {
    return Invalid("IBAN", value);
  }
  // ISO 13616 check: move the first four characters to the end, read letters as 10..35, mod 97.
  int remainder = 0;
  std::string rotated = iban.substr(4) + iban.substr(0, 4);
  for (char c : rotated) {
    if (absl::ascii_isdigit(c)) {
      remainder = (remainder * 10 + (c - '0')) % 97;
    } else if (absl::ascii_isupper(c)) {
      remainder = (remainder * 100 + (c - 'A' + 10)) % 97;
    } else {
      return Invalid("IBAN", value);
    }
  }
  if (remainder != 1) {
    return absl::InvalidArgumentError(
        absl::StrCat("invalid IBAN ", Quoted(value), ": check digits do not match"));
  }
  return iban;
}

// Letters and digits only, upper case: document numbers, plates, account numbers.
absl::StatusOr<std::string> NormalizeCode(absl::string_view what, absl::string_view value) {
  std::string code = absl::AsciiStrToUpper(Without(absl::StripAsciiWhitespace(value), " -./"));
  if (code.empty()) return Invalid(what, value);
  for (char c : code) {
    if (!absl::ascii_isalnum(static_cast<unsigned char>(c))) return Invalid(what, value);
  }
  return code;
}

// A VIN: 17 letters and digits, without I, O and Q (ISO 3779).
bool IsVin(absl::string_view code) {
  if (code.size() != 17) return false;
  for (char c : code) {
    if (!absl::ascii_isalnum(static_cast<unsigned char>(c)) || c == 'I' || c == 'O' || c == 'Q') {
      return false;
    }
  }
  return true;
}

// A vehicle: a plain identifier (plate, VIN or other code), or the structured form
// "plate AB-123-CD vin 1HGCM82633A004352" (either part; ':' or '=' after the label), kept as
// "PLATE:AB123CD VIN:1HGCM82633A004352".
absl::StatusOr<std::string> NormalizeVehicle(absl::string_view value) {
  std::string text = absl::AsciiStrToUpper(FoldText(value));
  absl::StrReplaceAll({{":", " "}, {"=", " "}, {";", " "}, {",", " "}}, &text);
  std::vector<std::string> words = absl::StrSplit(text, ' ', absl::SkipEmpty());
  if (words.empty() || (words[0] != "PLATE" && words[0] != "VIN")) {
    return NormalizeCode("vehicle identifier", value);
  }
  std::string plate, vin, *into = nullptr;
  for (const std::string& word : words) {
    if (word == "PLATE" || word == "VIN") {
      into = word == "PLATE" ? &plate : &vin;
      if (!into->empty()) return Invalid("vehicle (a label given twice)", value);
      continue;
    }
    into->append(word);
  }
  for (std::string* part : {&plate, &vin}) {
    *part = Without(*part, "-./");
    for (char c : *part) {
      if (!absl::ascii_isalnum(static_cast<unsigned char>(c))) return Invalid("vehicle", value);
    }
  }
  if ((plate.empty() && vin.empty()) || (!vin.empty() && !IsVin(vin))) {
    return Invalid("vehicle (a VIN is 17 letters and digits without I, O, Q)", value);
  }
  std::string normalized;
  if (!plate.empty()) absl::StrAppend(&normalized, "PLATE:", plate);
  if (!vin.empty()) absl::StrAppend(&normalized, normalized.empty() ? "" : " ", "VIN:", vin);
  return normalized;
}

absl::StatusOr<std::string> NormalizeVessel(absl::string_view value) {
  std::string folded = absl::AsciiStrToUpper(FoldText(value));
  std::string compact = Without(folded, " ");
  // An IMO ship number: "IMO" and seven digits whose last is a weighted check digit.
  if (absl::StartsWith(compact, "IMO") && compact.size() == 10) {
    absl::string_view digits = absl::string_view(compact).substr(3);
    int sum = 0;
    for (int i = 0; i < 7; ++i) {
      if (!absl::ascii_isdigit(digits[i])) return Invalid("IMO number", value);
      if (i < 6) sum += (digits[i] - '0') * (7 - i);
    }
    if (sum % 10 != digits[6] - '0') {
      return absl::InvalidArgumentError(
          absl::StrCat("invalid IMO number ", Quoted(value), ": check digit does not match"));
    }
    return compact;
  }
  if (folded.empty()) return Invalid("vessel", value);
  return folded;
}

absl::StatusOr<std::string> NormalizeWallet(absl::string_view value) {
  std::string wallet(absl::StripAsciiWhitespace(value));
  if (wallet.size() < 20 || wallet.size() > 128) return Invalid("crypto wallet address", value);
  for (char c : wallet) {
    if (!absl::ascii_isalnum(static_cast<unsigned char>(c))) {
      return Invalid("crypto wallet address", value);
    }
  }
  // Hex (0x...) and bech32 addresses are case-insensitive; base58 addresses are not.
  std::string lower = absl::AsciiStrToLower(wallet);
  if (absl::StartsWith(lower, "0x") || absl::StartsWith(lower, "bc1") ||
      absl::StartsWith(lower, "ltc1") || absl::StartsWith(lower, "tb1")) {
    return lower;
  }
  return wallet;
}

absl::StatusOr<std::string> NormalizeFileHash(absl::string_view value) {
  std::string hash = absl::AsciiStrToLower(absl::StripAsciiWhitespace(value));
  size_t n = hash.size();
  if (n != 32 && n != 40 && n != 64 && n != 128) {
    return absl::InvalidArgumentError(absl::StrCat(
        "invalid file hash ", Quoted(value), ": expected 32, 40, 64 or 128 hex digits, found ", n));
  }
  for (char c : hash) {
    if (!absl::ascii_isxdigit(static_cast<unsigned char>(c))) return Invalid("file hash", value);
  }
  return hash;
}

absl::StatusOr<std::string> NormalizeName(absl::string_view what, absl::string_view value) {
  std::string folded = FoldText(value);
  if (folded.empty()) return Invalid(what, value);
  return folded;
}

struct TypeName {
  IndicatorType type;
  const char* name;
};
constexpr TypeName kTypeNames[] = {
    {v1::INDICATOR_TYPE_PHONE, "phone"},
    {v1::INDICATOR_TYPE_EMAIL, "email"},
    {v1::INDICATOR_TYPE_DOMAIN, "domain"},
    {v1::INDICATOR_TYPE_IPV4, "ipv4"},
    {v1::INDICATOR_TYPE_IPV6, "ipv6"},
    {v1::INDICATOR_TYPE_URL, "url"},
    {v1::INDICATOR_TYPE_CRYPTO_WALLET, "crypto-wallet"},
    {v1::INDICATOR_TYPE_IBAN, "iban"},
    {v1::INDICATOR_TYPE_BANK_ACCOUNT, "bank-account"},
    {v1::INDICATOR_TYPE_DOCUMENT_NUMBER, "document-number"},
    {v1::INDICATOR_TYPE_VEHICLE, "vehicle"},
    {v1::INDICATOR_TYPE_VESSEL, "vessel"},
    {v1::INDICATOR_TYPE_ORGANIZATION, "organization"},
    {v1::INDICATOR_TYPE_PERSON, "person"},
    {v1::INDICATOR_TYPE_LOCATION, "location"},
    {v1::INDICATOR_TYPE_FILE_HASH, "file-hash"},
};

}  // namespace

absl::StatusOr<std::string> NormalizeIndicator(IndicatorType type, absl::string_view value) {
  if (absl::StripAsciiWhitespace(value).empty()) {
    return absl::InvalidArgumentError("value is empty");
  }
  if (value.size() > kMaxIndicatorBytes) {
    return absl::InvalidArgumentError(
        absl::StrCat("value is ", value.size(), " bytes; the limit is ", kMaxIndicatorBytes));
  }
  for (char c : value) {
    // Control characters have no place in an indicator, and 0x00 delimits the index key.
    if (static_cast<unsigned char>(c) < 0x20 && c != '\t' && c != '\n' && c != '\r') {
      return absl::InvalidArgumentError("value contains a control character");
    }
  }
  switch (type) {
    case v1::INDICATOR_TYPE_PHONE:
      return NormalizePhone(value);
    case v1::INDICATOR_TYPE_EMAIL:
      return NormalizeEmail(value);
    case v1::INDICATOR_TYPE_DOMAIN:
      return NormalizeDomain(value);
    case v1::INDICATOR_TYPE_IPV4:
      return NormalizeIp(value, AF_INET);
    case v1::INDICATOR_TYPE_IPV6:
      return NormalizeIp(value, AF_INET6);
    case v1::INDICATOR_TYPE_URL:
      return NormalizeUrl(value);
    case v1::INDICATOR_TYPE_CRYPTO_WALLET:
      return NormalizeWallet(value);
    case v1::INDICATOR_TYPE_IBAN:
      return NormalizeIban(value);
    case v1::INDICATOR_TYPE_BANK_ACCOUNT:
      return NormalizeCode("bank account number", value);
    case v1::INDICATOR_TYPE_DOCUMENT_NUMBER:
      return NormalizeCode("document number", value);
    case v1::INDICATOR_TYPE_VEHICLE:
      return NormalizeVehicle(value);
    case v1::INDICATOR_TYPE_VESSEL:
      return NormalizeVessel(value);
    case v1::INDICATOR_TYPE_ORGANIZATION:
      return NormalizeName("organization", value);
    case v1::INDICATOR_TYPE_PERSON:
      return NormalizeName("person", value);
    case v1::INDICATOR_TYPE_LOCATION:
      return NormalizeName("location", value);
    case v1::INDICATOR_TYPE_FILE_HASH:
      return NormalizeFileHash(value);
    case v1::INDICATOR_TYPE_UNSPECIFIED:
      return absl::InvalidArgumentError("type is required");
    default:
      return absl::InvalidArgumentError(
          absl::StrCat("type ", static_cast<int>(type), " is not a defined indicator type"));
  }
}

namespace {

// A valid IMO number ("IMO" and seven digits, the last a weighted check digit) at `at` of
// `text` (spaces allowed after "IMO"): its compact form, and where the number ends in `end`.
std::string ImoAt(absl::string_view text, size_t at, size_t* end) {
  if (text.substr(at, 3) != "IMO") return "";
  if (at > 0 && absl::ascii_isalnum(static_cast<unsigned char>(text[at - 1]))) return "";
  size_t i = at + 3;
  while (i < text.size() && text[i] == ' ') ++i;
  if (text.size() - i < 7) return "";
  absl::string_view digits = text.substr(i, 7);
  int sum = 0;
  for (int d = 0; d < 7; ++d) {
    if (!absl::ascii_isdigit(static_cast<unsigned char>(digits[d]))) return "";
    if (d < 6) sum += (digits[d] - '0') * (7 - d);
  }
  if (sum % 10 != digits[6] - '0') return "";
  if (i + 7 < text.size() && absl::ascii_isalnum(static_cast<unsigned char>(text[i + 7])))
    return "";
  *end = i + 7;
  return absl::StrCat("IMO", digits);
}

std::vector<std::string> VesselAliases(absl::string_view normalized) {
  std::vector<std::string> aliases;
  std::string name(normalized);
  for (size_t at = normalized.find("IMO"); at != absl::string_view::npos;
       at = normalized.find("IMO", at + 1)) {
    size_t end = 0;
    std::string imo = ImoAt(normalized, at, &end);
    if (imo.empty()) continue;
    if (imo != normalized) aliases.push_back(imo);
    name = absl::StrCat(normalized.substr(0, at), " ", normalized.substr(end));
    break;
  }
  // The name without brackets, separators and the usual ship prefixes.
  std::string bare;
  for (char c : name) {
    bare.push_back(absl::ascii_isalnum(static_cast<unsigned char>(c)) || (c & 0x80) ? c : ' ');
  }
  std::vector<std::string> words =
      absl::StrSplit(absl::AsciiStrToUpper(FoldText(bare)), ' ', absl::SkipEmpty());
  if (words.size() > 1 && (words[0] == "MV" || words[0] == "MT" || words[0] == "SS" ||
                           words[0] == "FV" || words[0] == "MY")) {
    words.erase(words.begin());
  }
  std::string bare_name = absl::StrJoin(words, " ");
  if (!bare_name.empty() && bare_name != normalized) aliases.push_back(bare_name);
  return aliases;
}

// Legal forms that follow a company's name; an organization is also found without them.
constexpr absl::string_view kLegalForms[] = {
    "sarl",         "sa",   "sas",         "sasu", "eurl",    "ltd", "limited", "llc", "inc",
    "incorporated", "corp", "corporation", "co",   "company", "plc", "gmbh",    "ag",  "kg",
    "bv",           "nv",   "srl",         "spa",  "sl",      "oy",  "ab",      "as",  "fze",
    "fzco",         "fzc",  "lp",          "llp",  "pte",     "pty", "jsc",     "ooo"};

std::vector<std::string> OrganizationAliases(absl::string_view normalized) {
  std::string bare;
  for (char c : normalized) {
    bare.push_back(absl::ascii_isalnum(static_cast<unsigned char>(c)) || (c & 0x80) ? c : ' ');
  }
  std::vector<std::string> words = absl::StrSplit(FoldText(bare), ' ', absl::SkipEmpty());
  bool cut = false;
  while (words.size() > 1 && absl::c_linear_search(kLegalForms, absl::string_view(words.back()))) {
    words.pop_back();
    cut = true;
  }
  if (!cut) return {};
  std::string name = absl::StrJoin(words, " ");
  if (name == normalized) return {};
  return {name};
}

}  // namespace

std::vector<std::string> IndexAliases(IndicatorType type, absl::string_view normalized) {
  switch (type) {
    case v1::INDICATOR_TYPE_VEHICLE: {
      std::vector<std::string> aliases;
      for (absl::string_view word : absl::StrSplit(normalized, ' ')) {
        for (absl::string_view label : {"PLATE:", "VIN:"}) {
          if (absl::ConsumePrefix(&word, label) && !word.empty()) aliases.emplace_back(word);
        }
      }
      return aliases;
    }
    case v1::INDICATOR_TYPE_VESSEL:
      return VesselAliases(normalized);
    case v1::INDICATOR_TYPE_ORGANIZATION:
      return OrganizationAliases(normalized);
    default:
      return {};
  }
}

bool RangeContains(IndicatorType type, absl::string_view range, absl::string_view inner) {
  if (range == inner) return false;
  for (const std::string& network : ContainingNetworks(type, inner)) {
    if (network == range) return true;
  }
  return false;
}

bool MatchesKey(IndicatorType type, absl::string_view carried, absl::string_view key) {
  if (carried == key) return true;
  for (const std::string& alias : IndexAliases(type, carried)) {
    if (alias == key) return true;
  }
  return false;
}

std::vector<std::string> ContainingNetworks(IndicatorType type,
                                            absl::string_view normalized_address) {
  int family;
  if (type == v1::INDICATOR_TYPE_IPV4) {
    family = AF_INET;
  } else if (type == v1::INDICATOR_TYPE_IPV6) {
    family = AF_INET6;
  } else {
    return {};
  }
  // A normalized range "network/prefix" is contained in the wider ranges of its network address.
  std::string text(normalized_address);
  int limit = AddressBits(family);
  if (size_t slash = text.find('/'); slash != std::string::npos) {
    if (!absl::SimpleAtoi(text.substr(slash + 1), &limit) || limit < 0 ||
        limit > AddressBits(family)) {
      return {};
    }
    text.resize(slash);
  }
  unsigned char address[16];
  if (inet_pton(family, text.c_str(), address) != 1) return {};
  const int bits = AddressBits(family);
  std::vector<std::string> networks;
  networks.reserve(limit);
  for (int prefix = 0; prefix < limit; ++prefix) {
    unsigned char network[16];
    std::copy(address, address + bits / 8, network);
    ClearHostBits(network, family, prefix);
    networks.push_back(absl::StrCat(AddressText(family, network), "/", prefix));
  }
  return networks;
}

std::string IndicatorTypeName(IndicatorType type) {
  for (const TypeName& entry : kTypeNames) {
    if (entry.type == type) return entry.name;
  }
  if (type == v1::INDICATOR_TYPE_UNSPECIFIED) return "unspecified";
  return absl::StrCat("undefined(", static_cast<int>(type), ")");  // never a defined type's name
}

std::string KnownIndicatorTypes() {
  std::vector<std::string> names;
  for (const TypeName& entry : kTypeNames) names.push_back(entry.name);
  return absl::StrJoin(names, ", ");
}

bool ParseIndicatorType(absl::string_view name, IndicatorType* type) {
  std::string lower = absl::AsciiStrToLower(name);
  for (const TypeName& entry : kTypeNames) {
    if (lower == entry.name || name == v1::IndicatorType_Name(entry.type)) {
      *type = entry.type;
      return true;
    }
  }
  return false;
}

}  // namespace nexus
