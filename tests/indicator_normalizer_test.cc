#include "common/indicator_normalizer.h"

#include <gtest/gtest.h>

#include <algorithm>

#include "absl/strings/match.h"

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
        // Network ranges: the network address with the host bits cleared, then the prefix.
        Case{v1::INDICATOR_TYPE_IPV4, "223.166.0.0/15", "223.166.0.0/15"},
        Case{v1::INDICATOR_TYPE_IPV4, " 10.1.2.3/8 ", "10.0.0.0/8"},
        Case{v1::INDICATOR_TYPE_IPV4, "223.167.255.255/15", "223.166.0.0/15"},
        Case{v1::INDICATOR_TYPE_IPV4, "1.2.3.4/0", "0.0.0.0/0"},
        Case{v1::INDICATOR_TYPE_IPV4, "1.2.3.5/31", "1.2.3.4/31"},
        Case{v1::INDICATOR_TYPE_IPV4, "1.2.3.4/32", "1.2.3.4"},  // a full prefix: the address
        Case{v1::INDICATOR_TYPE_IPV4, "1.2.3.4/33", "",
             "invalid IPv4 network '1.2.3.4/33': prefix length must be 0 to 32"},
        Case{v1::INDICATOR_TYPE_IPV4, "1.2.3.4/99999999999999999999", "",
             "invalid IPv4 network '1.2.3.4/99999999999999999999': prefix length must be 0 to 32"},
        Case{v1::INDICATOR_TYPE_IPV4, "1.2.3.4/-1", "",
             "invalid IPv4 network '1.2.3.4/-1': prefix length must be 0 to 32, in decimal digits"},
        Case{v1::INDICATOR_TYPE_IPV4, "1.2.3.4/+8", "",
             "invalid IPv4 network '1.2.3.4/+8': prefix length must be 0 to 32, in decimal digits"},
        Case{v1::INDICATOR_TYPE_IPV4, "1.2.3.4/ 8", "",
             "invalid IPv4 network '1.2.3.4/ 8': prefix length must be 0 to 32, in decimal digits"},
        Case{v1::INDICATOR_TYPE_IPV4, "1.2.3.4/8/8", ""},
        Case{v1::INDICATOR_TYPE_IPV4, "1.2.3.4/0x8", ""},
        Case{v1::INDICATOR_TYPE_IPV4, "1.2.3.4/", "",
             "invalid IPv4 network '1.2.3.4/': prefix length is missing after '/'"},
        // A leading zero is refused, as inet_pton refuses "01.2.3.4": "010" reads as octal 8 to
        // some tools and as 10 to others.
        Case{v1::INDICATOR_TYPE_IPV4, "1.2.3.4/08", "",
             "invalid IPv4 network '1.2.3.4/08': prefix length must not start with 0"},
        Case{v1::INDICATOR_TYPE_IPV4, "1.2.3.4/00", ""},
        Case{v1::INDICATOR_TYPE_IPV4, "1.2.3.4 /8", "",
             "invalid IPv4 network '1.2.3.4 /8': the part before '/' is not an IPv4 address"},
        Case{v1::INDICATOR_TYPE_IPV4, "/8", ""}, Case{v1::INDICATOR_TYPE_IPV4, "1.2.3/8", ""},
        Case{v1::INDICATOR_TYPE_IPV4, "1.2.3.4/120", ""},  // an IPv6 length on an IPv4 address
        Case{v1::INDICATOR_TYPE_IPV6, "2001:DB8::/32", "2001:db8::/32"},
        Case{v1::INDICATOR_TYPE_IPV6, "2001:db8:1234::1/32", "2001:db8::/32"},
        Case{v1::INDICATOR_TYPE_IPV6, "2001:db8::1/127", "2001:db8::/127"},
        Case{v1::INDICATOR_TYPE_IPV6, "2001:db8::1/128", "2001:db8::1"},
        Case{v1::INDICATOR_TYPE_IPV6, "2001:db8::1/0", "::/0"},
        Case{v1::INDICATOR_TYPE_IPV6, "2001:db8::1/129", "",
             "invalid IPv6 network '2001:db8::1/129': prefix length must be 0 to 128"},
        Case{v1::INDICATOR_TYPE_IPV6, "1.2.3.4/8", "",
             "invalid IPv6 network '1.2.3.4/8': the part before '/' is not an IPv6 address"},
        Case{v1::INDICATOR_TYPE_IPV6, "fe80::1%eth0/64", ""},  // a zone is local to one host
        // An IPv4-mapped IPv6 address is an IPv6 indicator: it neither is nor matches an IPv4 one.
        Case{v1::INDICATOR_TYPE_IPV6, "::FFFF:1.2.3.4/120", "::ffff:1.2.3.0/120"},
        Case{v1::INDICATOR_TYPE_IPV4, "::ffff:1.2.3.4", "",
             "invalid IPv4 address '::ffff:1.2.3.4'"},
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

