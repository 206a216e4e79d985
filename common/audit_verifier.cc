#include "common/audit_verifier.h"

#include <algorithm>
#include <map>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/time/time.h"
#include "common/checkpoint.h"
#include "common/merkle.h"
#include "common/storage/audit_format.h"

namespace nexus {
namespace {

struct TrustedRoot {
  merkle::Hash root;
  std::string source;  // "signed head at tree size N", "witnessed checkpoint at tree size N", ...
  bool witnessed = false;
};

std::string Hex(const merkle::Hash& hash) { return merkle::ToHex(hash); }

// How nodes before LogOpening recorded an accepted recovery: in the NODE_START entry's detail.
constexpr absl::string_view kOldRecoveryDetail =
    "the audit log failed verification at start-up and was accepted by "
    "--accept-unverified-audit-log: ";

// What a NODE_START entry says of the log's opening, if more than "started".
std::optional<LogOpeningRecord> OpeningOf(uint64_t index, absl::string_view bytes) {
  v1::AuditEntry entry;
  if (!entry.ParseFromArray(bytes.data(), static_cast<int>(bytes.size()))) return std::nullopt;
  LogOpeningRecord record{index, entry.time_unix_micros(), entry.log_opening()};
  if (!entry.has_log_opening()) {
    if (!absl::StartsWith(entry.detail(), kOldRecoveryDetail)) return std::nullopt;
    record.opening.set_accepted_failure(entry.detail().substr(kOldRecoveryDetail.size()));
  }
  return record;
}

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
  // The first stored inner node that differs from the rebuilt tree, with what is stored there.
  bool bad_node = false;
  merkle::Frontier::Node node{};
  merkle::Hash node_stored{};
};

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

  // 1. The signed head names the agency; every checkpoint must carry a valid signature of it.
  // A log written before every commit signed a head (an older data directory) has checkpoints
  // only: its newest checkpoint stands in for the head, so it must cover every entry, and any
  // entry beyond it fails below as one beyond a head would. Nothing else is relaxed.
  std::optional<v1::SignedCheckpoint> signed_head = options.head;
  const bool before_heads = !signed_head.has_value() && !options.checkpoints.empty();
  if (before_heads) signed_head = options.checkpoints.back();
  if (!signed_head.has_value()) {
    return fail("the node holds no signed head: no signature covers its latest entries", 0);
  }
  report.checkpoints_only = before_heads;
  absl::StatusOr<v1::Checkpoint> head = VerifyCheckpoint(*signed_head, *options.keys);
  if (!head.ok()) return fail(absl::StrCat("signed head: ", head.status().message()), 0);
  const std::string origin = head->origin();
  report.origin = origin;
  if (!options.expected_origin.empty() && origin != options.expected_origin) {
    // Another member's key can sign a copy of this log as its own: it verifies as that member's
    // log, which is not the log asked about.
    return fail(absl::StrCat("the log is signed as agency '", origin, "', not as '",
                             options.expected_origin,
                             "', the agency whose node it should be: a log re-signed by another "
                             "member, or the wrong log"),
                0);
  }
  std::map<uint64_t, std::vector<TrustedRoot>> roots;
  auto admit = [&](const v1::SignedCheckpoint& signed_checkpoint, const char* what,
                   bool witnessed) -> absl::Status {
    v1::Checkpoint claimed;
    if (!claimed.ParseFromString(signed_checkpoint.checkpoint())) {
      return absl::DataLossError(absl::StrCat(what, " is malformed"));
    }
    if (claimed.origin() != origin) {
      return absl::DataLossError(
          witnessed
              ? absl::StrCat("the witness file holds a checkpoint of agency '", claimed.origin(),
                             "' (tree size ", claimed.tree_size(), "), not of '", origin,
                             "': a foreign checkpoint, which says nothing about this log "
                             "(wrong --witness file?)")
              : absl::StrCat("the node holds a ", what, " of agency '", claimed.origin(),
                             "' (tree size ", claimed.tree_size(), "), not of its own '", origin,
                             "': a foreign checkpoint among the node's own"));
    }
    absl::StatusOr<v1::Checkpoint> checkpoint = VerifyCheckpoint(signed_checkpoint, *options.keys);
    if (!checkpoint.ok()) return checkpoint.status();
    absl::StatusOr<merkle::Hash> root = RootOf(*checkpoint);
    if (!root.ok()) return root.status();
    roots[checkpoint->tree_size()].push_back(
        {*root, absl::StrCat(what, " at tree size ", checkpoint->tree_size()), witnessed});
    return absl::OkStatus();
  };
  if (!before_heads) {
    if (absl::Status s = admit(*signed_head, "signed head", false); !s.ok()) {
      return fail(std::string(s.message()), 0);
    }
    ++report.checkpoints;
  }
  uint64_t previous_size = 0;
  for (const v1::SignedCheckpoint& checkpoint : options.checkpoints) {
    if (absl::Status s = admit(checkpoint, "checkpoint", false); !s.ok()) {
      // Entries from the last good checkpoint on are not covered by a valid signature.
      return fail(std::string(s.message()), static_cast<int64_t>(previous_size));
    }
    previous_size = roots.rbegin()->first;
    ++report.checkpoints;
  }
  for (const v1::SignedCheckpoint& checkpoint : options.witnessed) {
    if (absl::Status s = admit(checkpoint, "witnessed checkpoint", true); !s.ok()) {
      return fail(absl::StrCat("witnessed: ", s.message()), -1);
    }
  }

