#include "policy/rule_index.h"

#include <algorithm>

#include "policy/rule_compiler.h"

namespace nexus::policy {

RuleIndex::RuleIndex(const std::vector<CompiledRule>& rules, size_t agencies,
                     const std::function<bool(const CompiledRule&, int)>& recipient_matches)
    : words_((rules.size() + 63) / 64), agencies_(agencies) {
  auto set_bit = [&](std::vector<uint64_t>& bits, size_t slot, size_t rule) {
    bits[slot * words_ + rule / 64] |= uint64_t{1} << (rule % 64);
  };
  // `count` sets, rule by rule, by whether `admits(rule, slot)`.
  auto build = [&](Sets& sets, size_t count, auto&& admits) {
    sets.count = count;
    sets.bits.assign(count * words_, 0);
    for (size_t slot = 0; slot < count; ++slot) {
      for (size_t i = 0; i < rules.size(); ++i) {
        if (admits(rules[i], static_cast<int>(slot))) set_bit(sets.bits, slot, i);
      }
    }
  };
  forbid_.assign(words_, 0);
  for (size_t i = 0; i < rules.size(); ++i) {
    if (rules[i].forbid) set_bit(forbid_, 0, i);
  }
  build(recipient_, agencies, recipient_matches);
  build(origin_, agencies + 1, [&](const CompiledRule& rule, int origin) {
    const bool known = static_cast<size_t>(origin) < agencies;
    return !rule.has_origins || (known && std::find(rule.origins.begin(), rule.origins.end(),
                                                    origin) != rule.origins.end());
  });
  build(tlp_, kValues,
        [](const CompiledRule& rule, int tlp) { return rule.tlp == 0 || ((rule.tlp >> tlp) & 1); });
  build(scope_, kValues, [](const CompiledRule& rule, int scope) {
    return rule.scopes == 0 || ((rule.scopes >> scope) & 1);
  });
  build(nexus_, kValues + 1, [](const CompiledRule& rule, int bit) {
    return rule.nexus_types == 0 || (bit < kValues && ((rule.nexus_types >> bit) & 1));
  });
  // Any-of facts: a mask per rule, or a list of tags.
  auto build_mask = [&](AnyOf& any, auto&& mask_of) {
    any.unconditioned.assign(words_, 0);
    build(any.named, kValues,
          [&](const CompiledRule& rule, int bit) { return (mask_of(rule) >> bit) & 1; });
    for (size_t i = 0; i < rules.size(); ++i) {
      if (mask_of(rules[i]) == 0) set_bit(any.unconditioned, 0, i);
    }
  };
  build_mask(indicator_types_, [](const CompiledRule& rule) { return rule.indicator_types; });
  build_mask(watch_points_, [](const CompiledRule& rule) { return rule.watch_points; });
  for (const CompiledRule& rule : rules) {
    for (const std::string& tag : rule.tags) {
      tag_slots_.emplace(tag, static_cast<int>(tag_slots_.size()));
    }
  }
  tags_.unconditioned.assign(words_, 0);
  tags_.named.count = tag_slots_.size();
  tags_.named.bits.assign(tag_slots_.size() * words_, 0);
  for (size_t i = 0; i < rules.size(); ++i) {
    if (rules[i].tags.empty()) set_bit(tags_.unconditioned, 0, i);
    for (const std::string& tag : rules[i].tags) set_bit(tags_.named.bits, tag_slots_.at(tag), i);
  }
}

const uint64_t* RuleIndex::Set(const Sets& sets, int slot) const {
  if (slot < 0 || static_cast<size_t>(slot) >= sets.count) return nullptr;
  return sets.bits.data() + static_cast<size_t>(slot) * words_;
}

void RuleIndex::Union(const AnyOf& any, uint32_t mask, uint64_t* out) const {
  std::copy(any.unconditioned.begin(), any.unconditioned.end(), out);
  for (; mask != 0; mask &= mask - 1) {
    const uint64_t* named = Set(any.named, std::countr_zero(mask));
    for (size_t w = 0; named != nullptr && w < words_; ++w) out[w] |= named[w];
  }
}

RuleIndex::Candidates RuleIndex::For(const RecordFacts& record, int recipient) const {
  if (words_ == 0 || recipient < 0 || static_cast<size_t>(recipient) >= agencies_) return {};
  Candidates candidates(words_);
  uint64_t* out = candidates.data();
  const bool known_origin = record.origin >= 0 && static_cast<size_t>(record.origin) < agencies_;
  const uint32_t nexus = record.nexus_type_bit;
  const uint64_t* one_of[] = {
      Set(recipient_, recipient),
      Set(origin_, known_origin ? record.origin : static_cast<int>(agencies_)),
      Set(tlp_, record.tlp),
      Set(scope_, record.scope),
      Set(nexus_, nexus == 0                   ? kValues
                  : std::has_single_bit(nexus) ? std::countr_zero(nexus)
                                               : -1),
  };
  std::fill(out, out + words_, ~uint64_t{0});
  for (const uint64_t* set : one_of) {
    for (size_t w = 0; set != nullptr && w < words_; ++w) out[w] &= set[w];
  }
  absl::InlinedVector<uint64_t, 32> any(words_);
  Union(indicator_types_, record.indicator_types, any.data());
  for (size_t w = 0; w < words_; ++w) out[w] &= any[w];
  Union(watch_points_, record.watch_points, any.data());
  for (size_t w = 0; w < words_; ++w) out[w] &= any[w];
  // Tags: those the policy names; a record tag no rule names admits only the unconditioned.
  std::copy(tags_.unconditioned.begin(), tags_.unconditioned.end(), any.begin());
  for (const std::string& tag : record.tags) {
    auto slot = tag_slots_.find(tag);
    if (slot == tag_slots_.end()) continue;
    const uint64_t* named = Set(tags_.named, slot->second);
    for (size_t w = 0; w < words_; ++w) any[w] |= named[w];
  }
  for (size_t w = 0; w < words_; ++w) out[w] &= any[w];
  return candidates;
}

}  // namespace nexus::policy
