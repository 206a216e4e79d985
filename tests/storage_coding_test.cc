// The one integer codec of the on-disk format and the key readers built on it: every number
// round-trips, keys sort by number, and a key cut short or extended holds no number at all (the
// two codecs this replaced read such keys as two different numbers).
#include <gtest/gtest.h>

#include <cstdint>
#include <set>
#include <string>

#include "common/storage/audit_format.h"
#include "common/storage/coding.h"
#include "common/storage/families.h"
#include "common/storage/store_keys.h"

namespace nexus {
namespace {

TEST(StorageCodingTest, NumbersRoundTripAndSortByValue) {
  const uint64_t values[] = {0, 1, 255, 256, 0x0102030405060708, UINT64_MAX - 1, UINT64_MAX};
  std::string previous;
  for (uint64_t value : values) {
    const std::string encoded = coding::EncodeFixed64(value);
    ASSERT_EQ(encoded.size(), 8u);
    EXPECT_EQ(coding::DecodeFixed64(encoded), value);
    if (!previous.empty()) EXPECT_LT(previous, encoded) << value;  // byte order = number order
    previous = encoded;
  }
  EXPECT_EQ(coding::EncodeFixed64(0x0102030405060708),
            std::string("\x01\x02\x03\x04\x05\x06\x07\x08"));
}

TEST(StorageCodingTest, AKeyOfAnyOtherLengthHoldsNoNumber) {
  const std::string eight = coding::EncodeFixed64(42);
  for (size_t size = 0; size < 8; ++size) {
    EXPECT_FALSE(coding::DecodeFixed64(eight.substr(0, size)).has_value()) << size;
  }
  EXPECT_FALSE(coding::DecodeFixed64(eight + "x").has_value());
  EXPECT_FALSE(audit_format::ReadNumberKey("ab").has_value());
  EXPECT_EQ(audit_format::ReadNumberKey(audit_format::EntryKey(7)), 7u);
  EXPECT_EQ(audit_format::ReadNumberKey(audit_format::CheckpointKey(9)), 9u);
}

TEST(StorageCodingTest, ANumberAtAnOffsetIsReadOnlyIfAllEightBytesAreThere) {
  const std::string key = "E" + coding::EncodeFixed64(5) + "tail";
  EXPECT_EQ(coding::DecodeFixed64At(key, 1), 5u);
  EXPECT_FALSE(coding::DecodeFixed64At(key, 6).has_value());    // runs past the end
  EXPECT_FALSE(coding::DecodeFixed64At(key, 100).has_value());  // starts past the end
}

TEST(StorageCodingTest, RecordKeysAreReadBackOnlyWhenWhole) {
  const std::string id = "6324de9c-31bd-449c-9ac9-c36a5bd608ac";
  const std::string key = store_keys::RecordKey(id, 3);
  std::optional<store_keys::IdVersion> read = store_keys::ReadIdVersion(key);
  ASSERT_TRUE(read.has_value());
  EXPECT_EQ(read->id, id);
  EXPECT_EQ(read->version, 3u);
  EXPECT_FALSE(store_keys::ReadIdVersion(key.substr(0, key.size() - 1)).has_value());
  EXPECT_FALSE(store_keys::ReadIdVersion(key + "\x01").has_value());
  // Versions of one id sort by number, so the latest is the last key under the id.
  EXPECT_LT(store_keys::RecordKey(id, 255), store_keys::RecordKey(id, 256));
}

TEST(StorageCodingTest, TreeKeysAreLevelThenIndex) {
  const std::string key = audit_format::TreeKey(3, 258);
  ASSERT_EQ(key.size(), audit_format::kTreeKeyBytes);
  EXPECT_EQ(key[0], 3);
  EXPECT_EQ(coding::DecodeFixed64At(key, 1), 258u);
  EXPECT_LT(audit_format::TreeKey(0, UINT64_MAX), audit_format::TreeKey(1, 0));
}

TEST(StorageCodingTest, EveryFamilyHasOneDistinctName) {
  std::set<std::string> names;
  for (const char* name : storage::kFamilyNames) {
    ASSERT_NE(name, nullptr);
    EXPECT_TRUE(names.insert(name).second) << name;
  }
  EXPECT_EQ(names.size(), static_cast<size_t>(storage::kFamilyCount));
  EXPECT_STREQ(audit_format::kEntriesFamily, "audit_entries");  // the on-disk names never change
  EXPECT_STREQ(storage::FamilyName(storage::kRecords), "records");
}

}  // namespace
}  // namespace nexus
