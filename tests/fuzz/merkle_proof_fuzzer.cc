// RFC 6962 proofs (common/merkle) over a tree of fuzzer-chosen leaves, with fuzzer-chosen
// mutations of the proof and of the claim. Invariants: an honest proof verifies; any proof that
// verifies against the true root of the claimed size proves a true statement (the claimed leaf
// is at the claimed index; given the true root of the second size, the first root is the true
// root of the first size); the frontier's root is the recursive definition's.
#include <fuzzer/FuzzedDataProvider.h>

#include <cstddef>
#include <cstdint>
#include <vector>

#include "common/merkle.h"
#include "tests/fuzz/fuzz_support.h"

namespace {

using nexus::fuzz::Require;
using nexus::merkle::Hash;

std::vector<Hash> Prefix(const std::vector<Hash>& leaves, uint64_t size) {
  return std::vector<Hash>(leaves.begin(), leaves.begin() + static_cast<ptrdiff_t>(size));
}

// The claimed root is the real root of the first `size` leaves (sizes beyond the tree: never).
bool RootOfSize(const std::vector<Hash>& leaves, uint64_t size, const Hash& root) {
  return size <= leaves.size() && nexus::merkle::RootOf(Prefix(leaves, size)) == root;
}

void Mutate(FuzzedDataProvider& input, std::vector<Hash>& proof, uint64_t& a, uint64_t& b,
            Hash& hash) {
  switch (input.ConsumeIntegralInRange(0, 6)) {
    case 0:
      break;
    case 1:
      if (!proof.empty()) {
        Hash& h = proof[input.ConsumeIntegralInRange<size_t>(0, proof.size() - 1)];
        h[input.ConsumeIntegralInRange(0, 31)] ^= input.ConsumeIntegralInRange<uint8_t>(1, 255);
      }
      break;
    case 2:
      if (!proof.empty()) proof.pop_back();
      break;
    case 3:
      proof.push_back(proof.empty() ? Hash{} : proof.back());
      break;
    case 4:
      a = input.ConsumeIntegral<uint64_t>() % 80;
      break;
    case 5:
      b = input.ConsumeIntegral<uint64_t>() % 80;
      break;
    case 6:
      hash[input.ConsumeIntegralInRange(0, 31)] ^= 1;
      break;
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  FuzzedDataProvider input(data, size);
  const size_t n = input.ConsumeIntegralInRange<size_t>(1, 70);
  std::vector<Hash> leaves;
  nexus::merkle::Frontier frontier;
  for (size_t i = 0; i < n; ++i) {
    // Few distinct leaves, so that equal subtrees occur.
    leaves.push_back(nexus::merkle::LeafHash(std::string(1, input.ConsumeIntegral<char>() & 3)));
    frontier.Append(leaves.back());
  }
  const Hash root = nexus::merkle::RootOf(leaves);
  Require(frontier.Root() == root && frontier.size() == n, "the frontier's root is MTH");
  nexus::merkle::NodeReader nodes = [&](int level, uint64_t index) -> absl::StatusOr<Hash> {
    uint64_t begin = index << level, end = (index + 1) << level;
    if (level > 7 || end > n) return absl::NotFoundError("no such node");
    return nexus::merkle::RootOf(std::vector<Hash>(leaves.begin() + static_cast<ptrdiff_t>(begin),
                                                   leaves.begin() + static_cast<ptrdiff_t>(end)));
  };

  // Inclusion.
  uint64_t index = input.ConsumeIntegralInRange<uint64_t>(0, n - 1);
  uint64_t tree_size = input.ConsumeIntegralInRange<uint64_t>(index + 1, n);
  absl::StatusOr<std::vector<Hash>> inclusion =
      nexus::merkle::InclusionProof(index, tree_size, nodes);
  Require(inclusion.ok(), "an inclusion proof exists for every leaf of every size");
  Hash tree_root = nexus::merkle::RootOf(Prefix(leaves, tree_size));
  Require(
      nexus::merkle::VerifyInclusion(index, tree_size, leaves[index], *inclusion, tree_root).ok(),
      "an honest inclusion proof verifies");
  Hash leaf = leaves[index];
  Mutate(input, *inclusion, index, tree_size, leaf);
  // A root is trusted together with its size (a signed checkpoint states both); a proof checked
  // against a root of another size may verify, as RFC 9162's algorithm cannot tell.
  if (nexus::merkle::VerifyInclusion(index, tree_size, leaf, *inclusion, tree_root).ok() &&
      RootOfSize(leaves, tree_size, tree_root)) {
    Require(index < tree_size && leaves[index] == leaf,
            "a verified inclusion proof states a truth");
  }

  // Consistency.
  uint64_t second = input.ConsumeIntegralInRange<uint64_t>(0, n);
  uint64_t first = input.ConsumeIntegralInRange<uint64_t>(0, second);
  absl::StatusOr<std::vector<Hash>> consistency =
      nexus::merkle::ConsistencyProof(first, second, nodes);
  Require(consistency.ok(), "a consistency proof exists for every pair of sizes");
  Hash first_root = nexus::merkle::RootOf(Prefix(leaves, first));
  Hash second_root = nexus::merkle::RootOf(Prefix(leaves, second));
  Require(
      nexus::merkle::VerifyConsistency(first, second, first_root, second_root, *consistency).ok(),
      "an honest consistency proof verifies");
  Mutate(input, *consistency, first, second, first_root);
  if (nexus::merkle::VerifyConsistency(first, second, first_root, second_root, *consistency).ok() &&
      RootOfSize(leaves, second, second_root)) {
    // Trusting the second root, the proof binds the first one.
    Require(first <= second && RootOfSize(leaves, first, first_root),
            "a verified consistency proof states a truth");
  }
  return 0;
}
