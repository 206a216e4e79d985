#include "common/merkle.h"

#include <bit>

#include "absl/strings/str_cat.h"

namespace nexus::merkle {
namespace {

absl::Status Mismatch(absl::string_view what) {
  return absl::DataLossError(absl::StrCat("proof does not verify: ", what));
}

absl::Status AppendProof(std::vector<Hash>& proof, absl::StatusOr<Hash> hash) {
  if (!hash.ok()) return hash.status();
  proof.push_back(*hash);
  return absl::OkStatus();
}

// PATH(m, D[begin:begin+n]), appended to `proof` leaf-side first.
absl::Status Path(uint64_t m, uint64_t begin, uint64_t n, const NodeReader& nodes,
                  std::vector<Hash>& proof) {
  if (n <= 1) return absl::OkStatus();
  uint64_t k = SplitPoint(n);
  if (m < k) {
    if (absl::Status s = Path(m, begin, k, nodes, proof); !s.ok()) return s;
    return AppendProof(proof, RangeHash(begin + k, begin + n, nodes));
  }
  if (absl::Status s = Path(m - k, begin + k, n - k, nodes, proof); !s.ok()) return s;
  return AppendProof(proof, RangeHash(begin, begin + k, nodes));
}

// SUBPROOF(m, D[begin:begin+n], b).
absl::Status Subproof(uint64_t m, uint64_t begin, uint64_t n, bool b, const NodeReader& nodes,
                      std::vector<Hash>& proof) {
  if (m == n) {
    if (b) return absl::OkStatus();
    return AppendProof(proof, RangeHash(begin, begin + n, nodes));
  }
  uint64_t k = SplitPoint(n);
  if (m <= k) {
    if (absl::Status s = Subproof(m, begin, k, b, nodes, proof); !s.ok()) return s;
    return AppendProof(proof, RangeHash(begin + k, begin + n, nodes));
  }
  if (absl::Status s = Subproof(m - k, begin + k, n - k, false, nodes, proof); !s.ok()) return s;
  return AppendProof(proof, RangeHash(begin, begin + k, nodes));
}

bool IsPerfectAligned(uint64_t begin, uint64_t n) {
  return std::has_single_bit(n) && (begin & (n - 1)) == 0;
}

}  // namespace

Hash LeafHash(absl::string_view data) {
  static constexpr char kLeafPrefix = 0x00;
  return Sha256Of({absl::string_view(&kLeafPrefix, 1), data});
}

Hash NodeHash(const Hash& left, const Hash& right) {
  static constexpr char kNodePrefix = 0x01;
  return Sha256Of({absl::string_view(&kNodePrefix, 1),
                   absl::string_view(reinterpret_cast<const char*>(left.data()), left.size()),
                   absl::string_view(reinterpret_cast<const char*>(right.data()), right.size())});
}

Hash EmptyRoot() { return Sha256(""); }

uint64_t SplitPoint(uint64_t n) { return std::bit_floor(n - 1); }

Hash RootOf(const std::vector<Hash>& leaves) {
  Frontier frontier;
  for (const Hash& leaf : leaves) frontier.Append(leaf);
  return frontier.Root();
}

absl::StatusOr<Hash> RangeHash(uint64_t begin, uint64_t end, const NodeReader& nodes) {
  uint64_t n = end - begin;
  if (end <= begin) return absl::InvalidArgumentError("empty range has no subtree hash");
  if (IsPerfectAligned(begin, n)) {
    int level = std::countr_zero(n);
    return nodes(level, begin >> level);
  }
  uint64_t k = SplitPoint(n);
  absl::StatusOr<Hash> left = RangeHash(begin, begin + k, nodes);
  if (!left.ok()) return left.status();
  absl::StatusOr<Hash> right = RangeHash(begin + k, end, nodes);
  if (!right.ok()) return right.status();
  return NodeHash(*left, *right);
}

absl::StatusOr<std::vector<Hash>> InclusionProof(uint64_t index, uint64_t size,
                                                 const NodeReader& nodes) {
  if (index >= size) {
    return absl::OutOfRangeError(absl::StrCat("entry ", index, " is not in a tree of size ", size));
  }
  std::vector<Hash> proof;
  if (absl::Status s = Path(index, 0, size, nodes, proof); !s.ok()) return s;
  return proof;
}

absl::StatusOr<std::vector<Hash>> ConsistencyProof(uint64_t first, uint64_t second,
                                                   const NodeReader& nodes) {
  if (first > second) {
    return absl::InvalidArgumentError(
        absl::StrCat("first size ", first, " is larger than second size ", second));
  }
  std::vector<Hash> proof;
  if (first == 0 || first == second) return proof;  // nothing to prove
  if (absl::Status s = Subproof(first, 0, second, true, nodes, proof); !s.ok()) return s;
  return proof;
}

absl::Status VerifyInclusion(uint64_t index, uint64_t size, const Hash& leaf_hash,
                             const std::vector<Hash>& proof, const Hash& root) {
  if (index >= size) return Mismatch(absl::StrCat("index ", index, " >= tree size ", size));
  uint64_t fn = index, sn = size - 1;
  Hash r = leaf_hash;
  for (const Hash& p : proof) {
    if (sn == 0) return Mismatch("proof is longer than the tree is deep");
    if ((fn & 1) == 1 || fn == sn) {
      r = NodeHash(p, r);
      if ((fn & 1) == 0) {
        while ((fn & 1) == 0 && fn != 0) {
          fn >>= 1;
          sn >>= 1;
        }
      }
    } else {
      r = NodeHash(r, p);
    }
    fn >>= 1;
    sn >>= 1;
  }
  if (sn != 0) return Mismatch("proof is shorter than the tree is deep");
  if (r != root) return Mismatch("computed root differs from the expected root");
  return absl::OkStatus();
}

absl::Status VerifyConsistency(uint64_t first, uint64_t second, const Hash& first_root,
                               const Hash& second_root, const std::vector<Hash>& proof) {
  if (first > second) return Mismatch("first size is larger than second size");
  if (first == second) {
    if (!proof.empty()) return Mismatch("proof between equal sizes must be empty");
    if (first_root != second_root) return Mismatch("roots of equal sizes differ");
    return absl::OkStatus();
  }
  if (first == 0) {
    if (!proof.empty()) return Mismatch("proof from the empty tree must be empty");
    if (first_root != EmptyRoot()) return Mismatch("root of the empty tree is not MTH({})");
    return absl::OkStatus();
  }
  if (proof.empty()) return Mismatch("proof is empty");
  std::vector<Hash> path;
  if (std::has_single_bit(first)) path.push_back(first_root);
  path.insert(path.end(), proof.begin(), proof.end());
  uint64_t fn = first - 1, sn = second - 1;
  while ((fn & 1) == 1) {
    fn >>= 1;
    sn >>= 1;
  }
  Hash fr = path[0], sr = path[0];
  for (size_t i = 1; i < path.size(); ++i) {
    const Hash& c = path[i];
    if (sn == 0) return Mismatch("proof is longer than needed");
    if ((fn & 1) == 1 || fn == sn) {
      fr = NodeHash(c, fr);
      sr = NodeHash(c, sr);
      if ((fn & 1) == 0) {
        while ((fn & 1) == 0 && fn != 0) {
          fn >>= 1;
          sn >>= 1;
        }
      }
    } else {
      sr = NodeHash(sr, c);
    }
    fn >>= 1;
    sn >>= 1;
  }
  if (sn != 0) return Mismatch("proof is shorter than needed");
  if (fr != first_root) return Mismatch("computed first root differs");
  if (sr != second_root) return Mismatch("computed second root differs");
  return absl::OkStatus();
}

void Frontier::Append(const Hash& leaf, std::vector<Node>* completed) {
  Hash carry = leaf;
  uint64_t index = size_;
  int level = 0;
  if (completed != nullptr) completed->push_back({0, index, leaf});
  // Each trailing one bit of the old size is a peak that the new leaf completes a level above.
  while ((size_ >> level) & 1) {
    carry = NodeHash(peaks_.back(), carry);
    peaks_.pop_back();
    ++level;
    index >>= 1;
    if (completed != nullptr) completed->push_back({level, index, carry});
  }
  peaks_.push_back(carry);
  ++size_;
}

Hash Frontier::Root() const {
  if (peaks_.empty()) return EmptyRoot();
  // The smaller peaks hang to the right: fold them from the smallest up.
  Hash root = peaks_.back();
  for (size_t i = peaks_.size() - 1; i-- > 0;) root = NodeHash(peaks_[i], root);
  return root;
}

absl::StatusOr<Frontier> Frontier::Load(uint64_t size, const NodeReader& nodes) {
  Frontier frontier;
  uint64_t begin = 0;
  for (int level = 63; level >= 0; --level) {
    if (((size >> level) & 1) == 0) continue;
    absl::StatusOr<Hash> peak = nodes(level, begin >> level);
    if (!peak.ok()) return peak.status();
    frontier.peaks_.push_back(*peak);
    begin += uint64_t{1} << level;
  }
  frontier.size_ = size;
  return frontier;
}

std::string ToHex(const Hash& hash) {
  return HexEncode(absl::string_view(reinterpret_cast<const char*>(hash.data()), hash.size()));
}

}  // namespace nexus::merkle
