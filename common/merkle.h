// RFC 6962 (Certificate Transparency) Merkle trees: hashing, proof generation and verification.
//
// The definitions mirror RFC 6962 section 2.1 so that each function can be checked against the
// text; the verification algorithms are those of RFC 9162 sections 2.1.3.2 and 2.1.4.2.
//   leaf hash:  SHA-256(0x00 || data)
//   node hash:  SHA-256(0x01 || left || right)
//   MTH(D[n]):  the empty-string hash for n = 0; otherwise split at k, the largest power of two
//               smaller than n, and hash MTH(D[0:k]) with MTH(D[k:n]).
#ifndef NEXUS_COMMON_MERKLE_H_
#define NEXUS_COMMON_MERKLE_H_

#include <cstdint>
#include <functional>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "common/crypto.h"

namespace nexus::merkle {

using Hash = Sha256Digest;

Hash LeafHash(absl::string_view data);
Hash NodeHash(const Hash& left, const Hash& right);
Hash EmptyRoot();

// The largest power of two strictly smaller than n (n >= 2).
uint64_t SplitPoint(uint64_t n);

// The root of the tree over `leaves` (leaf hashes), by the recursive definition.
Hash RootOf(const std::vector<Hash>& leaves);

// Hash of the perfect subtree at `level` (2^level leaves) and position `index` in that level,
// i.e. of leaves [index << level, (index + 1) << level). Every proof is built from such nodes.
using NodeReader = std::function<absl::StatusOr<Hash>(int level, uint64_t index)>;

// MTH(D[begin:end]) from perfect-subtree nodes; begin must be aligned as RFC 6962's recursion
// leaves it (always true for ranges produced by the functions below).
absl::StatusOr<Hash> RangeHash(uint64_t begin, uint64_t end, const NodeReader& nodes);

// PATH(index, D[size]): the audit path of leaf `index` in the tree of `size` leaves.
absl::StatusOr<std::vector<Hash>> InclusionProof(uint64_t index, uint64_t size,
                                                 const NodeReader& nodes);
// PROOF(first, D[second]): the consistency proof between tree sizes first <= second.
absl::StatusOr<std::vector<Hash>> ConsistencyProof(uint64_t first, uint64_t second,
                                                   const NodeReader& nodes);

// OK iff `proof` shows that `leaf_hash` is leaf `index` of the tree of `size` with `root`.
absl::Status VerifyInclusion(uint64_t index, uint64_t size, const Hash& leaf_hash,
                             const std::vector<Hash>& proof, const Hash& root);
// OK iff `proof` shows the tree (first, first_root) is a prefix of (second, second_root).
absl::Status VerifyConsistency(uint64_t first, uint64_t second, const Hash& first_root,
                               const Hash& second_root, const std::vector<Hash>& proof);

// The right edge of a growing tree: one perfect-subtree hash per set bit of its size. Appending a
// leaf reports the perfect subtrees it completes, which is what a store keeps to answer proofs.
class Frontier {
 public:
  struct Node {
    int level;
    uint64_t index;
    Hash hash;
  };

  // Appends a leaf; `completed` (if given) receives the leaf and every subtree it completes.
  void Append(const Hash& leaf, std::vector<Node>* completed = nullptr);
  uint64_t size() const { return size_; }
  // MTH of the leaves appended so far.
  Hash Root() const;
  // Rebuilds the frontier of a tree of `size` leaves from stored perfect-subtree nodes.
  static absl::StatusOr<Frontier> Load(uint64_t size, const NodeReader& nodes);

 private:
  uint64_t size_ = 0;
  std::vector<Hash> peaks_;  // perfect subtrees, largest first: one per set bit of size_
};

std::string ToHex(const Hash& hash);

}  // namespace nexus::merkle

#endif  // NEXUS_COMMON_MERKLE_H_