TEST(ContainingNetworks, EveryRangeOfAnIpv4AddressFromSlash0To31) {
  std::vector<std::string> networks = ContainingNetworks(v1::INDICATOR_TYPE_IPV4, "223.167.255.1");
  ASSERT_EQ(networks.size(), 32u);
  EXPECT_EQ(networks[0], "0.0.0.0/0");
  EXPECT_EQ(networks[1], "128.0.0.0/1");
  EXPECT_EQ(networks[8], "223.0.0.0/8");
  EXPECT_EQ(networks[15], "223.166.0.0/15");
  EXPECT_EQ(networks[16], "223.167.0.0/16");
  EXPECT_EQ(networks[24], "223.167.255.0/24");
  EXPECT_EQ(networks[31], "223.167.255.0/31");
}

TEST(ContainingNetworks, EveryRangeOfAnIpv6AddressFromSlash0To127) {
  std::vector<std::string> networks = ContainingNetworks(v1::INDICATOR_TYPE_IPV6, "2001:db8::1");
  ASSERT_EQ(networks.size(), 128u);
  EXPECT_EQ(networks[0], "::/0");
  EXPECT_EQ(networks[3], "2000::/3");
  EXPECT_EQ(networks[32], "2001:db8::/32");
  EXPECT_EQ(networks[127], "2001:db8::/127");
}

// Each network is exactly what the normalizer makes of "address/prefix", so a search for the
// address meets the index key a record carrying the range was stored under.
TEST(ContainingNetworks, AgreeWithTheNormalFormOfEachRange) {
  const std::pair<v1::IndicatorType, std::string> addresses[] = {
      {v1::INDICATOR_TYPE_IPV4, "0.0.0.0"},
      {v1::INDICATOR_TYPE_IPV4, "255.255.255.255"},
      {v1::INDICATOR_TYPE_IPV4, "10.200.3.77"},
      {v1::INDICATOR_TYPE_IPV6, "::"},
      {v1::INDICATOR_TYPE_IPV6, "::ffff:1.2.3.4"},
      {v1::INDICATOR_TYPE_IPV6, "fe80::1:2:3:4"},
      {v1::INDICATOR_TYPE_IPV6, "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff"},
  };
  for (const auto& [type, address] : addresses) {
    std::vector<std::string> networks = ContainingNetworks(type, address);
    ASSERT_EQ(networks.size(), type == v1::INDICATOR_TYPE_IPV4 ? 32u : 128u) << address;
    for (size_t prefix = 0; prefix < networks.size(); ++prefix) {
      absl::StatusOr<std::string> normal =
          NormalizeIndicator(type, address + "/" + std::to_string(prefix));
      ASSERT_TRUE(normal.ok()) << normal.status();
      EXPECT_EQ(networks[prefix], *normal) << address << "/" << prefix;
      EXPECT_EQ(NormalizeIndicator(type, networks[prefix]).value(), networks[prefix]);
    }
  }
}

// Mutation probes: an address just outside a range must not be given it; another type or text
// that is not an address gets nothing.
TEST(ContainingNetworks, NothingOutsideTheRangeOrForWhatIsNotAnAddress) {
  for (const char* outside : {"223.168.0.1", "223.165.255.255", "222.167.255.1"}) {
    std::vector<std::string> networks = ContainingNetworks(v1::INDICATOR_TYPE_IPV4, outside);
    EXPECT_EQ(std::count(networks.begin(), networks.end(), "223.166.0.0/15"), 0) << outside;
  }
  std::vector<std::string> v6 = ContainingNetworks(v1::INDICATOR_TYPE_IPV6, "2001:db9::1");
  EXPECT_EQ(std::count(v6.begin(), v6.end(), "2001:db8::/32"), 0);
  // A range is contained in the wider ranges of its network, and in no narrower or other one.
  std::vector<std::string> wider = ContainingNetworks(v1::INDICATOR_TYPE_IPV4, "223.166.0.0/16");
  ASSERT_EQ(wider.size(), 16u);
  EXPECT_EQ(wider[15], "223.166.0.0/15");
  EXPECT_EQ(wider[8], "223.0.0.0/8");
  EXPECT_EQ(std::count(wider.begin(), wider.end(), "223.166.0.0/16"), 0);
  EXPECT_EQ(ContainingNetworks(v1::INDICATOR_TYPE_IPV4, "223.168.0.0/16")[15], "223.168.0.0/15");
  EXPECT_EQ(ContainingNetworks(v1::INDICATOR_TYPE_IPV6, "2001:db8::/32").size(), 32u);
  EXPECT_TRUE(ContainingNetworks(v1::INDICATOR_TYPE_IPV4, "0.0.0.0/0").empty());
  EXPECT_TRUE(ContainingNetworks(v1::INDICATOR_TYPE_IPV4, "1.2.3.0/33").empty());
  EXPECT_TRUE(ContainingNetworks(v1::INDICATOR_TYPE_IPV4, "1.2.3.0/x").empty());
  EXPECT_TRUE(ContainingNetworks(v1::INDICATOR_TYPE_IPV4, "2001:db8::1").empty());
  EXPECT_TRUE(ContainingNetworks(v1::INDICATOR_TYPE_IPV6, "1.2.3.4").empty());
  EXPECT_TRUE(ContainingNetworks(v1::INDICATOR_TYPE_PHONE, "1.2.3.4").empty());
  EXPECT_TRUE(ContainingNetworks(v1::INDICATOR_TYPE_IPV4, "").empty());
  EXPECT_TRUE(ContainingNetworks(static_cast<v1::IndicatorType>(99), "1.2.3.4").empty());
}

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

