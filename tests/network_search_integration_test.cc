// A search for an IPv4 or IPv6 address finds the records that carry a network range containing
// it, through a real nexusd over mTLS, under a sharing policy: each hit names the range that
// matched, and a range the policy withholds from a reader is no hit for it.
#include <gtest/gtest.h>

#include <fstream>
#include <map>
#include <set>

#include "absl/strings/str_cat.h"
#include "client/nexus_client.h"
#include "common/record_seal.h"
#include "tests/test_support.h"

namespace nexus {
namespace {

using testing::ClientFor;
using testing::SampleDraft;

// agency-b (region-west) receives records without their IPv4 indicators; agency-c (region-east)
// receives them whole.
constexpr char kPolicy[] = R"(name: "network search"
rules { id: "west-without-ipv4" effect: EFFECT_PERMIT recipient { groups: "region-west" }
        redact { indicator_types: INDICATOR_TYPE_IPV4 } }
rules { id: "east-whole" effect: EFFECT_PERMIT recipient { groups: "region-east" } }
)";

class NetworkSearchTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(keys_.AddDirectory(testing::TestPki() + "/keys").ok());
    node_ = std::make_unique<testing::NexusdProcess>(
        testing::WriteNodeConfigWithPolicy(dir_.path(), "agency-a", kPolicy));
    ASSERT_TRUE(node_->ok()) << node_->ReadLog();
    for (const char* agency : {"agency-a", "agency-b", "agency-c"}) {
      auto client = NexusClient::Create(ClientFor(node_->address(), agency));
      ASSERT_TRUE(client.ok()) << client.status();
      clients_[agency] = *std::move(client);
    }
    // The IPv4 range is entered with host bits set, as shared data often writes it.
    auto results =
        clients_["agency-a"]->Publish({SampleDraft({{v1::INDICATOR_TYPE_IPV4, "223.167.9.9/15"}}),
                                       SampleDraft({{v1::INDICATOR_TYPE_IPV6, "2001:DB8::/32"}}),
                                       SampleDraft({{v1::INDICATOR_TYPE_IPV4, "223.167.255.1"}})});
    ASSERT_TRUE(results.ok()) << results.status();
    for (const v1::PublishResult& result : *results) {
      ASSERT_EQ(result.outcome(), v1::PUBLISH_OUTCOME_STORED) << result.error();
    }
    v4_range_ = (*results)[0].id();
    v6_range_ = (*results)[1].id();
    v4_address_ = (*results)[2].id();
  }

  // What `agency` finds for `value`: record id -> the normalized indicator that matched.
  std::map<std::string, std::string> Found(const std::string& agency, const std::string& value,
                                           v1::IndicatorType type = v1::INDICATOR_TYPE_UNSPECIFIED,
                                           bool include_revoked = false) {
    v1::SearchRequest search;
    search.set_value(value);
    search.set_type(type);
    search.set_include_revoked(include_revoked);
    auto response = clients_[agency]->Search(search);
    EXPECT_TRUE(response.ok()) << response.status();
    std::map<std::string, std::string> found;
    if (!response.ok()) return found;
    EXPECT_FALSE(response->truncated());
    for (const v1::SearchHit& hit : response->hits()) {
      auto opened = OpenRecord(hit.record(), keys_);  // still verifies against the origin's key
      EXPECT_TRUE(opened.ok()) << opened.status();
      if (opened.ok()) found[opened->record.id()] = hit.normalized();
    }
    return found;
  }

  testing::TempDir dir_;
  Keyring keys_;
  std::unique_ptr<testing::NexusdProcess> node_;
  std::map<std::string, std::unique_ptr<NexusClient>> clients_;
  std::string v4_range_, v6_range_, v4_address_;
};

TEST_F(NetworkSearchTest, AnIpv4AddressFindsTheRangeThatContainsIt) {
  using Hits = std::map<std::string, std::string>;
  EXPECT_EQ(Found("agency-a", "223.167.255.1", v1::INDICATOR_TYPE_IPV4),
            (Hits{{v4_range_, "223.166.0.0/15"}, {v4_address_, "223.167.255.1"}}));
  // Without a type the value is tried as every type; the IPv4 keys still find both.
  EXPECT_EQ(Found("agency-a", "223.167.255.1"),
            (Hits{{v4_range_, "223.166.0.0/15"}, {v4_address_, "223.167.255.1"}}));
  EXPECT_EQ(Found("agency-a", "223.166.0.0"), (Hits{{v4_range_, "223.166.0.0/15"}}));
  // Just outside the range, on either side.
  EXPECT_TRUE(Found("agency-a", "223.168.0.1", v1::INDICATOR_TYPE_IPV4).empty());
  EXPECT_TRUE(Found("agency-a", "223.165.255.255", v1::INDICATOR_TYPE_IPV4).empty());
}

