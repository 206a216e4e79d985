// Which rules of a policy a decision has to examine, found with a few word-wide ANDs instead of a
// test of every rule: for each value of the facts that most rules test (the recipient, the
// record's origin, TLP, distribution scope and nexus type), the set of rules that the value does
// not already rule out, as a bit set. A pure pre-filter: every candidate is still checked in full
// (Mismatch in sharing_policy.cc), so a decision is the same with or without the index; only the
// rules it skips are ones that would have failed anyway.
#ifndef NEXUS_POLICY_RULE_INDEX_H_
#define NEXUS_POLICY_RULE_INDEX_H_

#include <bit>
#include <cstdint>
#include <functional>
#include <vector>

#include "policy/record_facts.h"

namespace nexus::policy {

struct CompiledRule;

class RuleIndex {
 public:
  RuleIndex() = default;
  // `recipient_matches(rule, agency)`: whether the rule's recipient conditions admit the agency.
  RuleIndex(const std::vector<CompiledRule>& rules, size_t agencies,
            const std::function<bool(const CompiledRule&, int)>& recipient_matches);

  // Calls `visit(i)` for each rule `i` that the record's and recipient's indexed facts do not
  // rule out, in ascending order. None for a recipient outside the federation.
  template <typename Visit>
  void ForEachCandidate(const RecordFacts& record, int recipient, Visit&& visit) const {
    if (words_ == 0 || recipient < 0 || static_cast<size_t>(recipient) >= agencies_) return;
    const uint64_t* sets[] = {
        Set(recipient_, recipient),
        Set(origin_, record.origin >= 0 && static_cast<size_t>(record.origin) < agencies_
                         ? record.origin
                         : static_cast<int>(agencies_)),
        Set(tlp_, record.tlp < kValues ? record.tlp : -1),
        Set(scope_, record.scope < kValues ? record.scope : -1),
        Set(nexus_, record.nexus_type_bit == 0 ? kValues
                    : std::has_single_bit(record.nexus_type_bit)
                        ? std::countr_zero(record.nexus_type_bit)
                        : -1),
    };
    for (size_t w = 0; w < words_; ++w) {
      uint64_t bits = ~uint64_t{0};
      for (const uint64_t* set : sets) {
        if (set != nullptr) bits &= set[w];
      }
      while (bits != 0) {
        visit(static_cast<uint16_t>(w * 64 + std::countr_zero(bits)));
        bits &= bits - 1;
      }
    }
  }

 private:
  // Enum values indexed for TLP, scope and nexus type (the defined ones are far below); slot
  // kValues of `nexus_` is "no nexus type".
  static constexpr int kValues = 32;

  // The set for `slot`, or null (no filtering by that fact) for a slot outside the index.
  const uint64_t* Set(const std::vector<uint64_t>& sets, int slot) const {
    if (slot < 0 || (static_cast<size_t>(slot) + 1) * words_ > sets.size()) return nullptr;
    return sets.data() + static_cast<size_t>(slot) * words_;
  }

  size_t words_ = 0;
  size_t agencies_ = 0;
  std::vector<uint64_t> recipient_;    // agencies sets
  std::vector<uint64_t> origin_;       // agencies + 1 sets; the last: an origin outside them
  std::vector<uint64_t> tlp_, scope_;  // kValues sets each
  std::vector<uint64_t> nexus_;        // kValues + 1 sets
};

}  // namespace nexus::policy

#endif  // NEXUS_POLICY_RULE_INDEX_H_
