#include "client/cli/trail_answer_check.h"

#include <algorithm>
#include <vector>

#include "absl/strings/str_cat.h"
#include "common/checkpoint.h"
#include "common/merkle.h"
#include "common/untrusted_text.h"

namespace nexus {
namespace {

absl::StatusOr<std::vector<merkle::Hash>> HashesOf(
    const google::protobuf::RepeatedPtrField<std::string>& bytes) {
  std::vector<merkle::Hash> hashes;
  for (const std::string& one : bytes) {
    if (one.size() != 32) return absl::InvalidArgumentError("a proof element is not 32 bytes");
    merkle::Hash& hash = hashes.emplace_back();
    std::copy(one.begin(), one.end(), hash.begin());
  }
  return hashes;
}

// The checkpoint of `signed_head`, if signed under `agency`'s key and naming its log.
absl::StatusOr<v1::Checkpoint> HeadOf(const v1::SignedCheckpoint& signed_head,
                                      absl::string_view agency, const Keyring& keys) {
  absl::StatusOr<v1::Checkpoint> head = VerifyCheckpoint(signed_head, keys);
  if (!head.ok()) return head.status();
  if (head->origin() != agency) {
    return absl::InvalidArgumentError(absl::StrCat("it is the head of ", QuoteInput(head->origin()),
                                                   "'s log, not of '", agency, "'"));
  }
  return head;
}

}  // namespace

TrailAnswerCheck CheckTrailAnswer(const v1::RecordTrailAnswer& answer, absl::string_view agency,
                                  absl::string_view record_id, const Keyring& keys,
                                  absl::string_view relay,
                                  const std::optional<v1::SignedCheckpoint>& own_witness) {
  TrailAnswerCheck check;
  auto fail = [&](std::string problem) {
    check.problem = std::move(problem);
    return check;
  };
  if (answer.agency_id() != agency) {
    return fail(absl::StrCat("the answer says it is from ", QuoteInput(answer.agency_id()),
                             ", not from '", agency, "'"));
  }
  absl::StatusOr<v1::Checkpoint> head = HeadOf(answer.head(), agency, keys);
  if (!head.ok()) return fail(absl::StrCat("its signed head: ", head.status().message()));
  check.head_size = head->tree_size();
  absl::StatusOr<merkle::Hash> root = RootOf(*head);
  if (!root.ok()) return fail(absl::StrCat("its signed head: ", root.status().message()));

  uint64_t next_index = 0;
  for (const v1::TrailEntry& listed : answer.entries()) {
    if (listed.index() < next_index || listed.index() >= head->tree_size()) {
      return fail(absl::StrCat("entry #", listed.index(),
                               " is out of order or outside its head of size ", head->tree_size()));
    }
    next_index = listed.index() + 1;
    v1::AuditEntry entry;
    if (!entry.ParseFromString(listed.entry()) ||
        std::none_of(
            entry.targets().begin(), entry.targets().end(),
            [&](const v1::AuditTarget& target) { return target.record_id() == record_id; })) {
      return fail(absl::StrCat("entry #", listed.index(), " does not name the record"));
    }
    absl::StatusOr<std::vector<merkle::Hash>> proof = HashesOf(listed.inclusion_proof());
    absl::Status included =
        proof.ok() ? merkle::VerifyInclusion(listed.index(), head->tree_size(),
                                             merkle::LeafHash(listed.entry()), *proof, *root)
                   : proof.status();
    if (!included.ok()) {
      return fail(absl::StrCat("entry #", listed.index(),
                               " is not proved in its signed head: ", included.message()));
    }
  }

  std::optional<v1::SignedCheckpoint> witnessed = own_witness;
  std::string witness_name = "this client";
  if (!relay.empty()) {
    if (answer.witnessed_by() != relay) {
      return fail(absl::StrCat("the answer says the node of ", QuoteInput(answer.witnessed_by()),
                               " passed the question to it, not the node of '", relay, "'"));
    }
    witnessed.reset();
    if (answer.has_witnessed_head()) witnessed = answer.witnessed_head();
    witness_name = absl::StrCat("the node of '", relay, "'");
  }
  if (!witnessed.has_value()) {
    check.witnessed = absl::StrCat("no head of its log witnessed by ", witness_name,
                                   ": proved against its own signed head only");
    check.verified = true;
    return check;
  }
  absl::StatusOr<v1::Checkpoint> seen = HeadOf(*witnessed, agency, keys);
  if (!seen.ok()) {
    return fail(absl::StrCat("the head ", witness_name, " witnessed: ", seen.status().message()));
  }
  absl::StatusOr<merkle::Hash> seen_root = RootOf(*seen);
  absl::StatusOr<std::vector<merkle::Hash>> proof = HashesOf(answer.consistency_proof());
  absl::Status consistent =
      !seen_root.ok() ? seen_root.status()
      : !proof.ok()   ? proof.status()
      : seen->tree_size() > head->tree_size()
          ? absl::InvalidArgumentError(absl::StrCat("its head of size ", head->tree_size(),
                                                    " is smaller: the log was cut back"))
      : seen->tree_size() == head->tree_size()
          ? (*seen_root == *root ? absl::OkStatus()
                                 : absl::InvalidArgumentError("a second root for the same size"))
          : merkle::VerifyConsistency(seen->tree_size(), head->tree_size(), *seen_root, *root,
                                      *proof);
  if (!consistent.ok()) {
    return fail(absl::StrCat("its head does not extend the head of size ", seen->tree_size(),
                             " that ", witness_name,
                             " witnessed (another log, or one rewritten): ", consistent.message()));
  }
  check.witnessed = absl::StrCat("extends the head of size ", seen->tree_size(), " that ",
                                 witness_name, " witnessed");
  check.witnessed_head = true;
  check.verified = true;
  return check;
}

}  // namespace nexus
