#include "policy/sharing_policy.h"

#include <google/protobuf/io/tokenizer.h>
#include <google/protobuf/text_format.h>

#include <algorithm>
#include <limits>
#include <set>

#include "absl/container/inlined_vector.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/crypto.h"
#include "policy/originator_limits.h"
#include "policy/rule_compiler.h"

namespace nexus::policy {

namespace {

template <typename T>
bool Contains(const std::vector<T>& sorted, const T& value) {
  return std::binary_search(sorted.begin(), sorted.end(), value);
}

using google::protobuf::TextFormat;

bool AnyShared(const std::vector<std::string>& wanted, const std::vector<std::string>& have) {
  for (const std::string& w : wanted) {
    if (std::find(have.begin(), have.end(), w) != have.end()) return true;
  }
  return false;
}

bool RecipientMatches(const CompiledRule& rule, int recipient, const Federation& federation) {
  if (rule.has_agencies && !Contains(rule.agencies, recipient)) return false;
  if (rule.has_countries) {
    int country = federation.country_of(recipient);
    if (country >= 64 || !((rule.countries >> country) & 1)) return false;
  }
  return !rule.has_groups || (federation.groups_of(recipient) & rule.groups);
}

// nullptr if `rule` matches; otherwise the condition that failed. With `why`, also says how.
const char* Mismatch(const CompiledRule& rule, const RecordFacts& record, int recipient,
                     const Federation& federation, int64_t now, std::string* why) {
  // The detail is built only when an explanation is asked for: decisions stay allocation-free.
  auto no = [&](const char* condition, auto&& detail) {
    if (why != nullptr) *why = detail();
    return condition;
  };
  if (rule.has_agencies && !Contains(rule.agencies, recipient)) {
    return no("recipient.agencies", [&] { return std::string("the recipient is not among them"); });
  }
  if (rule.has_countries) {
    int country = federation.country_of(recipient);
    if (country >= 64 || !((rule.countries >> country) & 1)) {
      return no("recipient.countries",
                [&] { return std::string("the recipient's country is not among them"); });
    }
  }
  if (rule.has_groups && !(federation.groups_of(recipient) & rule.groups)) {
    return no("recipient.groups", [&] { return std::string("the recipient is in none of them"); });
  }
  if (rule.has_origins && !Contains(rule.origins, record.origin)) {
    return no("record.origin_agencies",
              [&] { return std::string("the record's origin is not among them"); });
  }
  if (rule.tlp && !(rule.tlp & (1u << record.tlp))) {
    return no("record.tlp",
              [&] { return absl::StrCat("the record is ", v1::Tlp_Name(record.tlp)); });
  }
  if (rule.scopes && !(rule.scopes & (1u << record.scope))) {
    return no("record.scopes", [&] {
      return absl::StrCat("the record's scope is ", v1::DistributionScope_Name(record.scope));
    });
  }
  if (!rule.handling_codes.empty() && !AnyShared(rule.handling_codes, record.handling_codes)) {
    return no("record.handling_codes",
              [&] { return std::string("the record carries none of them"); });
  }
  if (rule.nexus_types && !(rule.nexus_types & record.nexus_type_bit)) {
    return no("record.nexus_types",
              [&] { return std::string("the record's nexus type is not among them"); });
  }
  if (rule.watch_points && !(rule.watch_points & record.watch_points)) {
    return no("record.watch_points", [&] { return std::string("the record has none of them"); });
  }
  if (rule.indicator_types && !(rule.indicator_types & record.indicator_types)) {
    return no("record.indicator_types",
              [&] { return std::string("the record has no indicator of those types"); });
  }
  if (!rule.tags.empty() && !AnyShared(rule.tags, record.tags)) {
    return no("record.tags", [&] { return std::string("the record has none of them"); });
  }
  if (rule.reliability_at_least &&
      (record.reliability == 0 || record.reliability > rule.reliability_at_least)) {
    return no("record.reliability_at_least",
              [&] { return std::string("the record's source is graded lower"); });
  }
  if (rule.credibility_at_least &&
      (record.credibility == 0 || record.credibility > rule.credibility_at_least)) {
    return no("record.credibility_at_least",
              [&] { return std::string("the record's information is graded lower"); });
  }
  if (rule.reliability_worse_than && record.reliability != 0 &&
      record.reliability <= rule.reliability_worse_than) {
    return no("record.reliability_worse_than",
              [&] { return std::string("the record's source is graded as well or better"); });
  }
  if (rule.credibility_worse_than && record.credibility != 0 &&
      record.credibility <= rule.credibility_worse_than) {
    return no("record.credibility_worse_than",
              [&] { return std::string("the record's information is graded as well or better"); });
  }
  // A received record's time is whatever its origin signed: saturate rather than overflow.
  int64_t age;
  if (__builtin_sub_overflow(now, record.modified_unix_micros, &age)) {
    age = record.modified_unix_micros < 0 ? std::numeric_limits<int64_t>::max()
                                          : std::numeric_limits<int64_t>::min();
  }
  if (rule.min_age && age < rule.min_age)
    return no("record.min_age_days", [&] { return std::string("the record is newer"); });
  if (rule.max_age && age > rule.max_age)
    return no("record.max_age_days", [&] { return std::string("the record is older"); });
  return nullptr;
}

}  // namespace

SharingPolicy::~SharingPolicy() = default;

size_t SharingPolicy::rule_count() const { return rules_.size(); }

struct PolicyBuilder {
  static absl::StatusOr<std::shared_ptr<const SharingPolicy>> Build(
      const v1::SharingPolicy& message, const Locator& at, const Federation& federation,
      std::vector<std::string>* warnings) {
    std::vector<std::string> errors, found_warnings;
    auto policy = std::shared_ptr<SharingPolicy>(new SharingPolicy());
    std::map<std::string, int> ids;
    for (int i = 0; i < message.rules_size(); ++i) {
      const v1::Rule& rule = message.rules(i);
      if (!rule.id().empty()) {
        auto [it, inserted] = ids.try_emplace(rule.id(), i);
        if (!inserted) {
          errors.push_back(absl::StrCat(at.At(i, {"id"}), ": rule ", QuoteInput(rule.id()),
                                        ": duplicate rule id (first at ", at.At(it->second, {"id"}),
                                        ")"));
        }
      }
      policy->rules_.push_back(CompileRule(rule, i, at, federation, errors, found_warnings));
    }
    if (message.rules_size() > 65535) errors.push_back("a policy holds at most 65535 rules");
    if (!errors.empty()) return absl::InvalidArgumentError(absl::StrJoin(errors, "\n"));
    if (warnings != nullptr) *warnings = std::move(found_warnings);
    policy->name_ = message.name();
    policy->federation_ = federation;
    policy->index_ =
        RuleIndex(policy->rules_, federation.agencies(), [&](const CompiledRule& rule, int agency) {
          return RecipientMatches(rule, agency, federation);
        });
    return std::shared_ptr<const SharingPolicy>(std::move(policy));
  }
};

absl::StatusOr<std::shared_ptr<const SharingPolicy>> SharingPolicy::Parse(
    const std::string& text, const std::string& source, const Federation& federation,
    std::vector<std::string>* warnings) {
  TextFormat::Parser parser;
  ParseErrors parse_errors(source);
  parser.RecordErrorsTo(&parse_errors);
  TextFormat::ParseInfoTree tree;
  parser.WriteLocationsTo(&tree);
  v1::SharingPolicy message;
  if (!parser.ParseFromString(text, &message)) {
    return absl::InvalidArgumentError(absl::StrJoin(parse_errors.errors, "\n"));
  }
  return PolicyBuilder::Build(message, Locator(source, &tree), federation, warnings);
}

absl::StatusOr<std::shared_ptr<const SharingPolicy>> SharingPolicy::Load(
    const std::string& path, const Federation& federation, std::vector<std::string>* warnings) {
  absl::StatusOr<std::string> text = ReadFileToString(path);
  if (!text.ok()) return text.status();
  return Parse(*text, path, federation, warnings);
}

absl::StatusOr<std::shared_ptr<const SharingPolicy>> SharingPolicy::Compile(
    const v1::SharingPolicy& message, const Federation& federation,
    std::vector<std::string>* warnings) {
  return PolicyBuilder::Build(message,
                              Locator(message.name().empty() ? "policy" : message.name(), nullptr),
                              federation, warnings);
}

std::shared_ptr<const SharingPolicy> SharingPolicy::DenyAll(const Federation& federation) {
  auto policy = std::shared_ptr<SharingPolicy>(new SharingPolicy());
  policy->name_ = "deny-all";
  policy->federation_ = federation;
  return policy;
}

Decision SharingPolicy::Decide(const RecordFacts& record, int recipient, int holder,
                               int64_t now_unix_micros) const {
  return Evaluate(record, recipient, holder, now_unix_micros, nullptr);
}

Decision SharingPolicy::Explain(const RecordFacts& record, int recipient, int holder,
                                int64_t now_unix_micros, std::vector<std::string>* lines) const {
  return Evaluate(record, recipient, holder, now_unix_micros, lines);
}

Decision SharingPolicy::Evaluate(const RecordFacts& record, int recipient, int holder, int64_t now,
                                 std::vector<std::string>* lines) const {
  Decision decision;
  // Explanations are built only when asked for: a plain decision allocates nothing for them.
  auto say = [&](auto&& line) {
    if (lines != nullptr) lines->push_back(line());
  };
  // A value the engine does not understand decides nothing but deny: it is never compared as a
  // grade or used as a bit, and no one, not even the origin, receives the record through it.
  if (const uint32_t undefined = UndefinedValues(record); undefined != 0) {
    decision.limits = undefined;
    for (const std::string& limit : LimitNames(undefined)) {
      say([&] {
        return absl::StrCat(limit, ": the record holds a value its enum does not define: deny");
      });
    }
    return decision;
  }
  // The record's origin and the holder's own agency always receive it, whole.
  if (recipient >= 0 && recipient == record.origin) {
    decision.permit = true;
    decision.limits = kOwnRecord;
    say([&] {
      return std::string("origin:own-record: the recipient is the record's origin: permit");
    });
    return decision;
  }
  if (recipient >= 0 && recipient == holder) {
    decision.permit = true;
    decision.limits = kHolderAgency;
    say([&] {
      return std::string("holder:own-agency: the recipient is this node's own agency: permit");
    });
    return decision;
  }
  decision.limits = OriginatorLimits(record, recipient, holder, federation_);
  // Whom the originator lets be told of the record may be wider than who may receive it.
  const bool hit_audience = HitNoticeAllowed(record, recipient, federation_);
  if (decision.limits != 0) {
    for (const std::string& limit : LimitNames(decision.limits)) {
      say([&] {
        return std::string(
            absl::StrCat(limit, ": the originator's limits forbid this recipient the record"));
      });
    }
    if (!hit_audience) {
      say([&] {
        return std::string("no hit notice either (not in distribution.hit_notices): deny");
      });
      return decision;
    }
    say([&] {
      return std::string(
          "originator:hit-notice-audience: it may be told that this node holds the record, unless "
          "a forbid rule matches");
    });
  } else {
    say([&] { return std::string("originator limits: allow this recipient"); });
  }
  Withheld withheld;
  // Matching rules collect on the stack: a decision allocates only for the rules it returns.
  absl::InlinedVector<uint16_t, 32> forbids, permits, hit_only;
  auto take = [&](const CompiledRule& rule, uint16_t i) {
    if (rule.forbid) {
      forbids.push_back(i);
    } else if (rule.hit_only) {
      hit_only.push_back(i);
    } else {
      permits.push_back(i);
      withheld |= rule.redaction;
    }
  };
  auto effect = [](const CompiledRule& rule) {
    return rule.forbid ? "forbid" : rule.hit_only ? "hit-only" : "permit";
  };
  if (lines == nullptr) {
    // Only the rules the index leaves are examined, each in full; the forbids first, since one
    // that matches decides (deny, by the forbids), whatever the permits say.
    auto examine = [&](uint16_t i) {
      const CompiledRule& rule = rules_[i];
      if (Mismatch(rule, record, recipient, federation_, now, nullptr) == nullptr) take(rule, i);
    };
    const RuleIndex::Candidates candidates = index_.For(record, recipient);
    index_.ForEach(candidates, /*forbids=*/true, examine);
    if (forbids.empty()) index_.ForEach(candidates, /*forbids=*/false, examine);
  }
  for (size_t i = 0; lines != nullptr && i < rules_.size(); ++i) {
    const CompiledRule& rule = rules_[i];
    std::string why;
    const char* failed =
        Mismatch(rule, record, recipient, federation_, now, lines != nullptr ? &why : nullptr);
    if (failed != nullptr) {
      say([&] {
        return std::string(absl::StrCat("rule '", rule.id, "' (", effect(rule),
                                        "): no match: ", failed, ": ", why));
      });
      continue;
    }
    say([&] {
      return std::string(absl::StrCat("rule '", rule.id, "' (", effect(rule), "): matches"));
    });
    take(rule, static_cast<uint16_t>(i));
  }
  if (!forbids.empty()) {
    decision.rules.assign(forbids.begin(), forbids.end());
    say([&] { return std::string("a matching forbid overrides every permit: deny"); });
    return decision;  // deny, by the forbids listed; no hit notice either
  }
  if (decision.limits != 0) {
    // The record is the originator's to withhold; a hit notice is what it allows.
    decision.hit_notice = true;
    decision.limits |= kHitNoticeAudience;
    decision.rules.assign(hit_only.begin(), hit_only.end());
    say([&] { return std::string("hit notice only"); });
    return decision;
  }
  if (permits.empty()) {
    decision.limits = kDefaultDeny;
    decision.hit_notice = hit_audience;
    if (hit_audience) decision.limits |= kHitNoticeAudience;
    say([&] {
      return std::string(hit_audience ? "policy:default-deny: no permit matches: hit notice only"
                                      : "policy:default-deny: no permit matches: deny");
    });
    return decision;
  }
  if (!hit_only.empty()) {
    // Where the record would go, only the notice that this node holds it.
    decision.hit_notice = true;
    decision.rules.assign(hit_only.begin(), hit_only.end());
    say([&] {
      return std::string("a hit-only rule matches: hit notice only, no part of the record");
    });
    return decision;
  }
  decision.permit = true;
  decision.withheld = withheld;
  decision.rules.assign(permits.begin(), permits.end());
  say([&] {
    return std::string(
        absl::StrCat("permit", withheld.empty() ? "" : " with redaction: ",
                     withheld.empty() ? "" : withheld.ToRedaction().ShortDebugString()));
  });
  return decision;
}

std::vector<std::string> SharingPolicy::Reasons(const Decision& decision) const {
  std::vector<std::string> reasons;
  for (uint16_t rule : decision.rules) {
    if (rule < rules_.size()) reasons.push_back(absl::StrCat("rule:", rules_[rule].id));
  }
  for (std::string& limit : LimitNames(decision.limits)) reasons.push_back(std::move(limit));
  return reasons;
}

}  // namespace nexus::policy
