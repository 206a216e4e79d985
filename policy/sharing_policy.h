// A sharing policy, loaded, validated and compiled once; then decisions touch no parser and
// allocate only for the list of deciding rules.
//
// Semantics: the record's own origin and the holder's own agency always receive it; for anyone
// else the originator's limits (originator_limits.h) apply first; then default deny, any matching
// forbid overrides every permit, rule order does not matter, and among matching permits the
// result withholds the union of their redactions.
#ifndef NEXUS_POLICY_SHARING_POLICY_H_
#define NEXUS_POLICY_SHARING_POLICY_H_

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "nexus/v1/policy.pb.h"
#include "policy/decision.h"
#include "policy/federation.h"
#include "policy/record_facts.h"
#include "policy/rule_index.h"

namespace nexus::policy {

struct CompiledRule;
struct PolicyBuilder;

class SharingPolicy {
 public:
  // Parses and validates policy text. Errors and warnings read "<source>:<line>:<column>: ...".
  // Fails with every error; `warnings` (if given) receives the warnings of a policy that loads.
  static absl::StatusOr<std::shared_ptr<const SharingPolicy>> Parse(
      const std::string& text, const std::string& source, const Federation& federation,
      std::vector<std::string>* warnings = nullptr);
  static absl::StatusOr<std::shared_ptr<const SharingPolicy>> Load(
      const std::string& path, const Federation& federation,
      std::vector<std::string>* warnings = nullptr);
  // Compiles an already parsed policy (validation without source positions).
  static absl::StatusOr<std::shared_ptr<const SharingPolicy>> Compile(
      const v1::SharingPolicy& policy, const Federation& federation,
      std::vector<std::string>* warnings = nullptr);
  // A policy without rules: only the origin and the holder's own agency receive records.
  static std::shared_ptr<const SharingPolicy> DenyAll(const Federation& federation);

  ~SharingPolicy();

  // The decision for sending `record` from the node of agency `holder` to agency `recipient`
  // (federation indexes; -1 for an agency the federation does not know), at `now`.
  Decision Decide(const RecordFacts& record, int recipient, int holder,
                  int64_t now_unix_micros) const;

  // The same decision, with one line per originator limit and per rule: matched, or which
  // condition failed and why.
  Decision Explain(const RecordFacts& record, int recipient, int holder, int64_t now_unix_micros,
                   std::vector<std::string>* lines) const;

  // "rule:<id>" for each deciding rule, then the limit names: what an audit entry records.
  std::vector<std::string> Reasons(const Decision& decision) const;

  const std::string& name() const { return name_; }
  size_t rule_count() const;
  const Federation& federation() const { return federation_; }

 private:
  friend struct PolicyBuilder;
  SharingPolicy() = default;
  Decision Evaluate(const RecordFacts& record, int recipient, int holder, int64_t now,
                    std::vector<std::string>* lines) const;

  std::string name_;
  Federation federation_;
  std::vector<CompiledRule> rules_;
  // The rules a decision examines, by the recipient and the record's most tested facts.
  RuleIndex index_;
};

}  // namespace nexus::policy

#endif  // NEXUS_POLICY_SHARING_POLICY_H_
