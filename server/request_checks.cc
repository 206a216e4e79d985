#include "server/request_checks.h"

#include "absl/strings/str_cat.h"
#include "common/enum_values.h"
#include "common/untrusted_text.h"
#include "common/uuid.h"

namespace nexus {

absl::Status CheckRequest(const google::protobuf::Message& request) {
  return CheckEnumValues(request);
}

absl::Status CheckRecordId(absl::string_view id, absl::string_view field) {
  if (IsCanonicalUuid(id)) return absl::OkStatus();
  return absl::InvalidArgumentError(
      absl::StrCat(field, " ", QuoteInput(id), " is not a lower-case UUID"));
}

}  // namespace nexus
