#include "common/indicator_normalizer.h"

#include <gtest/gtest.h>

namespace nexus {
namespace {

struct Case {
  v1::IndicatorType type;
  std::string value;
  std::string normalized;  // empty: must be rejected
  std::string error = "";  // expected message when rejected, if checked
};

class NormalizeTest : public ::testing::TestWithParam<Case> {};

TEST_P(NormalizeTest, NormalizesOrRejects) {
  const Case& c = GetParam();
  absl::StatusOr<std::string> got = NormalizeIndicator(c.type, c.value);
  if (c.normalized.empty()) {
    ASSERT_FALSE(got.ok()) << c.value << " -> " << *got;
    EXPECT_EQ(got.status().code(), absl::StatusCode::kInvalidArgument);
    if (!c.error.empty()) {
      EXPECT_EQ(got.status().message(), c.error);
    }
  } else {
    ASSERT_TRUE(got.ok()) << c.value << ": " << got.status();
    EXPECT_EQ(*got, c.normalized);
  }
}

INSTANTIATE_TEST_SUITE_P(
    Indicators, NormalizeTest,
    ::testing::Values(
        Case{v1::INDICATOR_TYPE_PHONE, "+33 6 12 34 56 78", "+33612345678"},
        Case{v1::INDICATOR_TYPE_PHONE, "0033 (6) 12-34-56-78", "+33612345678"},
        Case{v1::INDICATOR_TYPE_PHONE, "06.12.34.56.78", "0612345678"},
        Case{v1::INDICATOR_TYPE_PHONE, "call me", "", "invalid phone number 'call me'"},
        Case{v1::INDICATOR_TYPE_PHONE, "+1234567890123456", ""},
        Case{v1::INDICATOR_TYPE_EMAIL, " Commander.X@Mail.Example.COM ",
             "commander.x@mail.example.com"},
        Case{v1::INDICATOR_TYPE_EMAIL, "no-at-sign.example.com", ""},
        Case{v1::INDICATOR_TYPE_EMAIL, "a@b@example.com", ""},
        Case{v1::INDICATOR_TYPE_DOMAIN, "Evil.Example.ORG.", "evil.example.org"},
        Case{v1::INDICATOR_TYPE_DOMAIN, "localhost", ""},
        Case{v1::INDICATOR_TYPE_DOMAIN, "-bad.example", ""},
        Case{v1::INDICATOR_TYPE_IPV4, "203.0.113.7", "203.0.113.7"},
        Case{v1::INDICATOR_TYPE_IPV4, "300.1.1.1", "", "invalid IPv4 address '300.1.1.1'"},
        Case{v1::INDICATOR_TYPE_IPV4, "1.2.3", ""},
        Case{v1::INDICATOR_TYPE_IPV6, "2001:DB8:0:0:0:0:0:1", "2001:db8::1"},
        Case{v1::INDICATOR_TYPE_IPV6, "2001:db8::g", ""},
        Case{v1::INDICATOR_TYPE_URL, "HTTPS://Example.ORG/Path?Q=1",
             "https://example.org/Path?Q=1"},
        Case{v1::INDICATOR_TYPE_URL, "http://example.org", "http://example.org/"},
        Case{v1::INDICATOR_TYPE_URL, "example.org/path", ""},
        Case{v1::INDICATOR_TYPE_CRYPTO_WALLET, "BC1QAR0SRRR7XFKVY5L643LYDNW9RE59GTZZWF5MDQ",
             "bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq"},
        Case{v1::INDICATOR_TYPE_CRYPTO_WALLET, "1BoatSLRHtKNngkdXEeobR76b53LETtpyT",
             "1BoatSLRHtKNngkdXEeobR76b53LETtpyT"},
        Case{v1::INDICATOR_TYPE_CRYPTO_WALLET, "short", ""},
        Case{v1::INDICATOR_TYPE_IBAN, "de89 3704 0044 0532 0130 00", "DE89370400440532013000"},
        Case{v1::INDICATOR_TYPE_IBAN, "DE88 3704 0044 0532 0130 00", "",
             "invalid IBAN 'DE88 3704 0044 0532 0130 00': check digits do not match"},
        Case{v1::INDICATOR_TYPE_BANK_ACCOUNT, "12-345 678/9", "123456789"},
        Case{v1::INDICATOR_TYPE_DOCUMENT_NUMBER, "p-1234 5678", "P12345678"},
        Case{v1::INDICATOR_TYPE_DOCUMENT_NUMBER, "P#1", ""},
        Case{v1::INDICATOR_TYPE_VEHICLE, "ab-123-cd", "AB123CD"},
        Case{v1::INDICATOR_TYPE_VESSEL, "imo 9074729", "IMO9074729"},
        Case{v1::INDICATOR_TYPE_VESSEL, "IMO 9074728", "",
             "invalid IMO number 'IMO 9074728': check digit does not match"},
        Case{v1::INDICATOR_TYPE_VESSEL, "  Sea   Star ", "SEA STAR"},
        Case{v1::INDICATOR_TYPE_ORGANIZATION, "  Sahara   Logistics  SARL ",
             "sahara logistics sarl"},
        Case{v1::INDICATOR_TYPE_PERSON, "Jean\tDUPONT", "jean dupont"},
        Case{v1::INDICATOR_TYPE_LOCATION, "Port of Lomé", "port of lomé"},
        Case{v1::INDICATOR_TYPE_FILE_HASH,
             "E3B0C44298FC1C149AFBF4C8996FB92427AE41E4649B934CA495991B7852B855",
             "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"},
        Case{v1::INDICATOR_TYPE_FILE_HASH, "abc", "",
             "invalid file hash 'abc': expected 32, 40, 64 or 128 hex digits, found 3"},
        Case{v1::INDICATOR_TYPE_PERSON, std::string("nul\0byte", 8), "",
             "value contains a control character"},
        Case{v1::INDICATOR_TYPE_PERSON, "   ", "", "value is empty"},
        Case{v1::INDICATOR_TYPE_UNSPECIFIED, "x", "", "type is required"}),
    [](const ::testing::TestParamInfo<Case>& info) {
      std::string name = IndicatorTypeName(info.param.type) + "_" + std::to_string(info.index);
      for (char& c : name) {
        if (c == '-') c = '_';
      }
      return name;
    });

TEST(IndicatorTypeNames, RoundTrip) {
  for (int t = v1::IndicatorType_MIN + 1; t <= v1::IndicatorType_MAX; ++t) {
    auto type = static_cast<v1::IndicatorType>(t);
    v1::IndicatorType parsed;
    ASSERT_TRUE(ParseIndicatorType(IndicatorTypeName(type), &parsed)) << t;
    EXPECT_EQ(parsed, type);
    ASSERT_TRUE(ParseIndicatorType(v1::IndicatorType_Name(type), &parsed));
    EXPECT_EQ(parsed, type);
  }
  v1::IndicatorType parsed;
  EXPECT_FALSE(ParseIndicatorType("telepathy", &parsed));
}

}  // namespace
}  // namespace nexus
