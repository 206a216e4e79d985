#include "policy/sharing_policy.h"

#include <google/protobuf/io/tokenizer.h>
#include <google/protobuf/text_format.h>

#include <algorithm>
#include <set>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/crypto.h"
#include "policy/originator_limits.h"

namespace nexus::policy {

constexpr int64_t kMicrosPerDay = int64_t{86400} * 1000000;

// A rule reduced to integer sets and masks. An empty list means "no condition".
struct CompiledRule {
  std::string id;
  bool forbid = false;
  std::vector<int> agencies;  // sorted federation indexes
  bool has_agencies = false;
  uint64_t countries = 0;  // bit per federation country index
  bool has_countries = false;
  uint64_t groups = 0;
  bool has_groups = false;
  std::vector<int> origins;
  bool has_origins = false;
  uint32_t tlp = 0, scopes = 0, nexus_types = 0, watch_points = 0, indicator_types = 0;
  std::vector<std::string> handling_codes, tags;  // lower-case handling codes
  int reliability_at_least = 0, credibility_at_least = 0;
  int reliability_worse_than = 0, credibility_worse_than = 0;
  int64_t min_age = 0, max_age = 0;  // micros; 0: no bound
  Withheld redaction;
};

namespace {

using google::protobuf::TextFormat;

uint32_t MaskOf(const google::protobuf::RepeatedField<int>& values) {
  uint32_t mask = 0;
  for (int value : values) {
    if (value > 0 && value < 32) mask |= 1u << value;
  }
  return mask;
}

template <typename T>
bool Contains(const std::vector<T>& sorted, const T& value) {
  return std::binary_search(sorted.begin(), sorted.end(), value);
}

// Positions of fields in the policy text, for messages that point at the offending field.
class Locator {
 public:
  Locator(std::string source, const TextFormat::ParseInfoTree* tree)
      : source_(std::move(source)), tree_(tree) {}

  // "<source>:<line>:<column>" of `field` (a field path below rule `rule`, e.g. {"recipient",
  // "groups"}), falling back to the nearest enclosing field that has a position.
  std::string At(int rule, std::vector<std::string> path, int index = -1) const {
    if (tree_ == nullptr) return absl::StrCat(source_, ": rules[", rule, "]");
    const auto* rules = v1::SharingPolicy::descriptor()->FindFieldByName("rules");
    google::protobuf::TextFormat::ParseLocation best = tree_->GetLocation(rules, rule);
    const TextFormat::ParseInfoTree* tree = tree_->GetTreeForNested(rules, rule);
    const google::protobuf::Descriptor* message = v1::Rule::descriptor();
    for (size_t i = 0; i < path.size() && tree != nullptr && message != nullptr; ++i) {
      const auto* field = message->FindFieldByName(path[i]);
      if (field == nullptr) break;
      bool last = i + 1 == path.size();
      int at = last && field->is_repeated() ? std::max(index, 0) : -1;
      auto location = tree->GetLocation(field, at);
      if (location.line >= 0) best = location;
      if (last || field->message_type() == nullptr) break;
      tree = tree->GetTreeForNested(field, -1);
      message = field->message_type();
    }
    return absl::StrCat(source_, ":", best.line + 1, ":", best.column + 1);
  }

 private:
  std::string source_;
  const TextFormat::ParseInfoTree* tree_;
};

class ParseErrors : public google::protobuf::io::ErrorCollector {
 public:
  explicit ParseErrors(std::string source) : source_(std::move(source)) {}
  void AddError(int line, google::protobuf::io::ColumnNumber column,
                const std::string& message) override {
    errors.push_back(absl::StrCat(source_, ":", line + 1, ":", column + 1, ": ", message));
  }
  void AddWarning(int line, google::protobuf::io::ColumnNumber column,
                  const std::string& message) override {
    AddError(line, column, message);
  }
  std::vector<std::string> errors;

