#include "client/cli/peer_heads_check.h"

#include "absl/strings/str_cat.h"
#include "common/checkpoint.h"
#include "common/crypto.h"
#include "common/untrusted_text.h"

namespace nexus {
namespace {

// Messages quote what the node sent; they are escaped again where printed, so this only bounds.
constexpr size_t kMaxQuotedBytes = 128;

// A hash as hex, bounded: a hostile node could send megabytes where 32 bytes belong.
std::string Hex(absl::string_view hash) {
  return hash.size() <= 32 ? HexEncode(hash) : absl::StrCat(HexEncode(hash.substr(0, 32)), "...");
}

PeerHeadsReport Broken(PeerHeadsReport report, std::string problem) {
  report.ok = false;
  report.problem = std::move(problem);
  return report;
}

}  // namespace

PeerHeadsReport CheckPeerHeads(absl::string_view agency, const v1::PeerHeadsResponse& response,
                               const Keyring* keys) {
  PeerHeadsReport report;
  report.heads = response.heads_size();
  // The latest head is shown whatever else is found, so it is decoded first.
  if (!response.heads().empty()) {
    v1::Checkpoint latest;
    if (latest.ParseFromString(response.heads().rbegin()->checkpoint())) {
      report.latest = latest;
      report.latest_key_id = response.heads().rbegin()->key_id();
    }
  }
  const v1::PeerWitness& witness = response.witness();
  if (!witness.alarm().empty()) {
    report.alarm = true;
    return Broken(report, witness.alarm());
  }
  std::optional<v1::Checkpoint> previous;
  for (int i = 0; i < response.heads_size(); ++i) {
    const v1::SignedCheckpoint& signed_head = response.heads(i);
    v1::Checkpoint head;
    if (!head.ParseFromString(signed_head.checkpoint())) {
      return Broken(report, absl::StrCat("head ", i + 1, " of ", report.heads, " is malformed"));
    }
    if (head.origin() != agency) {
      return Broken(report, absl::StrCat("head ", i + 1, " is of the log of ",
                                         QuoteInput(head.origin(), kMaxQuotedBytes), ", not of ",
                                         QuoteInput(agency, kMaxQuotedBytes)));
    }
    if (keys != nullptr) {
      if (keys->Find(agency, signed_head.key_id()) == nullptr) {
        return Broken(report, absl::StrCat("no public key ", QuoteInput(signed_head.key_id()),
                                           " of ", QuoteInput(agency, kMaxQuotedBytes),
                                           " in --keys: the heads cannot be checked"));
      }
      if (absl::StatusOr<v1::Checkpoint> verified = VerifyCheckpoint(signed_head, *keys);
          !verified.ok()) {
        return Broken(report, absl::StrCat("head ", i + 1, " (tree size ", head.tree_size(),
                                           ") does not verify: ", verified.status().message()));
      }
    }
    // Heads come oldest first; each must extend the one before, which the node claims to have
    // checked with a consistency proof. Two roots for one size, or a shrinking tree, is what its
    // alarm exists for: a node that shows one without the alarm contradicts itself.
    if (previous && head.tree_size() < previous->tree_size()) {
      return Broken(report, absl::StrCat("the node shows a rollback without an alarm: head ", i + 1,
                                         " has tree size ", head.tree_size(), " after tree size ",
                                         previous->tree_size()));
    }
    if (previous && head.tree_size() == previous->tree_size() &&
        head.root_hash() != previous->root_hash()) {
      return Broken(report, absl::StrCat("the node shows a fork without an alarm: two roots for "
                                         "tree size ",
                                         head.tree_size(), " (", Hex(previous->root_hash()),
                                         " and ", Hex(head.root_hash()), ")"));
    }
    previous = head;
  }
  // The witness state is the node's own summary of the latest head: for one size the two must
  // not disagree. (A witness ahead of or behind the list can be a head checked between the two
  // reads, so sizes alone prove nothing.)
  if (previous && witness.tree_size() == previous->tree_size() &&
      witness.root_hash() != previous->root_hash()) {
    return Broken(report,
                  absl::StrCat("the node's witness state has root ", Hex(witness.root_hash()),
                               " for tree size ", witness.tree_size(), ", its latest head has ",
                               Hex(previous->root_hash())));
  }
  report.signatures_checked = keys != nullptr && report.heads != 0;
  report.ok = true;
  return report;
}

}  // namespace nexus
