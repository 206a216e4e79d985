// What every handler checks of a request before doing anything with it: the values of its enum
// fields are ones the schema defines (proto3 enums are open, so any number arrives), and ids
// are in their form. Refusals are InvalidArgument naming the field, with any quoted input
// escaped and bounded; the handler audits them like every other refusal.
#ifndef NEXUS_SERVER_REQUEST_CHECKS_H_
#define NEXUS_SERVER_REQUEST_CHECKS_H_

#include <google/protobuf/message.h>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"

namespace nexus {

// Every enum field of `request`, at any depth, holds a defined value, e.g. refuses a
// SearchRequest with "type: 99 is not a defined value (PHONE-FILE_HASH = 1-16)".
absl::Status CheckRequest(const google::protobuf::Message& request);

// `id` is a record id (a lower-case UUID); the refusal names `field` and quotes at most a
// bounded prefix of `id`.
absl::Status CheckRecordId(absl::string_view id, absl::string_view field = "id");

}  // namespace nexus

#endif  // NEXUS_SERVER_REQUEST_CHECKS_H_
