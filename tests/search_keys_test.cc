// Which index keys a search looks up, in which order.
#include "server/search_keys.h"

#include <gtest/gtest.h>

namespace nexus {
namespace {

TEST(SearchKeys, AnAddressThenItsRangesFromTheNarrowest) {
  absl::StatusOr<std::vector<SearchKey>> keys =
      SearchKeys(v1::INDICATOR_TYPE_IPV4, " 223.167.255.1 ");
  ASSERT_TRUE(keys.ok()) << keys.status();
  ASSERT_EQ(keys->size(), 33u);
  EXPECT_EQ((*keys)[0].normalized, "223.167.255.1");
  EXPECT_EQ((*keys)[1].normalized, "223.167.255.0/31");
  EXPECT_EQ((*keys)[17].normalized, "223.166.0.0/15");
  EXPECT_EQ((*keys)[32].normalized, "0.0.0.0/0");
  for (const SearchKey& key : *keys) EXPECT_EQ(key.type, v1::INDICATOR_TYPE_IPV4);

  keys = SearchKeys(v1::INDICATOR_TYPE_IPV6, "2001:db8::1");
  ASSERT_TRUE(keys.ok()) << keys.status();
  ASSERT_EQ(keys->size(), 129u);
  EXPECT_EQ((*keys)[0].normalized, "2001:db8::1");
  EXPECT_EQ((*keys)[96].normalized, "2001:db8::/32");
}

TEST(SearchKeys, ARangeThenTheWiderRangesFromTheNarrowest) {
  absl::StatusOr<std::vector<SearchKey>> keys =
      SearchKeys(v1::INDICATOR_TYPE_IPV4, "223.167.1.2/15");
  ASSERT_TRUE(keys.ok()) << keys.status();
  ASSERT_EQ(keys->size(), 16u);
  EXPECT_EQ((*keys)[0].normalized, "223.166.0.0/15");
  EXPECT_EQ((*keys)[1].normalized, "223.164.0.0/14");
  EXPECT_EQ((*keys)[15].normalized, "0.0.0.0/0");
}

TEST(SearchKeys, WithoutATypeEveryTypeTheValueIsValidFor) {
  absl::StatusOr<std::vector<SearchKey>> keys =
      SearchKeys(v1::INDICATOR_TYPE_UNSPECIFIED, "+33 6 12 34 56 78");
  ASSERT_TRUE(keys.ok()) << keys.status();
  ASSERT_FALSE(keys->empty());
  EXPECT_EQ((*keys)[0].type, v1::INDICATOR_TYPE_PHONE);
  EXPECT_EQ((*keys)[0].normalized, "+33612345678");
  for (const SearchKey& key : *keys) {
    EXPECT_NE(key.type, v1::INDICATOR_TYPE_IPV4);
    EXPECT_NE(key.type, v1::INDICATOR_TYPE_IPV6);
  }
}

TEST(SearchKeys, AValueValidForNoTypeIsRefusedWithTheFirstReason) {
  absl::StatusOr<std::vector<SearchKey>> keys =
      SearchKeys(v1::INDICATOR_TYPE_IPV4, "223.167.1.2/33");
  ASSERT_FALSE(keys.ok());
  EXPECT_EQ(keys.status().message(),
            "invalid IPv4 network '223.167.1.2/33': prefix length must be 0 to 32");
  EXPECT_TRUE(absl::IsInvalidArgument(SearchKeys(v1::INDICATOR_TYPE_UNSPECIFIED, "   ").status()));
}

}  // namespace
}  // namespace nexus
