// TAXII 2.1 content negotiation, error resources and timestamps (server/taxii/taxii_media.h).
#include "server/taxii/taxii_media.h"

#include <gtest/gtest.h>

#include "nlohmann/json.hpp"

namespace nexus {
namespace {

TEST(TaxiiMediaTest, AcceptAdmitsTaxii21AndWildcardsOnly) {
  EXPECT_TRUE(AcceptsTaxii("application/taxii+json;version=2.1"));
  EXPECT_TRUE(AcceptsTaxii("application/taxii+json; version=\"2.1\""));
  EXPECT_TRUE(AcceptsTaxii("Application/TAXII+JSON"));
  EXPECT_TRUE(AcceptsTaxii("text/html, application/taxii+json;version=2.1;q=0.9"));
  EXPECT_TRUE(AcceptsTaxii("*/*"));
  EXPECT_TRUE(AcceptsTaxii(""));  // no Accept: anything (RFC 9110)
  EXPECT_FALSE(AcceptsTaxii("application/json"));
  EXPECT_FALSE(AcceptsTaxii("application/taxii+json;version=2.0"));
  EXPECT_FALSE(AcceptsTaxii("application/stix+json;version=2.1"));
  EXPECT_FALSE(AcceptsTaxii(";;;,,"));
}

TEST(TaxiiMediaTest, ContentTypeMustBeTaxii21) {
  EXPECT_TRUE(IsTaxiiContentType("application/taxii+json;version=2.1"));
  EXPECT_TRUE(IsTaxiiContentType("application/taxii+json"));
  EXPECT_FALSE(IsTaxiiContentType("application/json"));
  EXPECT_FALSE(IsTaxiiContentType("*/*"));
  EXPECT_FALSE(IsTaxiiContentType(""));
}

TEST(TaxiiMediaTest, ErrorsAreTheSpecsErrorResource) {
  TaxiiResponse error = TaxiiError(413, "Too large", "the body is 9 bytes, over the 8");
  EXPECT_EQ(error.http_status, 413);
  EXPECT_EQ(error.content_type, kTaxiiMediaType);
  nlohmann::json body = nlohmann::json::parse(error.body);
  EXPECT_EQ(body["title"], "Too large");
  EXPECT_EQ(body["http_status"], "413");
  EXPECT_EQ(body["description"], "the body is 9 bytes, over the 8");
  // Hostile bytes in a description (they quote the request) still make valid JSON.
  EXPECT_FALSE(nlohmann::json::parse(TaxiiError(400, "x", "\xff\xfe\"\\").body, nullptr, false)
                   .is_discarded());
}

TEST(TaxiiMediaTest, TimestampsKeepEveryMicrosecond) {
  EXPECT_EQ(TaxiiTimestamp(1), "1970-01-01T00:00:00.000001Z");
  EXPECT_EQ(TaxiiTimestamp(1767225600000000), "2026-01-01T00:00:00.000000Z");
  EXPECT_EQ(*ParseTaxiiTimestamp(TaxiiTimestamp(1767225600123456), "added_after"),
            1767225600123456);
  absl::StatusOr<int64_t> bad = ParseTaxiiTimestamp("yesterday", "added_after");
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("added_after 'yesterday'"), std::string::npos)
      << bad.status();
}

}  // namespace
}  // namespace nexus
