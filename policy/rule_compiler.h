// Validating and compiling one rule of a sharing policy: from its text-format message to integer
// sets and bit masks, with errors and warnings that point at the offending field.
#ifndef NEXUS_POLICY_RULE_COMPILER_H_
#define NEXUS_POLICY_RULE_COMPILER_H_

#include <google/protobuf/io/tokenizer.h>
#include <google/protobuf/text_format.h>

#include <cstdint>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "common/untrusted_text.h"
#include "nexus/v1/policy.pb.h"
#include "policy/decision.h"
#include "policy/federation.h"

namespace nexus::policy {

constexpr int64_t kMicrosPerDay = int64_t{86400} * 1000000;

// A rule reduced to integer sets and masks. An empty list means "no condition".
struct CompiledRule {
  std::string id;
  bool forbid = false;
  bool hit_only = false;      // EFFECT_HIT_ONLY: where permits match, a hit notice instead
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

// Positions of fields in the policy text, for messages that point at the offending field.
class Locator {
 public:
  Locator(std::string source, const google::protobuf::TextFormat::ParseInfoTree* tree)
      : source_(std::move(source)), tree_(tree) {}

  // "<source>:<line>:<column>" of `field` (a field path below rule `rule`, e.g. {"recipient",
  // "groups"}), falling back to the nearest enclosing field that has a position.
  std::string At(int rule, std::vector<std::string> path, int index = -1) const {
    if (tree_ == nullptr) return absl::StrCat(source_, ": rules[", rule, "]");
    const auto* rules = v1::SharingPolicy::descriptor()->FindFieldByName("rules");
    google::protobuf::TextFormat::ParseLocation best = tree_->GetLocation(rules, rule);
    const google::protobuf::TextFormat::ParseInfoTree* tree = tree_->GetTreeForNested(rules, rule);
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
  const google::protobuf::TextFormat::ParseInfoTree* tree_;
};

class ParseErrors : public google::protobuf::io::ErrorCollector {
 public:
  static constexpr size_t kMaxParseMessageBytes = 256;
  explicit ParseErrors(std::string source) : source_(std::move(source)) {}
  void AddError(int line, google::protobuf::io::ColumnNumber column,
                const std::string& message) override {
    // The parser's message quotes the offending text: escaped and bounded.
    errors.push_back(absl::StrCat(source_, ":", line + 1, ":", column + 1, ": ",
                                  EscapeForTerminal(message, kMaxParseMessageBytes)));
  }
  void AddWarning(int line, google::protobuf::io::ColumnNumber column,
                  const std::string& message) override {
    AddError(line, column, message);
  }
  std::vector<std::string> errors;

 private:
  std::string source_;
};

// Checks rule `index` of a policy and compiles it; appends to `errors` and `warnings`.
CompiledRule CompileRule(const v1::Rule& rule, int index, const Locator& at,
                         const Federation& federation, std::vector<std::string>& errors,
                         std::vector<std::string>& warnings);

}  // namespace nexus::policy

#endif  // NEXUS_POLICY_RULE_COMPILER_H_
