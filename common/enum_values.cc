#include "common/enum_values.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/strip.h"

namespace nexus {
namespace {

using google::protobuf::EnumDescriptor;
using google::protobuf::FieldDescriptor;

// A request may carry a million enum values in one packed field: the problems found are bounded,
// and the last one says that more were not listed.
constexpr size_t kMaxProblems = 20;
constexpr absl::string_view kMoreProblems = "(more undefined values not listed)";

bool Full(std::vector<std::string>& problems) {
  if (problems.size() < kMaxProblems) return false;
  if (problems.size() == kMaxProblems) problems.emplace_back(kMoreProblems);
  return true;
}

// "A-F = 1-6" for SourceReliability, "CLEAR-RED = 1-5" for Tlp, "1-6" for InformationCredibility:
// the defined values other than UNSPECIFIED, by the names people write.
std::string DefinedRange(const EnumDescriptor& type) {
  std::string prefix;
  if (const auto* zero = type.FindValueByNumber(0); zero != nullptr) {
    prefix = std::string(absl::StripSuffix(zero->name(), "UNSPECIFIED"));
  }
  const google::protobuf::EnumValueDescriptor *first = nullptr, *last = nullptr;
  for (int i = 0; i < type.value_count(); ++i) {
    const auto* value = type.value(i);
    if (value->number() == 0) continue;
    if (first == nullptr || value->number() < first->number()) first = value;
    if (last == nullptr || value->number() > last->number()) last = value;
  }
  if (first == nullptr) return "none";
  std::string numbers = absl::StrCat(first->number(), "-", last->number());
  std::string names = absl::StrCat(absl::StripPrefix(first->name(), prefix), "-",
                                   absl::StripPrefix(last->name(), prefix));
  return names == numbers ? numbers : absl::StrCat(names, " = ", numbers);
}

// Adds the problem of `field` when `value` is not valid. Names and descriptors are looked up
// only then: on the common path this allocates nothing.
void CheckOne(absl::string_view field, int value, bool (*is_valid)(int),
              const EnumDescriptor* (*type)(), std::vector<std::string>& problems) {
  if (!is_valid(value) && !Full(problems)) {
    problems.push_back(UndefinedValueProblem(field, value, *type()));
  }
}

}  // namespace

std::string UndefinedValueProblem(absl::string_view field, int value, const EnumDescriptor& type) {
  return absl::StrCat(field, ": ", value, " is not a defined value (", DefinedRange(type), ")");
}

void FindUndefinedRecordValues(const v1::Record& record, std::vector<std::string>& problems) {
  // Written out rather than by reflection: this runs for every record a node opens. The unit
  // test walks Record's descriptor so that a new enum field cannot be missed here.
  CheckOne("tlp", record.tlp(), v1::Tlp_IsValid, v1::Tlp_descriptor, problems);
  CheckOne("distribution.scope", record.distribution().scope(), v1::DistributionScope_IsValid,
           v1::DistributionScope_descriptor, problems);
  CheckOne("distribution.hit_notices.scope", record.distribution().hit_notices().scope(),
           v1::DistributionScope_IsValid, v1::DistributionScope_descriptor, problems);
  const v1::Assessment& a = record.assessment();
  CheckOne("assessment.nexus_type", a.nexus_type(), v1::NexusType_IsValid, v1::NexusType_descriptor,
           problems);
  for (int i = 0; i < a.watch_points_size(); ++i) {
    if (v1::WatchPoint_IsValid(a.watch_points(i))) continue;
    CheckOne(absl::StrCat("assessment.watch_points[", i, "]"), a.watch_points(i),
             v1::WatchPoint_IsValid, v1::WatchPoint_descriptor, problems);
  }
  CheckOne("assessment.source_reliability", a.source_reliability(), v1::SourceReliability_IsValid,
           v1::SourceReliability_descriptor, problems);
  CheckOne("assessment.information_credibility", a.information_credibility(),
           v1::InformationCredibility_IsValid, v1::InformationCredibility_descriptor, problems);
  for (int i = 0; i < record.indicators_size(); ++i) {
    if (v1::IndicatorType_IsValid(record.indicators(i).type())) continue;
    CheckOne(absl::StrCat("indicators[", i, "].type"), record.indicators(i).type(),
             v1::IndicatorType_IsValid, v1::IndicatorType_descriptor, problems);
  }
}

void FindUndefinedEnumValues(const google::protobuf::Message& message,
                             std::vector<std::string>& problems, const std::string& prefix) {
  const google::protobuf::Reflection* reflection = message.GetReflection();
  std::vector<const FieldDescriptor*> fields;
  reflection->ListFields(message, &fields);  // set fields only: an unset enum is 0, defined
  for (const FieldDescriptor* field : fields) {
    if (Full(problems)) return;
    const std::string name = absl::StrCat(prefix, field->name());
    if (field->type() == FieldDescriptor::TYPE_ENUM) {
      const EnumDescriptor& type = *field->enum_type();
      auto check = [&](int value, int index) {
        if (type.FindValueByNumber(value) == nullptr && !Full(problems)) {
          problems.push_back(UndefinedValueProblem(
              index < 0 ? name : absl::StrCat(name, "[", index, "]"), value, type));
        }
      };
      if (field->is_repeated()) {
        for (int i = 0; i < reflection->FieldSize(message, field); ++i) {
          check(reflection->GetRepeatedEnumValue(message, field, i), i);
        }
      } else {
        check(reflection->GetEnumValue(message, field), -1);
      }
    } else if (field->cpp_type() == FieldDescriptor::CPPTYPE_MESSAGE) {
      if (field->is_repeated()) {
        for (int i = 0; i < reflection->FieldSize(message, field) && !Full(problems); ++i) {
          FindUndefinedEnumValues(reflection->GetRepeatedMessage(message, field, i), problems,
                                  absl::StrCat(name, "[", i, "]."));
        }
      } else {
        FindUndefinedEnumValues(reflection->GetMessage(message, field), problems,
                                absl::StrCat(name, "."));
      }
    }
  }
}

absl::Status CheckEnumValues(const google::protobuf::Message& message) {
  std::vector<std::string> problems;
  FindUndefinedEnumValues(message, problems);
  if (problems.empty()) return absl::OkStatus();
  return absl::InvalidArgumentError(absl::StrJoin(problems, "; "));
}

}  // namespace nexus
