// The cursor cipher, in process on a real store: what other agencies hold of the feed (cursors)
// and of links and hit notices (references) round-trips at this node, survives a restart, and
// tells nothing of order, gaps or the value to whoever does not hold the node's key.
#include "server/cursor_cipher.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <set>

#include "common/storage/rocksdb_store.h"
#include "tests/seeded_random.h"
#include "tests/test_support.h"

namespace nexus {
namespace {

// Opens the node's store in `dir` (closing what `storage` held) and its cipher.
CursorCipher OpenCipher(const std::string& dir, std::unique_ptr<storage::RocksDbStore>& storage) {
  storage.reset();
  storage = *storage::RocksDbStore::Open(dir);
  return *CursorCipher::Open(storage.get());
}

TEST(CursorCipherTest, EveryPositionRoundTripsAndTheStartIsItself) {
  testing::TempDir dir;
  std::unique_ptr<storage::RocksDbStore> storage;
  const CursorCipher cipher = OpenCipher(dir.path(), storage);
  EXPECT_EQ(cipher.Encode(0), 0u);
  EXPECT_EQ(cipher.Decode(0), 0u);
  std::set<uint64_t> tokens;
  for (uint64_t position = 1; position <= 100000; ++position) {
    const uint64_t token = cipher.Encode(position);
    ASSERT_NE(token, 0u) << position;
    ASSERT_EQ(cipher.Decode(token), position);
    tokens.insert(token);
  }
  EXPECT_EQ(tokens.size(), 100000u);  // a permutation: no two positions share a token
  testing::SeededRandom random(7);
  for (int i = 0; i < 100000; ++i) {
    const uint64_t position = random.engine()();
    ASSERT_EQ(cipher.Decode(cipher.Encode(position)), position);
    ASSERT_EQ(cipher.Encode(cipher.Decode(position)), position);
  }
}

TEST(CursorCipherTest, TokensTellNeitherOrderNorGaps) {
  testing::TempDir dir;
  std::unique_ptr<storage::RocksDbStore> storage;
  const CursorCipher cipher = OpenCipher(dir.path(), storage);
  // Consecutive positions: as many rises as falls between their tokens, give or take chance.
  int rises = 0;
  uint64_t previous = cipher.Encode(1);
  for (uint64_t position = 2; position <= 10001; ++position) {
    const uint64_t token = cipher.Encode(position);
    rises += token > previous;
    previous = token;
  }
  EXPECT_GT(rises, 4500);
  EXPECT_LT(rises, 5500);
  // A reader who saw positions 10 and 1,000,000 cannot tell which is later nor how far apart:
  // the high bit of tokens is set about half the time whatever the position.
  int high = 0;
  for (uint64_t position = 1; position <= 10000; ++position) high += cipher.Encode(position) >> 63;
  EXPECT_GT(high, 4500);
  EXPECT_LT(high, 5500);
}

TEST(CursorCipherTest, TheKeyIsKeptAcrossRestartsAndDiffersBetweenNodes) {
  testing::TempDir dir, other_dir;
  std::unique_ptr<storage::RocksDbStore> storage;
  const uint64_t token = OpenCipher(dir.path(), storage).Encode(42);
  const std::string reference = OpenCipher(dir.path(), storage).Reference("link", "a|b");
  const CursorCipher reopened = OpenCipher(dir.path(), storage);
  EXPECT_EQ(reopened.Encode(42), token);
  EXPECT_EQ(reopened.Reference("link", "a|b"), reference);
  std::unique_ptr<storage::RocksDbStore> other_storage;
  const CursorCipher other = OpenCipher(other_dir.path(), other_storage);
  EXPECT_NE(other.Encode(42), token);
  EXPECT_NE(other.Reference("link", "a|b"), reference);
}

TEST(CursorCipherTest, ReferencesAreStableOpaqueAndSeparatedByPurpose) {
  testing::TempDir dir;
  std::unique_ptr<storage::RocksDbStore> storage;
  const CursorCipher cipher = OpenCipher(dir.path(), storage);
  const std::string reference = cipher.Reference("hit", "record-1");
  EXPECT_EQ(reference.size(), 32u);
  EXPECT_TRUE(std::all_of(reference.begin(), reference.end(),
                          [](char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); }));
  EXPECT_EQ(cipher.Reference("hit", "record-1"), reference);
  EXPECT_NE(cipher.Reference("link", "record-1"), reference);
  EXPECT_NE(cipher.Reference("hit", "record-2"), reference);
  // The purpose is length-prefixed: ("hi", "tx") and ("hit", "x") are different inputs.
  EXPECT_NE(cipher.Reference("hi", "trecord-1"), reference);
  EXPECT_EQ(reference.find("record"), std::string::npos);
}

}  // namespace
}  // namespace nexus
