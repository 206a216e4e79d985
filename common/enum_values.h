// Enum values outside their definitions. proto3 enums are open: any number parses, is stored
// and signed, and code that compares grades or shifts bits by an enum would act on it. Every
// message the node accepts is checked here, at the edge, and refused with the field named.
#ifndef NEXUS_COMMON_ENUM_VALUES_H_
#define NEXUS_COMMON_ENUM_VALUES_H_

#include <google/protobuf/descriptor.h>
#include <google/protobuf/message.h>

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "nexus/v1/record.pb.h"

namespace nexus {

// "<field>: <value> is not a defined value (A-F = 1-6)".
std::string UndefinedValueProblem(absl::string_view field, int value,
                                  const google::protobuf::EnumDescriptor& type);

// Appends one problem per enum field of `record` (header and parts) that holds a value its enum
// does not define, e.g. "assessment.source_reliability: 9 is not a defined value (A-F = 1-6)".
// UNSPECIFIED is defined: whether a field is required is record validation's concern. Cheap
// enough for every record a node opens.
void FindUndefinedRecordValues(const v1::Record& record, std::vector<std::string>& problems);

// The same for any message, by reflection, at any depth: for requests, configuration and policy
// files. Fields are named by their path, e.g. "filter.action" or "cases[2].record.tlp".
void FindUndefinedEnumValues(const google::protobuf::Message& message,
                             std::vector<std::string>& problems, const std::string& prefix = "");

// InvalidArgument listing every undefined value of `message`, or OK.
absl::Status CheckEnumValues(const google::protobuf::Message& message);

}  // namespace nexus

#endif  // NEXUS_COMMON_ENUM_VALUES_H_
