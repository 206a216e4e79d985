#include "client/audit_verifier.h"

#include <map>

#include "absl/strings/str_cat.h"
#include "common/checkpoint.h"
#include "common/merkle.h"

namespace nexus {
namespace {

struct TrustedRoot {
  merkle::Hash root;
  std::string source;  // "checkpoint" or "witnessed checkpoint"
};

std::string Hex(const merkle::Hash& hash) { return merkle::ToHex(hash); }

// What is known about the entries since the last verified size, until the next trusted root
// decides whether they hold. The stored tree is rebuilt only from the first entry whose stored
// leaf hash differs from its recomputed one: until then the two trees are the same.
struct Segment {
  uint64_t start = 0;
  bool stored_complete = true;
  bool diverged = false;
  uint64_t first_difference = 0;
  merkle::Hash expected{}, found{};  // stored and recomputed leaf at first_difference
  merkle::Frontier stored_tree;      // valid once diverged
};

// The sequence number in an entry's bytes: field 1, a varint, which protobuf serializes first
// and omits when zero. Decoding only this keeps verification from parsing whole entries.
bool ReadSequence(absl::string_view bytes, uint64_t* sequence) {
  *sequence = 0;
  if (bytes.empty() || static_cast<uint8_t>(bytes[0]) != 0x08) return true;
  uint64_t value = 0;
  for (size_t i = 1, shift = 0; i < bytes.size() && shift < 64; ++i, shift += 7) {
    uint8_t byte = static_cast<uint8_t>(bytes[i]);
    value |= static_cast<uint64_t>(byte & 0x7f) << shift;
    if ((byte & 0x80) == 0) {
      *sequence = value;
      return true;
    }
  }
  return false;
}

}  // namespace

AuditVerifyReport VerifyAuditLog(const AuditVerifyOptions& options,
                                 const AuditEntrySource& source) {
  AuditVerifyReport report;
  auto fail = [&](std::string problem, int64_t index, std::string expected = "",
                  std::string found = "") {
    report.ok = false;
    report.problem = std::move(problem);
    report.index = index;
    report.expected = std::move(expected);
    report.found = std::move(found);
    return report;
  };

  // 1. Every checkpoint must carry a valid signature of the node's agency.
  std::map<uint64_t, std::vector<TrustedRoot>> roots;
  std::string origin;
  auto admit = [&](const v1::SignedCheckpoint& signed_checkpoint,
                   const char* what) -> absl::Status {
    absl::StatusOr<v1::Checkpoint> checkpoint = VerifyCheckpoint(signed_checkpoint, *options.keys);
    if (!checkpoint.ok()) return checkpoint.status();
    if (!origin.empty() && checkpoint->origin() != origin) {
      return absl::DataLossError(absl::StrCat("checkpoint at tree size ", checkpoint->tree_size(),
                                              " is of agency '", checkpoint->origin(), "', not '",
                                              origin, "'"));
    }
    origin = checkpoint->origin();
    absl::StatusOr<merkle::Hash> root = RootOf(*checkpoint);
    if (!root.ok()) return root.status();
    roots[checkpoint->tree_size()].push_back({*root, what});
    return absl::OkStatus();
  };
  uint64_t previous_size = 0;
  for (const v1::SignedCheckpoint& checkpoint : options.checkpoints) {
    if (absl::Status s = admit(checkpoint, "checkpoint"); !s.ok()) {
      // Entries from the last good checkpoint on are not covered by a valid signature.
      return fail(std::string(s.message()), static_cast<int64_t>(previous_size));
    }
    previous_size = roots.rbegin()->first;
    ++report.checkpoints;
  }
  for (const v1::SignedCheckpoint& checkpoint : options.witnessed) {
    if (absl::Status s = admit(checkpoint, "witnessed checkpoint"); !s.ok()) {
      return fail(absl::StrCat("witnessed ", s.message()), -1);
    }
  }
  if (options.checkpoints.empty()) return fail("the node has signed no checkpoint", 0);

  // 2. Walk the entries, recomputing the tree, and check each trusted root at its size.
  merkle::Frontier found_tree;
  Segment segment;
  uint64_t next = 0;
  bool stopped = false;
  auto check_roots = [&](uint64_t size) -> bool {
    auto it = roots.find(size);
    if (it == roots.end()) return true;
    merkle::Hash found_root = found_tree.Root();
    for (const TrustedRoot& trusted : it->second) {
      if (trusted.root == found_root) continue;
      // Locate the break: the stored leaf hashes can be trusted only if they rebuild the root.
      if (segment.diverged && segment.stored_complete &&
          segment.stored_tree.Root() == trusted.root) {
        fail(absl::StrCat("entry ", segment.first_difference, " does not match the signed tree (",
                          trusted.source, " at tree size ", size, ")"),
             static_cast<int64_t>(segment.first_difference), Hex(segment.expected),
             Hex(segment.found));
        return false;
      }
      fail(absl::StrCat("entries ", segment.start, " to ", size - 1,
                        " do not rebuild the root of the ", trusted.source, " at tree size ", size,
                        " (the stored tree was altered too, so the entry cannot be named)"),
           static_cast<int64_t>(segment.start), Hex(trusted.root), Hex(found_root));
      return false;
    }
    report.verified_size = size;
    report.root = Hex(found_root);
    segment = Segment();
    segment.start = size;
    return true;
  };

  absl::Status scanned = source([&](uint64_t index, absl::string_view bytes,
                                    absl::string_view stored_leaf) {
    if (index != next) {
      fail(index > next
               ? absl::StrCat("entry ", next, " is missing (the next stored entry is ", index, ")")
               : absl::StrCat("entry ", index, " appears twice or out of order"),
           static_cast<int64_t>(next));
      stopped = true;
      return false;
    }
    merkle::Hash leaf = merkle::LeafHash(bytes);
    merkle::Hash stored{};
    bool have_stored = stored_leaf.size() == 32;
    if (have_stored) std::copy(stored_leaf.begin(), stored_leaf.end(), stored.begin());
    segment.stored_complete = segment.stored_complete && have_stored;
    uint64_t sequence;
    if (!ReadSequence(bytes, &sequence) || sequence != index) {
      v1::AuditEntry entry;
      fail(entry.ParseFromArray(bytes.data(), static_cast<int>(bytes.size()))
               ? absl::StrCat("entry ", index, " holds sequence ", sequence, ": moved or swapped")
               : absl::StrCat("entry ", index, " is not a well-formed audit entry"),
           static_cast<int64_t>(index), have_stored ? Hex(stored) : "", Hex(leaf));
      stopped = true;
      return false;
    }
    if (!segment.diverged && have_stored && stored != leaf) {
      segment.diverged = true;
      segment.first_difference = index;
      segment.expected = stored;
      segment.found = leaf;
      segment.stored_tree = found_tree;  // identical up to here
    }
    found_tree.Append(leaf);
    if (segment.diverged) segment.stored_tree.Append(have_stored ? stored : leaf);
    ++next;
    if (!check_roots(next)) {
      stopped = true;
      return false;
    }
    return true;
  });
  report.entries = next;
  if (stopped) return report;
  if (!scanned.ok()) return fail(absl::StrCat("reading entries: ", scanned.message()), next);

  // 3. A trusted root beyond the end means entries were removed from the end.
  auto beyond = roots.upper_bound(next);
  if (beyond != roots.end()) {
    return fail(absl::StrCat("the log has ", next, " entries but a ", beyond->second[0].source,
                             " covers ", beyond->first, ": entries ", next, " to ",
                             beyond->first - 1, " are missing (truncated)"),
                static_cast<int64_t>(next));
  }
  if (report.verified_size < next) {
    report.notes.push_back(absl::StrCat(next - report.verified_size, " entries after tree size ",
                                        report.verified_size,
                                        " are not yet covered by a signed checkpoint"));
  }
  report.ok = true;
  return report;
}

}  // namespace nexus
