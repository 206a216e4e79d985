// Which rules of a policy a decision has to examine, found with a few word-wide ANDs and ORs
// instead of a test of every rule: for each value of the facts rules test most (the recipient,
// the record's origin, TLP, distribution scope and nexus type: one value each; its indicator
// types, watch points and tags: any of several), the set of rules that the value does not
// already rule out, as a bit set. A pure pre-filter: every candidate is still checked in full
// (Mismatch in sharing_policy.cc), so a decision is the same with or without the index; the rules
// it skips are only ones that would have failed anyway.
#ifndef NEXUS_POLICY_RULE_INDEX_H_
#define NEXUS_POLICY_RULE_INDEX_H_

#include <bit>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/container/inlined_vector.h"
#include "policy/record_facts.h"

namespace nexus::policy {

struct CompiledRule;

class RuleIndex {
 public:
  RuleIndex() = default;
  // `recipient_matches(rule, agency)`: whether the rule's recipient conditions admit the agency.
  RuleIndex(const std::vector<CompiledRule>& rules, size_t agencies,
            const std::function<bool(const CompiledRule&, int)>& recipient_matches);

  // The rules that the record's and recipient's indexed facts do not rule out: empty for a
  // recipient outside the federation.
  using Candidates = absl::InlinedVector<uint64_t, 32>;
  Candidates For(const RecordFacts& record, int recipient) const;

  // Calls `visit(i)` for each forbid rule (`forbids`), or each other rule, among `candidates`, in
  // ascending order. (A decision looks at the forbids first: when one matches, no permit counts.)
  template <typename Visit>
  void ForEach(const Candidates& candidates, bool forbids, Visit&& visit) const {
    for (size_t w = 0; w < candidates.size(); ++w) {
      for (uint64_t word = candidates[w] & (forbids ? forbid_[w] : ~forbid_[w]); word != 0;
           word &= word - 1) {
        visit(static_cast<uint16_t>(w * 64 + std::countr_zero(word)));
      }
    }
  }

 private:
  // Enum values indexed for TLP, scope and nexus type, and bits of the indicator type and watch
  // point masks (the defined ones are far below).
  static constexpr int kValues = 32;

  // A family of bit sets, one per slot, `words` words each.
  struct Sets {
    std::vector<uint64_t> bits;
    size_t count = 0;
  };
  // The rules that a fact with any of several values admits: those without the condition, and
  // for each value, those that name it.
  struct AnyOf {
    std::vector<uint64_t> unconditioned;
    Sets named;
  };

  // The set for `slot`, or null (no filtering by that fact) for a slot outside the family.
  const uint64_t* Set(const Sets& sets, int slot) const;
  // ORs into `out` the sets of `any` for each set bit of `mask`, with the unconditioned rules.
  void Union(const AnyOf& any, uint32_t mask, uint64_t* out) const;

  size_t words_ = 0;
  size_t agencies_ = 0;
  std::vector<uint64_t> forbid_;  // the forbid rules
  Sets recipient_;                // agencies
  Sets origin_;                   // agencies + 1; the last: an origin outside them
  Sets tlp_, scope_;              // kValues each
  Sets nexus_;                    // kValues + 1; the last: no nexus type
  AnyOf indicator_types_;         // by IndicatorType bit
  AnyOf watch_points_;            // by WatchPoint bit
  AnyOf tags_;                    // by tag, numbered in tag_slots_
  absl::flat_hash_map<std::string, int> tag_slots_;
};

}  // namespace nexus::policy

#endif  // NEXUS_POLICY_RULE_INDEX_H_
