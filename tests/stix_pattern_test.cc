// STIX 2.1 patterns to nexus indicators and back: a table of real-world and specification
// patterns with what each names or why it cannot be represented, the samples in
// shared/interop-data, a round trip for every indicator type, and mutation probes that must end
// in an error, never a crash.
#include "common/interop/stix_pattern.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "common/indicator_normalizer.h"
#include "common/interop/json_stream.h"
#include "common/untrusted_text.h"
#include "nlohmann/json.hpp"
#include "tests/interop_data.h"

namespace nexus {
namespace {

using v1::IndicatorType;

std::string Describe(const PatternIndicators& found) {
  std::string text = found.all_of ? "all of:" : "any of:";
  for (const v1::Indicator& indicator : found.indicators) {
    absl::StrAppend(&text, " ", IndicatorTypeName(indicator.type()), "=", indicator.value());
  }
  return text;
}

// A pattern and what it reads as (Describe() of the result).
struct Readable {
  std::string pattern;
  std::string indicators;
};

// A pattern and part of the message that refuses it.
struct Refused {
  std::string pattern;
  std::string error;
};

void Check(const Readable& c) {
  absl::StatusOr<PatternIndicators> found = IndicatorsFromStixPattern(c.pattern);
  ASSERT_TRUE(found.ok()) << c.pattern << ": " << found.status();
  EXPECT_EQ(Describe(*found), c.indicators) << c.pattern;
  for (const v1::Indicator& indicator : found->indicators) {
    EXPECT_TRUE(indicator.normalized().empty());
  }
}

void Check(const Refused& c) {
  absl::StatusOr<PatternIndicators> found = IndicatorsFromStixPattern(c.pattern);
  ASSERT_FALSE(found.ok()) << c.pattern << " read as " << Describe(*found);
  EXPECT_EQ(found.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_TRUE(absl::StrContains(found.status().message(), c.error))
      << c.pattern << ": " << found.status();
}

const std::string kSha256 = "aec070645fe53ee3b3763059376134f058cc337247c978add178b6ccdfb0019f";

TEST(StixPatternTest, ReadsWhatNexusCanRepresent) {
  const Readable cases[] = {
      {"[ipv4-addr:value = '198.51.100.1']", "any of: ipv4=198.51.100.1"},
      {"[ ipv4-addr:value = '10.0.0.0' ]", "any of: ipv4=10.0.0.0"},
      {"[ipv4-addr:value == '10.0.0.1']", "any of: ipv4=10.0.0.1"},
      {"[ipv6-addr:value = '2001:db8::1']", "any of: ipv6=2001:db8::1"},
      {"[ipv4-addr:value ISSUBSET '198.51.100.0/24']", "any of: ipv4=198.51.100.0/24"},
      {"[ipv6-addr:value ISSUBSET '2001:db8::/32']", "any of: ipv6=2001:db8::/32"},
      {"[domain-name:value = 'example.com']", "any of: domain=example.com"},
      {"[url:value = 'http://example.com/foo' OR url:value = 'http://example.com/bar']",
       "any of: url=http://example.com/foo url=http://example.com/bar"},
      {"[email-addr:value = 'jdoe@example.com']", "any of: email=jdoe@example.com"},
      {"[email-message:from_ref.value = 'a@example.com']", "any of: email=a@example.com"},
      {"[email-message:sender_ref.value = 'a@example.com']", "any of: email=a@example.com"},
      {"[email-message:to_refs[*].value = 'b@example.com']", "any of: email=b@example.com"},
      {"[email-message:cc_refs[0].value = 'c@example.com']", "any of: email=c@example.com"},
      {"[email-message:bcc_refs[*].value = 'd@example.com']", "any of: email=d@example.com"},
      {"[file:hashes.'SHA-256' = '" + kSha256 + "']", "any of: file-hash=" + kSha256},
      {"[file:hashes.MD5 = '79054025255fb1a26e4bc422aef54eb4']",
       "any of: file-hash=79054025255fb1a26e4bc422aef54eb4"},
      {"[file:hashes.'sha-1' = 'a'] OR [file:hashes.SHA1 = 'b'] OR [artifact:hashes.sha256 = 'c']"
       " OR [x509-certificate:hashes.'SHA-512' = 'd'] OR [file:hashes.SHA-256 = 'e']",
       "any of: file-hash=a file-hash=b file-hash=c file-hash=d file-hash=e"},
      {"[bank-account:iban = 'DE89370400440532013000']", "any of: iban=DE89370400440532013000"},
      {"[x-bank-account:iban_number = 'GB82WEST12345698765432']",
       "any of: iban=GB82WEST12345698765432"},
      {"[bank-account:account_number = '12345678']", "any of: bank-account=12345678"},
      {"[iban:value = 'FR7630006000011234567890189'] OR [x-iban:value = 'x']",
       "any of: iban=FR7630006000011234567890189 iban=x"},
      {"[cryptocurrency-wallet:address = '1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa']",
       "any of: crypto-wallet=1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa"},
      {"[x-cryptocurrency-wallet:value = 'w1'] OR [x-cryptocurrency-wallet:address = 'w2']",
       "any of: crypto-wallet=w1 crypto-wallet=w2"},
      {"[phone-number:value = '+33 6 12 34 56 78'] OR [x-phone-number:value = '0612']",
       "any of: phone=+33 6 12 34 56 78 phone=0612"},
      {"[x-nexus-vessel:value = 'IMO 9074729']", "any of: vessel=IMO 9074729"},
      {"[x-nexus-document-number:value = 'P1234567']", "any of: document-number=P1234567"},
      // IN is an OR of equalities.
      {"[ipv4-addr:value IN ('10.0.0.1', '10.0.0.2')]", "any of: ipv4=10.0.0.1 ipv4=10.0.0.2"},
      {"[ipv4-addr:value IN ('10.0.0.1') AND domain-name:value = 'a.example']",
       "all of: ipv4=10.0.0.1 domain=a.example"},
      // Joins: all OR or all AND, inside and across observations, with parentheses.
      {"[ipv4-addr:value = '10.0.0.1'] AND [domain-name:value = 'evil.example']",
       "all of: ipv4=10.0.0.1 domain=evil.example"},
      {"[domain-name:value = 'a.example' AND url:value = 'http://a.example/x'] AND "
       "([phone-number:value = '1'] AND [iban:value = '2'])",
       "all of: domain=a.example url=http://a.example/x phone=1 iban=2"},
      {"[domain-name:value = 'a.example'] OR ([domain-name:value = 'b.example'] OR "
       "[url:value = 'http://c.example/'])",
       "any of: domain=a.example domain=b.example url=http://c.example/"},
      {"[(ipv4-addr:value = '1.1.1.1' OR (ipv4-addr:value = '2.2.2.2'))]",
       "any of: ipv4=1.1.1.1 ipv4=2.2.2.2"},
      {"(((([url:value = 'http://x.example/']))))", "any of: url=http://x.example/"},
      // Escapes and white space.
      {R"([url:value = 'http://x.example/it\'s\\here'])",
       R"(any of: url=http://x.example/it's\here)"},
      {"[\n\tdomain-name:value\r\n=\n'example.org'\n]", "any of: domain=example.org"},
      {"[x-nexus-person:value = 'Zo\xc3\xab \xe6\x9d\x8e']",
       "any of: person=Zo\xc3\xab \xe6\x9d\x8e"},
      {"[ipv4-addr:'value' = '10.0.0.3']", "any of: ipv4=10.0.0.3"},
  };
  for (const auto& c : cases) Check(c);
}

TEST(StixPatternTest, SaysWhatCannotBeRepresented) {
  const Refused cases[] = {
      // The specification's examples (STIX 2.1 section 9.9).
      {"[ipv4-addr:value = '198.51.100.1/32' OR ipv4-addr:value = '203.0.113.33/32' OR "
       "ipv6-addr:value = '2001:0db8:dead:beef:dead:beef:dead:0001/128'] FOLLOWEDBY "
       "[domain-name:value = 'example.com'] WITHIN 600 SECONDS",
       "FOLLOWEDBY is not supported"},
      {"[domain-name:value = 'www.5z8.info' AND "
       "domain-name:resolves_to_refs[*].value = '198.51.100.1/32']",
       "comparison 2: 'domain-name:resolves_to_refs[*].value' has no nexus indicator type"},
      {"[file:hashes.'SHA-256' = '" + kSha256 + "' AND file:mime_type = 'application/x-pdf']",
       "comparison 2: 'file:mime_type' has no nexus indicator type"},
      {"[email-message:from_ref.value MATCHES '.+\\\\@example\\\\.com$' AND "
       "email-message:body_multipart[*].body_raw_ref.name MATCHES '^Final Report.+\\\\.exe$']",
       "comparison 1: operator MATCHES is not supported (on 'email-message:from_ref.value')"},
      {"[x509-certificate:issuer = 'CN=WEBMAIL' AND x509-certificate:serial_number = "
       "'4c:0b:1d:19:74:86:a7:66:b4:1a:bf:40:27:21:76:28']",
       "comparison 1: 'x509-certificate:issuer' has no nexus indicator type"},
      {"[windows-registry-key:key = 'HKEY_LOCAL_MACHINE\\\\System\\\\Foo\\\\Bar']",
       "'windows-registry-key:key' has no nexus indicator type"},
      {"[(file:name = 'pdf.exe' OR file:size = '371712') AND file:created = "
       "t'2014-01-13T07:03:17Z']",
       "comparison 1: 'file:name' has no nexus indicator type"},
      {"[email-message:sender_ref.value = 'jdoe@example.com' AND email-message:subject = "
       "'Conference Info']",
       "comparison 2: 'email-message:subject' has no nexus indicator type"},
      {"[x-usb-device:usbdrive.serial_number = '575833334F4B5943']",
       "'x-usb-device:usbdrive.serial_number' has no nexus indicator type"},
      {"[process:command_line MATCHES '^.+>-add GlobalSign.cer -c -s -r localMachine Root$'] "
       "FOLLOWEDBY [process:command_line MATCHES "
       "'^.+>-add GlobalSign.cer -c -s -r localMachineTrustedPublisher$'] WITHIN 300 SECONDS",
       "FOLLOWEDBY is not supported"},
      {"[network-traffic:dst_ref.type = 'ipv4-addr' AND network-traffic:dst_ref.value = "
       "'203.0.113.33/32']",
       "'network-traffic:dst_ref.type' has no nexus indicator type"},
      {"[domain-name:value = 'example.com'] REPEATS 5 TIMES WITHIN 1800 SECONDS",
       "qualifier REPEATS is not supported"},
      {"[url:value = 'http://x.example/'] WITHIN 60 SECONDS", "qualifier WITHIN is not supported"},
      {"[file:name = 'foo.dll'] START t'2016-06-01T00:00:00Z' STOP t'2016-07-01T00:00:00Z'",
       "qualifier START is not supported"},
      {"[file:extensions.'windows-pebinary-ext'.sections[*].entropy > 7.0]",
       "'file:extensions.windows-pebinary-ext.sections[*].entropy' has no nexus indicator type"},
      {"[user-account:account_type = 'unix' AND user-account:user_id = '1007']",
       "'user-account:account_type' has no nexus indicator type"},
      {"[artifact:mime_type = 'application/vnd.tcpdump.pcap' AND artifact:payload_bin MATCHES "
       "'\\\\xd4\\\\xc3\\\\xb2\\\\xa1\\\\x02\\\\x00\\\\x04\\\\x00']",
       "'artifact:mime_type' has no nexus indicator type"},
      {"[file:hashes.SSDEEP = '96:abc:def']", "hash algorithm 'SSDEEP' has no nexus form"},
      {"[file:hashes.'SHA3-256' = 'x']", "hash algorithm 'SHA3-256' has no nexus form"},
      {"[file:hashes.TLSH = 'x']", "hash algorithm 'TLSH' has no nexus form"},
      {"[file:name = 'x']", "comparison 1: 'file:name' has no nexus indicator type"},
      {"[x-nexus-unspecified:value = 'x']", "has no nexus indicator type"},
      {"[x-nexus-phone:number = 'x']", "has no nexus indicator type"},
      // Operators, NOT, EXISTS.
      {"[url:value MATCHES '^http']", "operator MATCHES is not supported (on 'url:value')"},
      {"[domain-name:value LIKE '%.evil.example']", "operator LIKE is not supported"},
      {"[ipv4-addr:value != '10.0.0.1']", "operator != is not supported"},
      {"[ipv4-addr:value <> '10.0.0.1']", "operator != is not supported"},
      {"[domain-name:value ISSUBSET 'example.com']", "operator ISSUBSET is not supported"},
      {"[ipv4-addr:value ISSUPERSET '10.0.0.0/8']", "operator ISSUPERSET is not supported"},
      {"[ipv4-addr:value NOT = '10.0.0.1']", "comparison 1: NOT is not supported"},
      {"[EXISTS ipv4-addr:value]", "comparison 1: EXISTS is not supported"},
      {"[ipv4-addr:value = 5]", "the value must be a string literal, found a number"},
      {"[ipv4-addr:value = true]", "found a boolean"},
      {"[ipv4-addr:value = h'0a000001']", "found a hex literal"},
      {"[ipv4-addr:value = b'CgAAAQ==']", "found a binary literal"},
      {"[ipv4-addr:value IN ()]", "IN needs at least one value"},
      {"[ipv4-addr:value IN ('10.0.0.1', 7)]", "found a number"},
      // Mixed joins.
      {"[ipv4-addr:value = '1.1.1.1' AND ipv4-addr:value = '2.2.2.2'] OR "
       "[ipv4-addr:value = '3.3.3.3']",
       "AND mixed with OR cannot be represented"},
      {"[ipv4-addr:value = '1.1.1.1' OR ipv4-addr:value = '2.2.2.2'] AND "
       "[ipv4-addr:value = '3.3.3.3']",
       "AND mixed with OR cannot be represented"},
      {"[ipv4-addr:value IN ('1.1.1.1', '2.2.2.2') AND domain-name:value = 'x.example']",
       "AND mixed with OR cannot be represented (comparison 1: IN with several values is an OR)"},
  };
  for (const auto& c : cases) Check(c);
}

TEST(StixPatternTest, SyntaxErrorsSayWhereAndWhat) {
  const Refused cases[] = {
      {"", "pattern is empty"},
      {"   ", "pattern is empty"},
      {"[url:value = 'x' OR url:value = 'y'",
       "syntax error at character 36: expected ']', found the end of the pattern"},
      {"[url:value = 'x'] OR", "syntax error at character 21: expected '[' or '('"},
      {"url:value = 'x'", "syntax error at character 1: expected '[' or '(', found 'url'"},
      {"[url:value = 'x']]", "syntax error at character 18: expected AND, OR, FOLLOWEDBY"},
      {"[url:value = 'x'", "expected ']'"},
      {"[url:value = 'x]", "syntax error at character 14: string is not closed"},
      {"[url:value = 'a\\nb']",
       "syntax error at character 16: a backslash in a string must be followed by \\ or '"},
      {"[]", "syntax error at character 2: expected an object type, found ']'"},
      {"[url = 'x']", "expected ':'"},
      {"[url: = 'x']", "expected a property name"},
      {"[url:value 'x']", "expected a comparison operator"},
      {"[url:value =]", "expected a literal"},
      {"[url:value = 'x' AND]", "expected an object type"},
      {"[email-message:to_refs[x].value = 'a']", "expected an index or '*'"},
      {"[url:value MATCHES 5]", "expected a string literal"},
      {"[url:value > true]", "expected a number, string, binary, hex or timestamp literal"},
      {"[url:value IN ('a' 'b')]", "expected ',' or ')'"},
      {"[url:value = 'x'] WITHIN SECONDS", "expected a positive number of seconds"},
      {"[url:value = 'x'] WITHIN -5 SECONDS", "expected a positive number of seconds"},
      {"[url:value = 'x'] WITHIN 5", "expected SECONDS"},
      {"[url:value = 'x'] REPEATS 2", "expected TIMES"},
      {"[url:value = 'x'] START t'2016-06-01T00:00:00Z'", "expected STOP"},
      {"[url:value = 'x'] START t'2016-06-01' STOP t'2016-07-01T00:00:00Z'", "invalid timestamp"},
      {"[url:value = b'abc']", "invalid base64"},
      {"[url:value = h'abc']", "invalid hex"},
      {"[url:value = 5x]", "invalid number"},
      {"[url:value = -]", "invalid number"},
      {"[url:value ! 'x']", "expected !="},
      {"[url:value = 'x'] $", "syntax error at character 19: unexpected character '$'"},
      {"[url:value = 'x'] \xc3\xa9", "syntax error at character 19: unexpected character"},
      {"[url:value = 'x'] and [url:value = 'y']", "expected AND, OR, FOLLOWEDBY or the end"},
      {"[url:value = 'x'] OR [url:value = 'y'] OR", "expected '[' or '('"},
  };
  for (const auto& c : cases) Check(c);
}

// The patterns of the STIX samples in shared/interop-data (oasis-open/cti-stix2-json-schemas
// examples), read from the bundles with the streaming reader.
TEST(StixPatternTest, ReadsTheInteropSamples) {
  const std::string data = testing::InteropDataDir();
  if (data.empty()) GTEST_SKIP() << testing::kNoInteropData;
  const std::filesystem::path dir = std::filesystem::path(data) / "stix";
  const std::map<std::string, std::pair<std::string, std::string>> expected = {
      {"[ipv4-addr:value = '10.0.0.0']", {"any of: ipv4=10.0.0.0", ""}},
      {"[ ipv4-addr:value = '10.0.0.0' ]", {"any of: ipv4=10.0.0.0", ""}},
      {"[file:hashes.'SHA-256' = "
       "'ef537f25c895bfa782526529a9b63d97aa631564d5d789c2b765448c8635fb6c']",
       {"any of: file-hash=ef537f25c895bfa782526529a9b63d97aa631564d5d789c2b765448c8635fb6c", ""}},
      {"[email-message:subject MATCHES '^[IMPORTANT] Please Review Before']",
       {"", "comparison 1: 'email-message:subject' has no nexus indicator type"}},
      {"[email-message:body_multipart[*].body_raw_ref.name MATCHES '^Final Report.+\\\\.exe$']",
       {"", "'email-message:body_multipart[*].body_raw_ref.name' has no nexus indicator type"}},
  };
  int patterns = 0;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    if (entry.path().extension() != ".json") continue;
    std::FILE* file = std::fopen(entry.path().c_str(), "r");
    ASSERT_NE(file, nullptr) << entry.path();
    absl::StatusOr<nlohmann::json> bundle =
        ReadJsonStream(file, {{"objects"}}, {}, [&](size_t, uint64_t, nlohmann::json&& object) {
          if (object.value("type", "") != "indicator") return absl::OkStatus();
          const std::string pattern = object.at("pattern").get<std::string>();
          auto it = expected.find(pattern);
          EXPECT_NE(it, expected.end()) << "a pattern the table does not know: " << pattern;
          if (it != expected.end()) {
            const auto& [indicators, error] = it->second;
            if (error.empty()) {
              Check(Readable{pattern, indicators});
            } else {
              Check(Refused{pattern, error});
            }
          }
          ++patterns;
          return absl::OkStatus();
        });
    std::fclose(file);
    ASSERT_TRUE(bundle.ok()) << entry.path() << ": " << bundle.status();
    EXPECT_EQ((*bundle)["type"], "bundle");
  }
  EXPECT_EQ(patterns, 6);
}

std::vector<v1::Indicator> Indicators(
    const std::vector<std::pair<IndicatorType, std::string>>& list) {
  std::vector<v1::Indicator> indicators;
  for (const auto& [type, value] : list) {
    v1::Indicator& indicator = indicators.emplace_back();
    indicator.set_type(type);
    indicator.set_value(value);
  }
  return indicators;
}

TEST(StixPatternTest, ExportsTheCanonicalForm) {
  EXPECT_EQ(StixPatternFromIndicators(Indicators({{v1::INDICATOR_TYPE_IPV4, "10.0.0.1"}}), false),
            "[ipv4-addr:value = '10.0.0.1']");
  EXPECT_EQ(
      StixPatternFromIndicators(Indicators({{v1::INDICATOR_TYPE_DOMAIN, "a.example"},
                                            {v1::INDICATOR_TYPE_FILE_HASH, std::string(40, 'a')},
                                            {v1::INDICATOR_TYPE_PHONE, "+33 6 12"}}),
                                true),
      "[domain-name:value = 'a.example'] AND [file:hashes.'SHA-1' = '" + std::string(40, 'a') +
          "'] AND [phone-number:value = '+33 6 12']");
  EXPECT_EQ(
      StixPatternFromIndicators(Indicators({{v1::INDICATOR_TYPE_URL, R"(http://x/it's\)"},
                                            {v1::INDICATOR_TYPE_FILE_HASH, std::string(32, 'F')},
                                            {v1::INDICATOR_TYPE_FILE_HASH, std::string(64, '0')},
                                            {v1::INDICATOR_TYPE_FILE_HASH, std::string(128, 'b')},
                                            {v1::INDICATOR_TYPE_FILE_HASH, "not-a-hash"}}),
                                false),
      R"([url:value = 'http://x/it\'s\\'] OR [file:hashes.'MD5' = ')" + std::string(32, 'F') +
          "'] OR [file:hashes.'SHA-256' = '" + std::string(64, '0') +
          "'] OR [file:hashes.'SHA-512' = '" + std::string(128, 'b') +
          "'] OR [x-nexus-file-hash:value = 'not-a-hash']");
}

TEST(StixPatternTest, ExportsOfEarlierVersionsStillReadBack) {
  // Before the customary forms were exported, every type without a STIX object was written as
  // x-nexus-<type>:value; bundles written then still import.
  absl::StatusOr<PatternIndicators> old = IndicatorsFromStixPattern(
      "[x-nexus-crypto-wallet:value = 'bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq'] OR "
      "[x-nexus-phone:value = '+33 6 12 34 56 78']");
  ASSERT_TRUE(old.ok()) << old.status();
  ASSERT_EQ(old->indicators.size(), 2u);
  EXPECT_EQ(old->indicators[0].type(), v1::INDICATOR_TYPE_CRYPTO_WALLET);
  EXPECT_EQ(old->indicators[1].type(), v1::INDICATOR_TYPE_PHONE);
}

TEST(StixPatternTest, EveryTypeRoundTrips) {
  const std::string awkward = R"(a'b\c\\'d '' \)";
  std::vector<std::pair<IndicatorType, std::string>> all;
  for (int number = v1::IndicatorType_MIN; number <= v1::IndicatorType_MAX; ++number) {
    if (!v1::IndicatorType_IsValid(number) || number == v1::INDICATOR_TYPE_UNSPECIFIED) continue;
    auto type = static_cast<IndicatorType>(number);
    const std::string value = type == v1::INDICATOR_TYPE_FILE_HASH
                                  ? std::string(64, 'e')
                                  : absl::StrCat(IndicatorTypeName(type), " ", awkward);
    all.emplace_back(type, value);
    all.emplace_back(type, absl::StrCat(value, "\xc3\xa9 2"));
  }
  all.emplace_back(v1::INDICATOR_TYPE_FILE_HASH, awkward);
  for (const auto& one : all) {
    std::vector<v1::Indicator> indicators = Indicators({one});
    absl::StatusOr<PatternIndicators> back =
        IndicatorsFromStixPattern(StixPatternFromIndicators(indicators, true));
    ASSERT_TRUE(back.ok()) << IndicatorTypeName(one.first) << ": " << back.status();
    ASSERT_EQ(back->indicators.size(), 1u);
    EXPECT_EQ(back->indicators[0].type(), one.first);
    EXPECT_EQ(back->indicators[0].value(), one.second);
    EXPECT_FALSE(back->all_of) << "a single comparison is neither AND nor OR";
  }
  for (bool all_of : {false, true}) {
    std::vector<v1::Indicator> indicators = Indicators(all);
    const std::string pattern = StixPatternFromIndicators(indicators, all_of);
    absl::StatusOr<PatternIndicators> back = IndicatorsFromStixPattern(pattern);
    ASSERT_TRUE(back.ok()) << back.status();
    EXPECT_EQ(back->all_of, all_of);
    ASSERT_EQ(back->indicators.size(), indicators.size());
    for (size_t i = 0; i < indicators.size(); ++i) {
      EXPECT_EQ(back->indicators[i].type(), indicators[i].type()) << i;
      EXPECT_EQ(back->indicators[i].value(), indicators[i].value()) << i;
    }
  }
}

// Broken and hostile patterns end in an error with a bounded, printable message.
TEST(StixPatternTest, MutationsAreErrorsNotCrashes) {
  const std::string good =
      "[ipv4-addr:value = '10.0.0.1' OR email-message:to_refs[*].value = 'a@b.example'] OR "
      "([file:hashes.'SHA-256' = '" +
      kSha256 + "'])";
  ASSERT_TRUE(IndicatorsFromStixPattern(good).ok());
  auto expect_error = [](const std::string& pattern, const std::string& part) {
    absl::StatusOr<PatternIndicators> found = IndicatorsFromStixPattern(pattern);
    ASSERT_FALSE(found.ok()) << EscapeForTerminal(pattern, 200);
    EXPECT_TRUE(absl::StrContains(found.status().message(), part))
        << EscapeForTerminal(pattern, 200) << ": " << found.status();
    EXPECT_LT(found.status().message().size(), 300u);
    // Nothing in it acts on a terminal.
    EXPECT_EQ(EscapeMessageForTerminal(found.status().message()), found.status().message());
    EXPECT_TRUE(IsValidUtf8(found.status().message()));
  };
  // Every single byte dropped, and every byte position cut: errors or a pattern that still
  // reads; never a crash.
  for (size_t i = 0; i < good.size(); ++i) {
    std::string dropped = good;
    dropped.erase(i, 1);
    (void)IndicatorsFromStixPattern(dropped);
    (void)IndicatorsFromStixPattern(good.substr(0, i));
  }
  expect_error(good.substr(1), "syntax error");
  expect_error(good.substr(0, good.size() - 1), "expected ')'");
  expect_error("[ipv4-addr:value = '10.0.0.1]", "string is not closed");
  expect_error("[ipv4-addr:value = 10.0.0.1']", "syntax error");
  // Deep parentheses stop at the limit, in both places they may appear.
  // (10,000 levels written out are over the length limit: see below.)
  expect_error(std::string(10000, '(') + "[url:value = 'x']", "parentheses nested deeper than 64");
  expect_error(std::string(8000, '(') + "[url:value = 'x']" + std::string(8000, ')'),
               "parentheses nested deeper than 64 (at character 65)");
  expect_error("[" + std::string(8000, '(') + "url:value = 'x'" + std::string(8000, ')') + "]",
               "parentheses nested deeper than 64 (at character 66)");
  expect_error(std::string(40000, '(') + "[url:value = 'x']" + std::string(40000, ')'),
               "pattern is 80017 bytes; the limit is 65536");
  std::string deep64 = std::string(64, '(') + "[url:value = 'x']" + std::string(64, ')');
  EXPECT_TRUE(IndicatorsFromStixPattern(deep64).ok());
  // Length: refused before parsing.
  std::string long_pattern = "[url:value = '" + std::string(100000, 'a') + "']";
  expect_error(long_pattern,
               absl::StrCat("pattern is ", long_pattern.size(), " bytes; the limit is 65536"));
  std::string at_limit = "[url:value = '" + std::string(kMaxStixPatternBytes - 16, 'a') + "']";
  ASSERT_EQ(at_limit.size(), kMaxStixPatternBytes);
  EXPECT_TRUE(IndicatorsFromStixPattern(at_limit).ok());
  // Embedded NUL, controls, invalid UTF-8 (in a literal and outside).
  expect_error(std::string("[url:value = 'a\0b']", 19), "control character (at character 16)");
  expect_error(std::string("[url:value = 'x']\0", 18), "control character");
  expect_error("[url:value = '\x1b[31m']", "control character");
  expect_error("[url:value = 'caf\xc3']", "not valid UTF-8 (at character 18)");
  expect_error("[url:value = '\xff']", "not valid UTF-8");
  expect_error("[url:value = '\xc0\xaf']", "not valid UTF-8");
  expect_error("[url:value = '\xed\xa0\x80']", "not valid UTF-8");
  // A hostile path or token is quoted, escaped and bounded in the message.
  expect_error("[x-" + std::string(5000, 'a') + ":value = 'x']", "has no nexus indicator type");
  expect_error("[url:value = 'x'] " + std::string(5000, 'Z'), "found 'ZZZ");
}

}  // namespace
}  // namespace nexus