  // 2. Two roots signed for one size are a fork, whatever the entries say.
  for (const auto& [size, trusted] : roots) {
    for (const TrustedRoot& other : trusted) {
      const TrustedRoot& first = trusted.front();
      if (other.root == first.root) continue;
      const TrustedRoot& mine = first.witnessed ? other : first;
      const TrustedRoot& theirs = first.witnessed ? first : other;
      std::string what =
          mine.witnessed || !theirs.witnessed
              ? absl::StrCat("agency '", origin, "' signed two different roots for tree size ",
                             size, " (", first.source, " and ", other.source, ")")
              : absl::StrCat("you witnessed root ", Hex(theirs.root), " for tree size ", size,
                             ", but the node's ", mine.source, " has root ", Hex(mine.root),
                             "; both are signed by agency '", origin, "'");
      return fail(
          absl::StrCat("FORK: ", what, ": the node has shown two different histories of its log"),
          -1, Hex(first.root), Hex(other.root));
    }
  }

  // 3. Walk the entries, recomputing the tree, and check each trusted root at its size.
  merkle::Frontier found_tree = options.prefix.value_or(merkle::Frontier());
  Segment segment;
  segment.start = found_tree.size();
  uint64_t next = found_tree.size();
  bool stopped = false;
  std::vector<merkle::Frontier::Node> completed;
  uint64_t largest_witnessed_match = 0;  // the largest witnessed size the entries rebuilt
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
                          trusted.source, ")"),
             static_cast<int64_t>(segment.first_difference), Hex(segment.expected),
             Hex(segment.found));
        return false;
      }
      fail(trusted.witnessed
               ? absl::StrCat("entries ", segment.start, " to ", size - 1,
                              " do not rebuild the root of the ", trusted.source,
                              ": the log was rewritten after you witnessed it")
               : absl::StrCat("entries ", segment.start, " to ", size - 1,
                              " do not rebuild the root of the ", trusted.source,
                              " (the stored tree was altered too, so the entry cannot be named)"),
           static_cast<int64_t>(segment.start), Hex(trusted.root), Hex(found_root));
      return false;
    }
    // The entries hold; then the stored tree must be theirs.
    for (const TrustedRoot& trusted : it->second) {
      if (trusted.witnessed) largest_witnessed_match = size;
    }
    const std::string& by = it->second.front().source;
    if (segment.diverged) {
      fail(absl::StrCat("the stored audit tree leaf (level 0 index ", segment.first_difference,
                        ") differs from the hash of entry ", segment.first_difference,
                        ", which the ", by, " confirms: the stored tree was altered"),
           static_cast<int64_t>(segment.first_difference), Hex(segment.found),
           Hex(segment.expected));
      return false;
    }
    if (segment.bad_node) {
      const merkle::Frontier::Node& node = segment.node;
      uint64_t first = node.index << node.level;
      fail(absl::StrCat("the stored audit tree node level ", node.level, " index ", node.index,
                        " (entries ", first, " to ", ((node.index + 1) << node.level) - 1,
                        ") differs from the tree rebuilt from the entries, which the ", by,
                        " confirms: the stored tree was altered"),
           static_cast<int64_t>(first), Hex(node.hash), Hex(segment.node_stored));
      return false;
    }
    report.verified_size = size;
    report.root = Hex(found_root);
    segment = Segment();
    segment.start = size;
    return true;
  };

  if (options.prefix.has_value()) {  // what is signed at the prefix's size must be its root
    report.verified_size = next;
    report.root = Hex(found_tree.Root());
    if (!check_roots(next)) return report;
  }
  absl::Status scanned =
      source([&](uint64_t index, absl::string_view bytes, absl::string_view stored_leaf) {
        if (index != next) {
          fail(index > next ? absl::StrCat("entry ", next, " is missing (the next stored entry is ",
                                           index, ")")
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
        audit_format::EntryFields fields;
        if (!audit_format::ReadEntryFields(bytes, &fields) || fields.sequence != index) {
          v1::AuditEntry entry;
          fail(entry.ParseFromArray(bytes.data(), static_cast<int>(bytes.size()))
                   ? absl::StrCat("entry ", index, " holds sequence ", fields.sequence,
                                  ": moved or swapped")
                   : absl::StrCat("entry ", index, " is not a well-formed audit entry"),
               static_cast<int64_t>(index), have_stored ? Hex(stored) : "", Hex(leaf));
          stopped = true;
          return false;
        }
        if (before_heads && fields.log_format >= v1::LOG_FORMAT_SIGNED_HEADS) {
          // Its writer signed a head with every commit: a log of such entries without a head had
          // its head deleted, and the newest checkpoint left may stand before erased entries.
          fail(absl::StrCat("entry ", index,
                            " was written by a node that signs a head with every commit, but no "
                            "signed head is stored: the head was deleted, and entries after the "
                            "newest checkpoint (tree size ",
                            head->tree_size(), ") may have been erased"),
               static_cast<int64_t>(index));
          stopped = true;
          return false;
        }
        if (fields.action == v1::AUDIT_ACTION_NODE_START) {
          if (std::optional<LogOpeningRecord> opening = OpeningOf(index, bytes)) {
            if (!opening->opening.accepted_failure().empty()) report.recoveries.push_back(*opening);
            if (opening->opening.upgraded_from_checkpoints_only())
              report.upgrades.push_back(*opening);
          }
        }
        if (!segment.diverged && (!have_stored || stored != leaf) &&
            (have_stored || options.stored_nodes)) {
          // A missing stored leaf counts as a difference when the stored tree is read directly.
          segment.diverged = true;
          segment.first_difference = index;
          segment.expected = stored;
          segment.found = leaf;
          segment.stored_tree = found_tree;  // identical up to here
        }
        completed.clear();
        found_tree.Append(leaf, &completed);
        if (options.stored_nodes && !segment.bad_node) {
          for (const merkle::Frontier::Node& node : completed) {
            if (node.level == 0) continue;  // the leaf was compared above
            absl::StatusOr<merkle::Hash> stored_node = options.stored_nodes(node.level, node.index);
            if (stored_node.ok() && *stored_node == node.hash) continue;
            if (absl::IsUnavailable(stored_node.status())) {  // a read error is no verdict
              fail(absl::StrCat("cannot read the stored tree: ", stored_node.status().message()),
                   static_cast<int64_t>(index));
              report.unreadable = true;
              stopped = true;
              return false;
            }
            segment.bad_node = true;
            segment.node = node;
            if (stored_node.ok()) segment.node_stored = *stored_node;
            break;
          }
        }
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
  if (!scanned.ok()) {
    // DataLoss: the source found something stored that no node writes (an entry under a key
    // that is not a sequence number); anything else is a read that failed.
    const bool damaged = absl::IsDataLoss(scanned);
    fail(absl::StrCat(damaged ? "after entry " : "cannot read the entries after entry ", next, ": ",
                      scanned.message()),
         static_cast<int64_t>(next));
    report.unreadable = !damaged;
    return report;
  }

  // 4. A trusted root beyond the end means entries were removed from the end; entries beyond
  // the signed head were added (or altered) outside the node.
  auto beyond = roots.upper_bound(next);
  if (beyond != roots.end()) {
    // Only the auditor's own record can be from another log: a truncation keeps the witnessed
    // history it had; a log that rebuilds none of it may be another log under the same key (the
    // node's data replaced), which is a different finding.
    const bool witnessed_only = std::all_of(beyond, roots.end(), [](const auto& size_roots) {
      return std::all_of(size_roots.second.begin(), size_roots.second.end(),
                         [](const TrustedRoot& root) { return root.witnessed; });
    });
    std::string why = "truncated";
    if (witnessed_only && largest_witnessed_match != 0) {
      why = absl::StrCat("truncated: the entries kept rebuild what you witnessed at tree size ",
                         largest_witnessed_match);
    } else if (witnessed_only) {
      why = absl::StrCat(
          "truncated, or the node now keeps another log under the same key (its data replaced):"
          " nothing you witnessed is small enough to tell which, and either is a rewrite of the "
          "history you witnessed");
    }
    return fail(absl::StrCat("the log has ", next, " entries but the ", beyond->second[0].source,
                             " covers ", beyond->first, ": entries ", next, " to ",
                             beyond->first - 1, " are missing (", why, ")"),
                static_cast<int64_t>(next));
  }
  if (report.verified_size < next || head->tree_size() != next) {
    uint64_t from = std::min<uint64_t>(report.verified_size, head->tree_size());
    return fail(absl::StrCat(
                    from + 1 == next ? absl::StrCat("entry ", from, " is")
                                     : absl::StrCat("entries ", from, " to ", next - 1, " are"),
                    " covered by no signed head or checkpoint: ",
                    before_heads ? "the node holds no signed head and its newest "
                                   "checkpoint covers "
                                 : "the node's signed head covers ",
                    head->tree_size(), " entries, so these were added or altered outside the node"),
                static_cast<int64_t>(from));
  }
  if (before_heads) {
    report.notes.push_back(absl::StrCat(
        "the log was written before signed heads (none is stored): its newest checkpoint, at "
        "tree size ",
        head->tree_size(), ", covers every entry"));
  }
  for (const LogOpeningRecord& upgrade : report.upgrades) {
    report.notes.push_back(
        absl::StrCat("entries 0 to ", upgrade.entry == 0 ? 0 : upgrade.entry - 1,
                     " were written before signed heads, covered by checkpoints only; from entry ",
                     upgrade.entry, " (NODE_START, the upgrade) on, every commit signed a head"));
  }
  report.ok = true;
  report.tree = std::move(found_tree);
  return report;
}

std::string DescribeRecovery(const LogOpeningRecord& recovery) {
  const v1::LogOpening& opening = recovery.opening;
  std::string superseded;
  if (opening.superseded_checkpoints_size() > 0) {
    superseded = absl::StrCat("; checkpoints at tree sizes ",
                              absl::StrJoin(opening.superseded_checkpoints(), ", "),
                              opening.superseded_omitted() > 0
                                  ? absl::StrCat(" and ", opening.superseded_omitted(), " more")
                                  : "",
                              " were superseded");
  }
  return absl::StrCat(
      "RECOVERY at entry ", recovery.entry, " (",
      absl::FormatTime("%Y-%m-%dT%H:%M:%SZ", absl::FromUnixMicros(recovery.time_unix_micros),
                       absl::UTCTimeZone()),
      "): the node was started with --accept-unverified-audit-log over a log that failed "
      "verification: ",
      opening.accepted_failure(), superseded);
}

}  // namespace nexus