 private:
  std::string source_;
};

// Checks one rule and compiles it. Appends to `errors` and `warnings`.
CompiledRule CompileRule(const v1::Rule& rule, int index, const Locator& at,
                         const Federation& federation, std::vector<std::string>& errors,
                         std::vector<std::string>& warnings) {
  CompiledRule compiled;
  compiled.id = rule.id();
  const std::string name = rule.id().empty() ? absl::StrCat("rules[", index, "]")
                                             : absl::StrCat("rule '", rule.id(), "'");
  auto error = [&](std::vector<std::string> path, const std::string& message, int i = -1) {
    errors.push_back(absl::StrCat(at.At(index, std::move(path), i), ": ", name, ": ", message));
  };
  auto warning = [&](std::vector<std::string> path, const std::string& message, int i = -1) {
    warnings.push_back(
        absl::StrCat(at.At(index, std::move(path), i), ": warning: ", name, ": ", message));
  };

  if (rule.id().empty()) error({}, "id is required");
  switch (rule.effect()) {
    case v1::EFFECT_PERMIT:
      break;
    case v1::EFFECT_FORBID:
      compiled.forbid = true;
      if (rule.has_redact()) {
        error({"redact"}, "a forbid rule cannot redact: it shares nothing");
      }
      break;
    case v1::EFFECT_UNSPECIFIED:
      error({"effect"}, "effect is required (EFFECT_PERMIT or EFFECT_FORBID)");
      break;
    default:
      error({"effect"}, absl::StrCat("unknown effect value ", rule.effect()));
  }

  // Enum values given as numbers that the schema does not define.
  auto check_enums = [&](std::vector<std::string> path,
                         const google::protobuf::RepeatedField<int>& values,
                         const google::protobuf::EnumDescriptor* type) {
    for (int i = 0; i < values.size(); ++i) {
      if (type->FindValueByNumber(values[i]) == nullptr || values[i] == 0) {
        error(path, absl::StrCat("unknown or unspecified ", type->name(), " value ", values[i]), i);
      }
    }
  };
  const v1::RecordCondition& record = rule.record();
  check_enums({"record", "tlp"}, record.tlp(), v1::Tlp_descriptor());
  check_enums({"record", "scopes"}, record.scopes(), v1::DistributionScope_descriptor());
  check_enums({"record", "nexus_types"}, record.nexus_types(), v1::NexusType_descriptor());
  check_enums({"record", "watch_points"}, record.watch_points(), v1::WatchPoint_descriptor());
  check_enums({"record", "indicator_types"}, record.indicator_types(),
              v1::IndicatorType_descriptor());
  check_enums({"redact", "indicator_types"}, rule.redact().indicator_types(),
              v1::IndicatorType_descriptor());
  if (!v1::SourceReliability_IsValid(record.reliability_at_least())) {
    error({"record", "reliability_at_least"}, "unknown SourceReliability value");
  }
  if (!v1::InformationCredibility_IsValid(record.credibility_at_least())) {
    error({"record", "credibility_at_least"}, "unknown InformationCredibility value");
  }
  if (!v1::SourceReliability_IsValid(record.reliability_worse_than())) {
    error({"record", "reliability_worse_than"}, "unknown SourceReliability value");
  }
  if (!v1::InformationCredibility_IsValid(record.credibility_worse_than())) {
    error({"record", "credibility_worse_than"}, "unknown InformationCredibility value");
  }

  // Recipient conditions, against what the federation knows.
  const v1::RecipientCondition& recipient = rule.recipient();
  compiled.has_agencies = !recipient.agencies().empty();
  for (int i = 0; i < recipient.agencies_size(); ++i) {
    int agency = federation.AgencyIndex(recipient.agencies(i));
    if (agency < 0) {
      warning({"recipient", "agencies"},
              absl::StrCat("agency '", recipient.agencies(i), "' is not a federation member"), i);
    } else {
      compiled.agencies.push_back(agency);
    }
  }
  if (compiled.has_agencies && compiled.agencies.empty()) {
    error({"recipient", "agencies"},
          "can never match: none of its recipient agencies is a federation member");
  }
  std::sort(compiled.agencies.begin(), compiled.agencies.end());
  compiled.has_countries = !recipient.countries().empty();
  for (int i = 0; i < recipient.countries_size(); ++i) {
    int country = federation.CountryIndex(recipient.countries(i));
    if (country < 0) {
      warning({"recipient", "countries"},
              absl::StrCat("no federation member is in country '", recipient.countries(i), "'"), i);
    } else if (country >= 64) {
      error({"recipient", "countries"},
            "this engine distinguishes at most 64 countries in a federation", i);
    } else {
      compiled.countries |= uint64_t{1} << country;
    }
  }
  compiled.has_groups = !recipient.groups().empty();
  for (int i = 0; i < recipient.groups_size(); ++i) {
    int group = federation.GroupIndex(recipient.groups(i));
    if (group < 0) {
      warning({"recipient", "groups"},
              absl::StrCat("no known agency is in group '", recipient.groups(i), "'"), i);
    } else if (group >= 64) {
      error({"recipient", "groups"}, "this engine distinguishes at most 64 groups in a federation",
            i);
    } else {
      compiled.groups |= uint64_t{1} << group;
    }
  }
  // Conditions that exclude each other: named agencies none of which is in the countries or
  // groups also required.
  if (!compiled.agencies.empty() && (compiled.has_countries || compiled.has_groups)) {
    bool any = std::any_of(compiled.agencies.begin(), compiled.agencies.end(), [&](int agency) {
      bool country_ok =
          !compiled.has_countries || (federation.country_of(agency) < 64 &&
                                      (compiled.countries >> federation.country_of(agency)) & 1);
      bool group_ok = !compiled.has_groups || (federation.groups_of(agency) & compiled.groups);
      return country_ok && group_ok;
    });
    if (!any) {
      error({"recipient"},
            "conflicting conditions: none of recipient.agencies is in recipient.countries and "
            "recipient.groups");
    }
  }

  compiled.has_origins = !record.origin_agencies().empty();
  for (int i = 0; i < record.origin_agencies_size(); ++i) {
    int agency = federation.AgencyIndex(record.origin_agencies(i));
    if (agency < 0) {
      warning({"record", "origin_agencies"},
              absl::StrCat("agency '", record.origin_agencies(i), "' is not a federation member"),
              i);
    } else {
      compiled.origins.push_back(agency);
    }
  }
  if (compiled.has_origins && compiled.origins.empty()) {
    error({"record", "origin_agencies"},
          "can never match: none of its origin agencies is a federation member");
  }
  std::sort(compiled.origins.begin(), compiled.origins.end());
  if (record.min_age_days() != 0 && record.max_age_days() != 0 &&
      record.min_age_days() > record.max_age_days()) {
    error({"record", "min_age_days"},
          absl::StrCat("conflicting conditions: min_age_days ", record.min_age_days(),
                       " is more than max_age_days ", record.max_age_days()));
  }
  compiled.tlp = MaskOf(record.tlp());
  compiled.scopes = MaskOf(record.scopes());
  compiled.nexus_types = MaskOf(record.nexus_types());
  compiled.watch_points = MaskOf(record.watch_points());
  compiled.indicator_types = MaskOf(record.indicator_types());
  for (const std::string& code : record.handling_codes()) {
    compiled.handling_codes.push_back(NormalizeLabel(code));
  }
  for (const std::string& tag : record.tags()) compiled.tags.push_back(NormalizeLabel(tag));
  compiled.reliability_at_least = record.reliability_at_least();
  compiled.credibility_at_least = record.credibility_at_least();
  compiled.reliability_worse_than = record.reliability_worse_than();
  compiled.credibility_worse_than = record.credibility_worse_than();
  if (compiled.reliability_at_least && compiled.reliability_worse_than &&
      compiled.reliability_at_least <= compiled.reliability_worse_than) {
    error({"record", "reliability_worse_than"},
          "conflicting conditions: no grade is both at least reliability_at_least and worse "
          "than reliability_worse_than");
  }
  if (compiled.credibility_at_least && compiled.credibility_worse_than &&
      compiled.credibility_at_least <= compiled.credibility_worse_than) {
    error({"record", "credibility_worse_than"},
          "conflicting conditions: no grade is both at least credibility_at_least and worse "
          "than credibility_worse_than");
  }
  compiled.min_age = record.min_age_days() * kMicrosPerDay;
  compiled.max_age = record.max_age_days() * kMicrosPerDay;
  compiled.redaction = Withheld::From(rule.redact());
  return compiled;
}

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
  int64_t age = now - record.modified_unix_micros;
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
          errors.push_back(absl::StrCat(at.At(i, {"id"}), ": rule '", rule.id(),
                                        "': duplicate rule id (first at ",
                                        at.At(it->second, {"id"}), ")"));
        }
      }
      policy->rules_.push_back(CompileRule(rule, i, at, federation, errors, found_warnings));
    }
    if (message.rules_size() > 65535) errors.push_back("a policy holds at most 65535 rules");
    if (!errors.empty()) return absl::InvalidArgumentError(absl::StrJoin(errors, "\n"));
    if (warnings != nullptr) *warnings = std::move(found_warnings);
    policy->name_ = message.name();
    policy->federation_ = federation;
    policy->rules_for_recipient_.resize(federation.agencies());
    for (size_t agency = 0; agency < federation.agencies(); ++agency) {
      for (size_t i = 0; i < policy->rules_.size(); ++i) {
        if (RecipientMatches(policy->rules_[i], static_cast<int>(agency), federation)) {
          policy->rules_for_recipient_[agency].push_back(static_cast<uint16_t>(i));
        }
      }
    }
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
  policy->rules_for_recipient_.resize(federation.agencies());
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
  if (decision.limits != 0) {
    for (const std::string& limit : LimitNames(decision.limits)) {
      say([&] {
        return std::string(
            absl::StrCat(limit, ": the originator's limits forbid this recipient: deny"));
      });
    }
    return decision;
  }
  say([&] { return std::string("originator limits: allow this recipient"); });
  Withheld withheld;
  std::vector<uint16_t> permits;
  if (lines == nullptr) {
    // The rules this recipient can match, already known; only their record conditions remain.
    for (uint16_t i : rules_for_recipient_[recipient]) {
      const CompiledRule& rule = rules_[i];
      if (Mismatch(rule, record, recipient, federation_, now, nullptr) != nullptr) continue;
      if (rule.forbid) {
        decision.rules.push_back(i);
      } else {
        permits.push_back(i);
        withheld |= rule.redaction;
      }
    }
  }
  for (size_t i = 0; lines != nullptr && i < rules_.size(); ++i) {
    const CompiledRule& rule = rules_[i];
    std::string why;
    const char* failed =
        Mismatch(rule, record, recipient, federation_, now, lines != nullptr ? &why : nullptr);
    if (failed != nullptr) {
      say([&] {
        return std::string(absl::StrCat("rule '", rule.id, "' (", rule.forbid ? "forbid" : "permit",
                                        "): no match: ", failed, ": ", why));
      });
      continue;
    }
    say([&] {
      return std::string(
          absl::StrCat("rule '", rule.id, "' (", rule.forbid ? "forbid" : "permit", "): matches"));
    });
    if (rule.forbid) {
      decision.rules.push_back(static_cast<uint16_t>(i));
    } else {
      permits.push_back(static_cast<uint16_t>(i));
      withheld |= rule.redaction;
    }
  }
  if (!decision.rules.empty()) {
    say([&] { return std::string("a matching forbid overrides every permit: deny"); });
    return decision;  // deny, by the forbids listed
  }
  if (permits.empty()) {
    decision.limits = kDefaultDeny;
    say([&] { return std::string("policy:default-deny: no permit matches: deny"); });
    return decision;
  }
  decision.permit = true;
  decision.withheld = withheld;
  decision.rules = std::move(permits);
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