namespace nexus {
namespace {

// Structured forms are found by their parts: the index keys and search keys both add them.
TEST(IndexAliasesTest, AVehicleByItsPlateOrItsVin) {
  auto vehicle =
      NormalizeIndicator(v1::INDICATOR_TYPE_VEHICLE, "plate: AB-123-CD; VIN 1hgcm82633a004352");
  ASSERT_TRUE(vehicle.ok()) << vehicle.status();
  EXPECT_EQ(*vehicle, "PLATE:AB123CD VIN:1HGCM82633A004352");
  EXPECT_EQ(IndexAliases(v1::INDICATOR_TYPE_VEHICLE, *vehicle),
            (std::vector<std::string>{"AB123CD", "1HGCM82633A004352"}));
  EXPECT_TRUE(MatchesKey(v1::INDICATOR_TYPE_VEHICLE, *vehicle,
                         *NormalizeIndicator(v1::INDICATOR_TYPE_VEHICLE, "ab 123 cd")));
  // A plain code stays what it was; a VIN with an I is no VIN.
  EXPECT_EQ(*NormalizeIndicator(v1::INDICATOR_TYPE_VEHICLE, "AB-123-CD"), "AB123CD");
  EXPECT_TRUE(IndexAliases(v1::INDICATOR_TYPE_VEHICLE, "AB123CD").empty());
  EXPECT_FALSE(NormalizeIndicator(v1::INDICATOR_TYPE_VEHICLE, "vin 1HGCM82633A00435I").ok());
  EXPECT_FALSE(NormalizeIndicator(v1::INDICATOR_TYPE_VEHICLE, "plate AB plate CD").ok());
}

TEST(IndexAliasesTest, AVesselByItsImoNumberOrItsName) {
  auto vessel = NormalizeIndicator(v1::INDICATOR_TYPE_VESSEL, "MV Ocean Star (IMO 9074729)");
  ASSERT_TRUE(vessel.ok()) << vessel.status();
  EXPECT_EQ(IndexAliases(v1::INDICATOR_TYPE_VESSEL, *vessel),
            (std::vector<std::string>{"IMO9074729", "OCEAN STAR"}));
  EXPECT_TRUE(MatchesKey(v1::INDICATOR_TYPE_VESSEL, *vessel,
                         *NormalizeIndicator(v1::INDICATOR_TYPE_VESSEL, "imo 9074729")));
  EXPECT_TRUE(MatchesKey(v1::INDICATOR_TYPE_VESSEL, *vessel,
                         *NormalizeIndicator(v1::INDICATOR_TYPE_VESSEL, "ocean star")));
  // An IMO number whose check digit fails is no IMO key.
  auto wrong = NormalizeIndicator(v1::INDICATOR_TYPE_VESSEL, "Ocean Star IMO 9074728");
  ASSERT_TRUE(wrong.ok());
  for (const std::string& alias : IndexAliases(v1::INDICATOR_TYPE_VESSEL, *wrong)) {
    EXPECT_FALSE(absl::StartsWith(alias, "IMO")) << alias;
  }
}

TEST(IndexAliasesTest, AnOrganizationByItsNameWithoutItsLegalForm) {
  auto company = NormalizeIndicator(v1::INDICATOR_TYPE_ORGANIZATION, "Sahel Trading S.A.R.L");
  ASSERT_TRUE(company.ok());
  auto plain = NormalizeIndicator(v1::INDICATOR_TYPE_ORGANIZATION, "Sahel Trading SARL");
  ASSERT_TRUE(plain.ok());
  EXPECT_EQ(IndexAliases(v1::INDICATOR_TYPE_ORGANIZATION, *plain),
            std::vector<std::string>{"sahel trading"});
  EXPECT_TRUE(MatchesKey(v1::INDICATOR_TYPE_ORGANIZATION, *plain, "sahel trading"));
  // A name that is only a legal form keeps it; other types have no aliases.
  EXPECT_TRUE(IndexAliases(v1::INDICATOR_TYPE_ORGANIZATION, "sarl").empty());
  EXPECT_TRUE(IndexAliases(v1::INDICATOR_TYPE_PERSON, "jean dupont sa").empty());
}

}  // namespace
}  // namespace nexus
