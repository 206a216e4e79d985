#include "common/storage/storage_fault.h"

#include "absl/strings/cord.h"

namespace nexus {
namespace {
constexpr absl::string_view kStorageFaultPayload = "type.nexus/storage-fault";
}  // namespace

absl::Status StorageFault(absl::string_view message) {
  absl::Status status = absl::UnavailableError(message);
  status.SetPayload(kStorageFaultPayload, absl::Cord("1"));
  return status;
}

bool IsStorageFault(const absl::Status& status) {
  return status.GetPayload(kStorageFaultPayload).has_value();
}

}  // namespace nexus
