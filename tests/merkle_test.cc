// RFC 6962 Merkle trees: known vectors, and exhaustive proofs checked against a naive reference
// written straight from the RFC's definitions, with every proof also mutated to fail.
#include "common/merkle.h"

#include <gtest/gtest.h>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"

namespace nexus::merkle {
namespace {

// The eight leaves of the test tree used by Certificate Transparency and transparency-dev/merkle.
std::vector<std::string> TestLeaves() {
  std::vector<std::string> leaves;
  for (absl::string_view hex : {"", "00", "10", "2021", "3031", "40414243", "5051525354555657",
                                "606162636465666768696a6b6c6d6e6f"}) {
    leaves.push_back(absl::HexStringToBytes(hex));
  }
  return leaves;
}

// ---- A naive reference, straight from RFC 6962 section 2.1 ----
using Leaves = std::vector<Hash>;  // leaf hashes

Hash Mth(const Leaves& d, size_t begin, size_t end) {
  size_t n = end - begin;
  if (n == 0) return EmptyRoot();
  if (n == 1) return d[begin];
  size_t k = 1;
  while (k * 2 < n) k *= 2;
  return NodeHash(Mth(d, begin, begin + k), Mth(d, begin + k, end));
}

void RefPath(size_t m, const Leaves& d, size_t begin, size_t end, std::vector<Hash>& out) {
  size_t n = end - begin;
  if (n <= 1) return;
  size_t k = 1;
  while (k * 2 < n) k *= 2;
  if (m < k) {
    RefPath(m, d, begin, begin + k, out);
    out.push_back(Mth(d, begin + k, end));
  } else {
    RefPath(m - k, d, begin + k, end, out);
    out.push_back(Mth(d, begin, begin + k));
  }
}

void RefSubproof(size_t m, const Leaves& d, size_t begin, size_t end, bool b,
                 std::vector<Hash>& out) {
  size_t n = end - begin;
  if (m == n) {
    if (!b) out.push_back(Mth(d, begin, end));
    return;
  }
  size_t k = 1;
  while (k * 2 < n) k *= 2;
  if (m <= k) {
    RefSubproof(m, d, begin, begin + k, b, out);
    out.push_back(Mth(d, begin + k, end));
  } else {
    RefSubproof(m - k, d, begin + k, end, false, out);
    out.push_back(Mth(d, begin, begin + k));
  }
}

NodeReader ReaderOver(const Leaves& d) {
  return [&d](int level, uint64_t index) -> absl::StatusOr<Hash> {
    uint64_t begin = index << level, end = begin + (uint64_t{1} << level);
    if (end > d.size()) return absl::NotFoundError("node beyond the tree");
    return Mth(d, begin, end);
  };
}

Leaves MakeLeaves(size_t n) {
  Leaves d;
  for (size_t i = 0; i < n; ++i) d.push_back(LeafHash(absl::StrCat("leaf ", i)));
  return d;
}

Hash Flip(Hash h) {
  h[7] ^= 0x20;
  return h;
}

// ---- Known vectors ----

TEST(MerkleVectors, EmptyTreeRoot) {
  EXPECT_EQ(ToHex(EmptyRoot()), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(RootOf({}), EmptyRoot());
}

TEST(MerkleVectors, RootsOfTheEightLeafTestTree) {
  const char* kRoots[] = {
      "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
      "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
      "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
      "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
      "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
      "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
      "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
      "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
  };
  std::vector<std::string> data = TestLeaves();
  Leaves leaves;
  for (size_t n = 1; n <= data.size(); ++n) {
    leaves.push_back(LeafHash(data[n - 1]));
    EXPECT_EQ(ToHex(RootOf(leaves)), kRoots[n - 1]) << "size " << n;
    EXPECT_EQ(ToHex(Mth(leaves, 0, n)), kRoots[n - 1]) << "reference, size " << n;
  }
}

TEST(MerkleVectors, InclusionProofOfLeafZeroInEightLeafTree) {
  std::vector<std::string> data = TestLeaves();
  Leaves leaves;
  for (const std::string& d : data) leaves.push_back(LeafHash(d));
  auto proof = InclusionProof(0, 8, ReaderOver(leaves));
  ASSERT_TRUE(proof.ok());
  ASSERT_EQ(proof->size(), 3u);
  EXPECT_EQ(ToHex((*proof)[0]), "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7");
  EXPECT_EQ(ToHex((*proof)[1]), "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e");
  EXPECT_EQ(ToHex((*proof)[2]), "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4");
}

TEST(MerkleVectors, ConsistencyProofFromOneToEight) {
  std::vector<std::string> data = TestLeaves();
  Leaves leaves;
  for (const std::string& d : data) leaves.push_back(LeafHash(d));
  auto proof = ConsistencyProof(1, 8, ReaderOver(leaves));
  ASSERT_TRUE(proof.ok());
  // The first tree's leaf is part of the second: the proof is the leaf's audit path.
  auto path = InclusionProof(0, 8, ReaderOver(leaves));
  EXPECT_EQ(*proof, *path);
  EXPECT_TRUE(VerifyConsistency(1, 8, leaves[0], RootOf(leaves), *proof).ok());
}

// ---- Exhaustive ----

// A size alteration is checked against the root of the altered size: a proof is a claim about one
// tree, and the same path can legitimately verify for another size whose root it also yields.
TEST(MerkleExhaustive, InclusionProofsForEveryLeafOfEveryTreeUpTo300) {
  const Leaves all = MakeLeaves(301);
  std::vector<Hash> roots(all.size() + 1);
  for (size_t n = 0; n <= all.size(); ++n) roots[n] = Mth(all, 0, n);
  for (size_t size = 1; size < all.size(); ++size) {
    Leaves d(all.begin(), all.begin() + size);
    NodeReader nodes = ReaderOver(d);
    Hash root = Mth(d, 0, size);
    ASSERT_EQ(RootOf(d), root) << size;
    for (size_t i = 0; i < size; ++i) {
      auto proof = InclusionProof(i, size, nodes);
      ASSERT_TRUE(proof.ok()) << proof.status();
      std::vector<Hash> expected;
      RefPath(i, d, 0, size, expected);
      ASSERT_EQ(*proof, expected) << "leaf " << i << " size " << size;
      ASSERT_TRUE(VerifyInclusion(i, size, d[i], *proof, root).ok()) << i << "/" << size;

      // Every alteration must fail.
      ASSERT_FALSE(VerifyInclusion(i, size, Flip(d[i]), *proof, root).ok());
      ASSERT_FALSE(VerifyInclusion(i, size, d[i], *proof, Flip(root)).ok());
      if (i + 1 < size) {
        ASSERT_FALSE(VerifyInclusion(i + 1, size, d[i], *proof, root).ok());
      }
      if (i > 0) {
        ASSERT_FALSE(VerifyInclusion(i - 1, size, d[i], *proof, root).ok());
      }
      ASSERT_FALSE(VerifyInclusion(i, size + 1, d[i], *proof, roots[size + 1]).ok());
      if (i < size - 1) {
        ASSERT_FALSE(VerifyInclusion(i, size - 1, d[i], *proof, roots[size - 1]).ok());
      }
      ASSERT_FALSE(VerifyInclusion(size, size, d[i], *proof, root).ok());
      for (size_t p = 0; p < proof->size(); ++p) {
        std::vector<Hash> bad = *proof;
        bad[p] = Flip(bad[p]);
        ASSERT_FALSE(VerifyInclusion(i, size, d[i], bad, root).ok()) << i << "/" << size;
      }
      std::vector<Hash> longer = *proof;
      longer.push_back(d[0]);
      ASSERT_FALSE(VerifyInclusion(i, size, d[i], longer, root).ok());
      if (!proof->empty()) {
        std::vector<Hash> shorter(proof->begin(), proof->end() - 1);
        ASSERT_FALSE(VerifyInclusion(i, size, d[i], shorter, root).ok());
      }
    }
  }
}

TEST(MerkleExhaustive, ConsistencyProofsForEveryPairOfSizesUpTo100) {
  const Leaves all = MakeLeaves(101);
  std::vector<Hash> roots(all.size() + 1);
  for (size_t n = 0; n <= all.size(); ++n) roots[n] = Mth(all, 0, n);
  for (size_t second = 1; second < all.size(); ++second) {
    Leaves d(all.begin(), all.begin() + second);
    NodeReader nodes = ReaderOver(d);
    for (size_t first = 1; first <= second; ++first) {
      auto proof = ConsistencyProof(first, second, nodes);
      ASSERT_TRUE(proof.ok()) << proof.status();
      std::vector<Hash> expected;
      if (first < second) RefSubproof(first, d, 0, second, true, expected);
      ASSERT_EQ(*proof, expected) << first << "->" << second;
      ASSERT_TRUE(VerifyConsistency(first, second, roots[first], roots[second], *proof).ok())
          << first << "->" << second;

      ASSERT_FALSE(
          VerifyConsistency(first, second, Flip(roots[first]), roots[second], *proof).ok());
      ASSERT_FALSE(
          VerifyConsistency(first, second, roots[first], Flip(roots[second]), *proof).ok());
      for (size_t p = 0; p < proof->size(); ++p) {
        std::vector<Hash> bad = *proof;
        bad[p] = Flip(bad[p]);
        ASSERT_FALSE(VerifyConsistency(first, second, roots[first], roots[second], bad).ok())
            << first << "->" << second << " element " << p;
      }
      if (first < second) {
        // The same proof presented for other sizes (with those sizes' roots) must fail.
        ASSERT_FALSE(
            VerifyConsistency(first, second + 1, roots[first], roots[second + 1], *proof).ok())
            << first << "->" << second;
        if (second - 1 > first) {
          ASSERT_FALSE(
              VerifyConsistency(first, second - 1, roots[first], roots[second - 1], *proof).ok())
              << first << "->" << second;
        }
        if (first > 1) {
          ASSERT_FALSE(
              VerifyConsistency(first - 1, second, roots[first - 1], roots[second], *proof).ok())
              << first << "->" << second;
        }
        if (first + 1 < second) {
          ASSERT_FALSE(
              VerifyConsistency(first + 1, second, roots[first + 1], roots[second], *proof).ok())
              << first << "->" << second;
        }
        std::vector<Hash> longer = *proof;
        longer.push_back(all[0]);
        ASSERT_FALSE(VerifyConsistency(first, second, roots[first], roots[second], longer).ok());
        std::vector<Hash> shorter(proof->begin(), proof->end() - 1);
        ASSERT_FALSE(VerifyConsistency(first, second, roots[first], roots[second], shorter).ok());
      }
    }
  }
}

// Found by fuzzing: any root was accepted as that of the empty tree.
TEST(MerkleExhaustive, ConsistencyFromTheEmptyTreeNeedsTheEmptyRoot) {
  const Leaves all = MakeLeaves(5);
  const Hash root = Mth(all, 0, all.size());
  EXPECT_TRUE(VerifyConsistency(0, all.size(), EmptyRoot(), root, {}).ok());
  EXPECT_FALSE(VerifyConsistency(0, all.size(), Flip(EmptyRoot()), root, {}).ok());
  EXPECT_FALSE(VerifyConsistency(0, all.size(), root, root, {}).ok());
  EXPECT_FALSE(VerifyConsistency(0, all.size(), EmptyRoot(), root, {root}).ok());
}

TEST(MerkleFrontier, ReportsCompletedSubtreesAndReloads) {
  const Leaves all = MakeLeaves(77);
  Frontier frontier;
  std::map<std::pair<int, uint64_t>, Hash> stored;
  for (size_t i = 0; i < all.size(); ++i) {
    std::vector<Frontier::Node> completed;
    frontier.Append(all[i], &completed);
    for (const auto& node : completed) stored[{node.level, node.index}] = node.hash;
    ASSERT_EQ(frontier.Root(), Mth(all, 0, i + 1)) << i;
  }
  // Every stored node is the right perfect subtree, and a frontier reloads from them.
  for (const auto& [key, hash] : stored) {
    uint64_t begin = key.second << key.first;
    EXPECT_EQ(hash, Mth(all, begin, begin + (uint64_t{1} << key.first)));
  }
  auto reloaded =
      Frontier::Load(all.size(), [&](int level, uint64_t index) -> absl::StatusOr<Hash> {
        auto it = stored.find({level, index});
        if (it == stored.end()) return absl::NotFoundError("missing");
        return it->second;
      });
  ASSERT_TRUE(reloaded.ok());
  EXPECT_EQ(reloaded->Root(), frontier.Root());
  reloaded->Append(all[0]);
  frontier.Append(all[0]);
  EXPECT_EQ(reloaded->Root(), frontier.Root());
}

}  // namespace
}  // namespace nexus::merkle
