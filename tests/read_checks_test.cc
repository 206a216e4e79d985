// What a reader checks beyond signatures: search hits must carry what they matched, pulls must
// not repeat or roll back versions. Each answer here is one a lying or damaged node could give.
#include "client/read_checks.h"

#include <gtest/gtest.h>

#include "absl/strings/match.h"
#include "common/indicator_normalizer.h"
#include "common/record_seal.h"
#include "tests/test_support.h"

namespace nexus {
namespace {

const PrivateKey& Key() {
  static const PrivateKey* key = new PrivateKey(PrivateKey::Generate());
  return *key;
}

v1::SignedRecord Sealed(const std::string& id, uint64_t version, const std::string& origin,
                        const std::string& phone = "+33 6 12 34 56 78") {
  v1::Record record = testing::SampleDraft({{v1::INDICATOR_TYPE_PHONE, phone}});
  record.set_id(id);
  record.set_version(version);
  record.set_origin_agency(origin);
  for (v1::Indicator& indicator : *record.mutable_indicators()) {
    indicator.set_normalized(*NormalizeIndicator(indicator.type(), indicator.value()));
  }
  return SealRecord(record, Key(), "1");
}

constexpr char kA[] = "00000000-0000-4000-8000-00000000000a";
constexpr char kB[] = "00000000-0000-4000-8000-00000000000b";

TEST(PullOrderCheck, OwnPositionsMustStrictlyIncrease) {
  PullOrderCheck check(/*reader_is_node_agency=*/true);
  EXPECT_EQ(check.Check(3, Sealed(kA, 1, "agency-a")), "");
  EXPECT_EQ(check.Check(5, Sealed(kB, 1, "agency-a")), "");
  EXPECT_TRUE(absl::StrContains(check.Check(4, Sealed(kA, 2, "agency-a")), "strictly increase"));
}

TEST(PullOrderCheck, OpaquePositionsMayComeInAnyOrderButNeverTwice) {
  PullOrderCheck check(/*reader_is_node_agency=*/false);
  EXPECT_EQ(check.Check(900, Sealed(kA, 1, "agency-a")), "");
  EXPECT_EQ(check.Check(17, Sealed(kB, 1, "agency-a")), "");
  EXPECT_TRUE(absl::StrContains(check.Check(17, Sealed(kA, 2, "agency-a")), "already seen"));
}

// The node's own agency gets plain positions for every record it pulls, whoever wrote it (records
// of other agencies shared to it included): all of them must strictly increase.
TEST(PullOrderCheck, TheNodesAgencyGetsIncreasingPositionsForOtherAgenciesRecordsToo) {
  PullOrderCheck check(/*reader_is_node_agency=*/true);
  EXPECT_EQ(check.Check(3, Sealed(kA, 1, "agency-b")), "");
  EXPECT_TRUE(absl::StrContains(check.Check(2, Sealed(kB, 1, "agency-c")), "strictly increase"));
}

// Another agency reading its own records from this node gets opaque tokens: no order is due,
// and none is demanded (that would be a false alarm on an honest node).
TEST(PullOrderCheck, AnotherAgencyReadingItsOwnRecordsGetsOpaquePositions) {
  PullOrderCheck check(/*reader_is_node_agency=*/false);
  EXPECT_EQ(check.Check(900, Sealed(kA, 1, "agency-b")), "");
  EXPECT_EQ(check.Check(17, Sealed(kB, 1, "agency-b")), "");
  EXPECT_TRUE(absl::StrContains(check.Check(17, Sealed(kA, 2, "agency-b")), "already seen"));
  EXPECT_TRUE(absl::StrContains(check.Check(18, Sealed(kA, 1, "agency-b")), "arrived twice"));
}

TEST(PullOrderCheck, ARepeatedOrRolledBackVersionIsFlagged) {
  PullOrderCheck check(/*reader_is_node_agency=*/false);
  EXPECT_EQ(check.Check(1, Sealed(kA, 2, "agency-a")), "");
  EXPECT_TRUE(absl::StrContains(check.Check(2, Sealed(kA, 2, "agency-a")), "arrived twice"));
  EXPECT_TRUE(absl::StrContains(check.Check(3, Sealed(kA, 1, "agency-a")), "rolled back"));
  EXPECT_EQ(check.Check(4, Sealed(kA, 3, "agency-a")), "");
}

v1::SearchHit Hit(v1::SignedRecord record, const std::string& normalized) {
  v1::SearchHit hit;
  *hit.mutable_record() = std::move(record);
  hit.set_matched_type(v1::INDICATOR_TYPE_PHONE);
  hit.set_normalized(normalized);
  return hit;
}

TEST(SearchHitProblem, AHitMustCarryTheMatchedValue) {
  const std::string query = "+33 6 12 34 56 78";
  const std::string normalized = *NormalizeIndicator(v1::INDICATOR_TYPE_PHONE, query);
  EXPECT_EQ(SearchHitProblem(Hit(Sealed(kA, 1, "agency-a"), normalized), query), "");
  // A planted index key: the record names another phone.
  EXPECT_TRUE(absl::StrContains(
      SearchHitProblem(Hit(Sealed(kA, 1, "agency-a", "+33 6 99 99 99 99"), normalized), query),
      "does not carry"));
  // The node claims to have matched something else than what was asked.
  EXPECT_TRUE(absl::StrContains(
      SearchHitProblem(Hit(Sealed(kA, 1, "agency-a"), normalized + "0"), query), "another value"));
}

TEST(SearchHitProblem, AWithheldIndicatorCannotBeCheckedAndSaysSo) {
  const std::string query = "+33 6 12 34 56 78";
  v1::SignedRecord record = Sealed(kA, 1, "agency-a", "+33 6 99 99 99 99");
  auto opened = DecodeStoredRecord(record);
  ASSERT_TRUE(opened.ok());
  v1::Manifest manifest;
  ASSERT_TRUE(manifest.ParseFromString(record.manifest()));
  for (int i = 0; i < manifest.parts_size(); ++i) {
    if (manifest.parts(i).kind() == v1::PART_KIND_INDICATOR) WithholdPart(record, i);
  }
  EXPECT_TRUE(absl::StrContains(
      SearchHitProblem(Hit(record, *NormalizeIndicator(v1::INDICATOR_TYPE_PHONE, query)), query),
      "cannot be checked"));
}

}  // namespace
}  // namespace nexus
