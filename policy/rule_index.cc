#include "policy/rule_index.h"

#include <algorithm>

#include "policy/rule_compiler.h"

namespace nexus::policy {

RuleIndex::RuleIndex(const std::vector<CompiledRule>& rules, size_t agencies,
                     const std::function<bool(const CompiledRule&, int)>& recipient_matches)
    : words_((rules.size() + 63) / 64), agencies_(agencies) {
  // Sets `count` sets of `sets`, rule by rule, by whether `admits(rule, slot)`.
  auto build = [&](std::vector<uint64_t>& sets, size_t count, auto&& admits) {
    sets.assign(count * words_, 0);
    for (size_t slot = 0; slot < count; ++slot) {
      for (size_t i = 0; i < rules.size(); ++i) {
        if (admits(rules[i], static_cast<int>(slot))) {
          sets[slot * words_ + i / 64] |= uint64_t{1} << (i % 64);
        }
      }
    }
  };
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
}

}  // namespace nexus::policy
