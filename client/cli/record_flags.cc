#include "client/cli/record_flags.h"

#include <algorithm>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "client/cli/record_text.h"
#include "common/indicator_normalizer.h"
#include "common/untrusted_text.h"

namespace nexus {
namespace {

std::string List(const std::vector<std::string>& values) {
  std::string out = "[";
  for (const std::string& value : values) {
    absl::StrAppend(&out, out.size() > 1 ? "," : "", JsonQuote(value));
  }
  return out + "]";
}

// TYPE=VALUE as a JSON indicator object.
absl::StatusOr<std::string> IndicatorJson(const std::string& flag, const std::string& spec) {
  size_t eq = spec.find('=');
  v1::IndicatorType type;
  if (eq == std::string::npos) {
    return absl::InvalidArgumentError(
        absl::StrCat("--", flag, " ", QuoteInput(spec), " must be TYPE=VALUE"));
  }
  if (!ParseIndicatorType(spec.substr(0, eq), &type)) {
    return absl::InvalidArgumentError(
        absl::StrCat("--", flag, " ", QuoteInput(spec), ": unknown indicator type ",
                     QuoteInput(spec.substr(0, eq)), " (known: ", KnownIndicatorTypes(), ")"));
  }
  return absl::StrCat("{\"type\":\"", v1::IndicatorType_Name(type),
                      "\",\"value\":", JsonQuote(spec.substr(eq + 1)), "}");
}

absl::StatusOr<std::string> IndicatorsJson(const std::string& flag,
                                           const std::vector<std::string>& specs) {
  std::string out = "[";
  for (const std::string& spec : specs) {
    absl::StatusOr<std::string> one = IndicatorJson(flag, spec);
    if (!one.ok()) return one.status();
    absl::StrAppend(&out, out.size() > 1 ? "," : "", *one);
  }
  return out + "]";
}

// The JSON of the record fields the flags give. With `whole`, distribution, assessment and
// indicators are always there (a new record), otherwise only when a flag gives them.
absl::StatusOr<std::string> FieldsJson(const CommandLine& line, bool whole) {
  std::string json = "{";
  auto add = [&](const std::string& key, const std::string& raw_json) {
    absl::StrAppend(&json, json.size() > 1 ? "," : "", "\"", key, "\":", raw_json);
  };
  for (auto [flag, key] : {std::pair{"tlp", "tlp"},
                           {"case", "case_reference"},
                           {"summary", "summary"},
                           {"id", "id"},
                           {"version", "version"}}) {
    if (line.Has(flag)) add(key, JsonQuote(line.Get(flag)));
  }
  std::string distribution = "{";
  auto append = [](std::string& object, const std::string& key, const std::string& value) {
    absl::StrAppend(&object, object.size() > 1 ? "," : "", "\"", key, "\":", value);
  };
  if (line.Has("scope")) append(distribution, "scope", JsonQuote(line.Get("scope")));
  if (line.Has("agency")) append(distribution, "agencies", List(line.All("agency")));
  if (line.Has("group")) append(distribution, "groups", List(line.All("group")));
  // Who may be told that a node holds the record (hit notices): wider than who receives it.
  std::string hits = "{";
  if (line.Has("hit-notices")) append(hits, "scope", JsonQuote(line.Get("hit-notices")));
  if (line.Has("hit-agency")) append(hits, "agencies", List(line.All("hit-agency")));
  if (line.Has("hit-group")) append(hits, "groups", List(line.All("hit-group")));
  if (hits.size() > 1) append(distribution, "hit_notices", hits + "}");
  if (whole || distribution.size() > 1) add("distribution", distribution + "}");
  if (line.Has("handling")) add("handling_codes", List(line.All("handling")));
  std::string assessment = "{";
  for (auto [flag, key] : {std::pair{"nexus-type", "nexus_type"},
                           {"reliability", "source_reliability"},
                           {"credibility", "information_credibility"}}) {
    if (line.Has(flag)) append(assessment, key, JsonQuote(line.Get(flag)));
  }
  if (line.Has("watch-point")) append(assessment, "watch_points", List(line.All("watch-point")));
  if (whole || assessment.size() > 1) add("assessment", assessment + "}");
  if (whole || line.Has("indicator")) {
    absl::StatusOr<std::string> indicators = IndicatorsJson("indicator", line.All("indicator"));
    if (!indicators.ok()) return indicators.status();
    add("indicators", *indicators);
  }
  if (line.Has("tag")) add("tags", absl::StrCat("{\"values\":", List(line.All("tag")), "}"));
  if (line.Has("related"))
    add("related", absl::StrCat("{\"ids\":", List(line.All("related")), "}"));
  return json + "}";
}

// Indicators from --FLAG TYPE=VALUE, normalized so that they compare with a stored record's.
absl::StatusOr<std::vector<v1::Indicator>> IndicatorsOf(const CommandLine& line,
                                                        const std::string& flag) {
  std::vector<v1::Indicator> indicators;
  for (const std::string& spec : line.All(flag)) {
    absl::StatusOr<std::string> json = IndicatorJson(flag, spec);
    if (!json.ok()) return json.status();
    absl::StatusOr<v1::Record> one = RecordFromJson(absl::StrCat("{\"indicators\":[", *json, "]}"));
    if (!one.ok()) return one.status();
    v1::Indicator indicator = one->indicators(0);
    absl::StatusOr<std::string> normalized =
        NormalizeIndicator(indicator.type(), indicator.value());
    if (!normalized.ok()) {
      return absl::InvalidArgumentError(
          absl::StrCat("--", flag, " ", QuoteInput(spec), ": ", normalized.status().message()));
    }
    indicator.set_normalized(*normalized);
    indicators.push_back(std::move(indicator));
  }
  return indicators;
}

bool SameIndicator(const v1::Indicator& a, const v1::Indicator& b) {
  return a.type() == b.type() && a.normalized() == b.normalized();
}

// Adds `add` to and removes `remove` from `values`; a removal of what is not there is an error.
absl::Status ChangeList(google::protobuf::RepeatedPtrField<std::string>& values,
                        const std::vector<std::string>& add, const std::vector<std::string>& remove,
                        const std::string& what) {
  for (const std::string& value : remove) {
    auto it = std::find(values.begin(), values.end(), value);
    if (it == values.end()) {
      return absl::InvalidArgumentError(absl::StrCat("--remove-", what, " ", QuoteInput(value),
                                                     ": the record has no such ", what));
    }
    values.erase(it);
  }
  for (const std::string& value : add) {
    if (std::find(values.begin(), values.end(), value) == values.end()) *values.Add() = value;
  }
  return absl::OkStatus();
}

constexpr const char* kUpdateFlags[] = {
    "tlp",         "scope",       "agency",        "group",
    "handling",    "case",        "summary",       "nexus-type",
    "reliability", "credibility", "watch-point",   "tag",
    "related",     "indicator",   "add-indicator", "remove-indicator",
    "add-tag",     "remove-tag",  "add-related",   "hit-notices",
    "hit-agency",  "hit-group"};

}  // namespace

absl::StatusOr<v1::Record> RecordFromFlags(const CommandLine& line) {
  absl::StatusOr<std::string> json = FieldsJson(line, /*whole=*/true);
  if (!json.ok()) return json.status();
  return RecordFromJson(*json);
}

bool UpdateFlagsGiven(const CommandLine& line) {
  return std::any_of(std::begin(kUpdateFlags), std::end(kUpdateFlags),
                     [&](const char* flag) { return line.Has(flag); });
}

absl::StatusOr<v1::Record> UpdatedRecord(const v1::Record& latest, const CommandLine& line) {
  absl::StatusOr<std::string> json = FieldsJson(line, /*whole=*/false);
  if (!json.ok()) return json.status();
  absl::StatusOr<v1::Record> given = RecordFromJson(*json);
  if (!given.ok()) return given.status();
  v1::Record record = latest;
  // The node numbers and times the next version; normalized forms are its to compute.
  record.clear_version();
  record.clear_created_unix_micros();
  record.clear_modified_unix_micros();
  for (v1::Indicator& indicator : *record.mutable_indicators()) indicator.clear_normalized();
  if (line.Has("tlp")) record.set_tlp(given->tlp());
  if (line.Has("scope")) record.mutable_distribution()->set_scope(given->distribution().scope());
  if (line.Has("agency")) {
    *record.mutable_distribution()->mutable_agencies() = given->distribution().agencies();
  }
  if (line.Has("group")) {
    *record.mutable_distribution()->mutable_groups() = given->distribution().groups();
  }
  if (line.Has("hit-notices") || line.Has("hit-agency") || line.Has("hit-group")) {
    *record.mutable_distribution()->mutable_hit_notices() = given->distribution().hit_notices();
  }
  if (line.Has("handling")) *record.mutable_handling_codes() = given->handling_codes();
  if (line.Has("case")) record.set_case_reference(given->case_reference());
  if (line.Has("summary")) record.set_summary(given->summary());
  v1::Assessment& assessment = *record.mutable_assessment();
  if (line.Has("nexus-type")) assessment.set_nexus_type(given->assessment().nexus_type());
  if (line.Has("reliability")) {
    assessment.set_source_reliability(given->assessment().source_reliability());
  }
  if (line.Has("credibility")) {
    assessment.set_information_credibility(given->assessment().information_credibility());
  }
  if (line.Has("watch-point")) {
    *assessment.mutable_watch_points() = given->assessment().watch_points();
  }
  if (line.Has("tag")) *record.mutable_tags() = given->tags();
  if (absl::Status s = ChangeList(*record.mutable_tags()->mutable_values(), line.All("add-tag"),
                                  line.All("remove-tag"), "tag");
      !s.ok()) {
    return s;
  }
  if (line.Has("related")) *record.mutable_related() = given->related();
  if (absl::Status s = ChangeList(*record.mutable_related()->mutable_ids(), line.All("add-related"),
                                  {}, "related");
      !s.ok()) {
    return s;
  }
  absl::StatusOr<std::vector<v1::Indicator>> add = IndicatorsOf(line, "add-indicator");
  absl::StatusOr<std::vector<v1::Indicator>> remove = IndicatorsOf(line, "remove-indicator");
  if (!add.ok()) return add.status();
  if (!remove.ok()) return remove.status();
  // Compared in normalized form: "+33 6 12" removes "0033612...".
  google::protobuf::RepeatedPtrField<v1::Indicator>& indicators = *record.mutable_indicators();
  std::vector<v1::Indicator> current(latest.indicators().begin(), latest.indicators().end());
  if (line.Has("indicator")) {
    absl::StatusOr<std::vector<v1::Indicator>> replaced = IndicatorsOf(line, "indicator");
    if (!replaced.ok()) return replaced.status();
    current = *std::move(replaced);
    indicators = given->indicators();
  }
  for (size_t i = 0; i < remove->size(); ++i) {
    const v1::Indicator& gone = (*remove)[i];
    auto it = std::find_if(current.begin(), current.end(),
                           [&](const v1::Indicator& held) { return SameIndicator(held, gone); });
    if (it == current.end()) {
      return absl::InvalidArgumentError(absl::StrCat("--remove-indicator ",
                                                     QuoteInput(line.All("remove-indicator")[i]),
                                                     ": the record carries no such indicator"));
    }
    const size_t index = it - current.begin();
    current.erase(it);
    indicators.erase(indicators.begin() + static_cast<int>(index));
  }
  for (const v1::Indicator& added : *add) {
    if (std::none_of(current.begin(), current.end(),
                     [&](const v1::Indicator& held) { return SameIndicator(held, added); })) {
      v1::Indicator& fresh = *indicators.Add() = added;
      fresh.clear_normalized();
      current.push_back(added);
    }
  }
  if (record.assessment().ByteSizeLong() == 0) record.clear_assessment();
  return record;
}

}  // namespace nexus
