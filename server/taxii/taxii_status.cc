#include "server/taxii/taxii_status.h"

namespace nexus {

void TaxiiStatuses::Put(TaxiiStatus status) {
  absl::MutexLock lock(&mu_);
  kept_.push_back(std::move(status));
  if (kept_.size() > kMaxKept) kept_.pop_front();
}

std::optional<TaxiiStatus> TaxiiStatuses::Get(const std::string& id,
                                              const std::string& agency) const {
  absl::MutexLock lock(&mu_);
  for (const TaxiiStatus& status : kept_) {
    if (status.id == id && status.agency == agency) return status;
  }
  return std::nullopt;
}

}  // namespace nexus