TEST_F(NetworkSearchTest, AnIpv6AddressFindsTheRangeThatContainsIt) {
  using Hits = std::map<std::string, std::string>;
  EXPECT_EQ(Found("agency-a", "2001:db8:ffff::42", v1::INDICATOR_TYPE_IPV6),
            (Hits{{v6_range_, "2001:db8::/32"}}));
  EXPECT_EQ(Found("agency-a", "2001:0DB8::1"), (Hits{{v6_range_, "2001:db8::/32"}}));
  EXPECT_TRUE(Found("agency-a", "2001:db9::1", v1::INDICATOR_TYPE_IPV6).empty());
  EXPECT_TRUE(Found("agency-a", "2001:db7:ffff::1", v1::INDICATOR_TYPE_IPV6).empty());
}

// A range is an exact value: the same range (however written) finds it; a narrower or wider one,
// or the address alone, does not.
// A range finds records carrying that very range and the wider ranges that contain it; never a
// narrower range or a single address inside it.
TEST_F(NetworkSearchTest, ARangeFindsThatRangeAndTheRangesThatContainIt) {
  using Hits = std::map<std::string, std::string>;
  EXPECT_EQ(Found("agency-a", "223.166.0.0/15"), (Hits{{v4_range_, "223.166.0.0/15"}}));
  EXPECT_EQ(Found("agency-a", "223.167.1.2/15"), (Hits{{v4_range_, "223.166.0.0/15"}}));
  EXPECT_EQ(Found("agency-a", "223.167.0.0/16"), (Hits{{v4_range_, "223.166.0.0/15"}}));
  EXPECT_TRUE(Found("agency-a", "223.164.0.0/14").empty());
  EXPECT_TRUE(Found("agency-a", "223.168.0.0/16").empty());
  EXPECT_EQ(Found("agency-a", "2001:db8::/32"), (Hits{{v6_range_, "2001:db8::/32"}}));
  EXPECT_EQ(Found("agency-a", "2001:db8::/48"), (Hits{{v6_range_, "2001:db8::/32"}}));
  EXPECT_TRUE(Found("agency-a", "2001:db9::/48").empty());
}

TEST_F(NetworkSearchTest, ARevokedRangeIsFoundOnlyWhenAskedFor) {
  ASSERT_TRUE(clients_["agency-a"]->Revoke(v4_range_, "superseded").ok());
  using Hits = std::map<std::string, std::string>;
  EXPECT_EQ(Found("agency-a", "223.167.255.1", v1::INDICATOR_TYPE_IPV4),
            (Hits{{v4_address_, "223.167.255.1"}}));
  EXPECT_EQ(Found("agency-a", "223.167.255.1", v1::INDICATOR_TYPE_IPV4, true),
            (Hits{{v4_range_, "223.166.0.0/15"}, {v4_address_, "223.167.255.1"}}));
}

// The index keeps the keys of older versions: a record found first through its old range (no
// longer carried) must still be a hit through the range its latest version carries.
TEST_F(NetworkSearchTest, AnUpdatedRangeIsFoundThroughItsLatestVersion) {
  v1::Record wider = SampleDraft({{v1::INDICATOR_TYPE_IPV4, "223.0.0.0/8"}});
  wider.set_id(v4_range_);
  auto updated = clients_["agency-a"]->Publish({wider});
  ASSERT_TRUE(updated.ok()) << updated.status();
  ASSERT_EQ((*updated)[0].version(), 2u) << (*updated)[0].error();
  using Hits = std::map<std::string, std::string>;
  EXPECT_EQ(Found("agency-a", "223.167.255.1", v1::INDICATOR_TYPE_IPV4),
            (Hits{{v4_range_, "223.0.0.0/8"}, {v4_address_, "223.167.255.1"}}));
  EXPECT_EQ(Found("agency-a", "223.166.0.0/15"), (Hits{{v4_range_, "223.0.0.0/8"}}));
  EXPECT_TRUE(Found("agency-a", "223.0.0.0/7").empty());
}

// A reader the policy withholds IPv4 indicators from finds no record through them, range or
// address; one that may see them finds the range like the origin.
TEST_F(NetworkSearchTest, ARangeWithheldFromTheReaderIsNoHit) {
  using Hits = std::map<std::string, std::string>;
  EXPECT_TRUE(Found("agency-b", "223.167.255.1", v1::INDICATOR_TYPE_IPV4).empty());
  EXPECT_TRUE(Found("agency-b", "223.166.0.0/15").empty());
  EXPECT_EQ(Found("agency-b", "2001:db8::1"), (Hits{{v6_range_, "2001:db8::/32"}}));
  EXPECT_EQ(Found("agency-c", "223.167.255.1", v1::INDICATOR_TYPE_IPV4),
            (Hits{{v4_range_, "223.166.0.0/15"}, {v4_address_, "223.167.255.1"}}));
}

// Under a hit limit, the closest matches come first: the address itself, then the narrowest
// range that contains it.
TEST_F(NetworkSearchTest, TheClosestMatchIsKeptUnderALimit) {
  v1::SearchRequest search;
  search.set_value("223.167.255.1");
  search.set_type(v1::INDICATOR_TYPE_IPV4);
  search.set_limit(1);
  auto response = clients_["agency-a"]->Search(search);
  ASSERT_TRUE(response.ok()) << response.status();
  ASSERT_EQ(response->hits_size(), 1);
  EXPECT_EQ(response->hits(0).normalized(), "223.167.255.1");
  EXPECT_TRUE(response->truncated());
}

}  // namespace
}  // namespace nexus
