// What each TAXII POST became (the spec's status resource), kept for the agency that posted it.
// Posts are processed before they are answered, so every status is complete when first read.
// Kept in memory, the last kMaxKept: a client reads its status right after the POST; the audit
// log keeps every publish for good.
#ifndef NEXUS_SERVER_TAXII_TAXII_STATUS_H_
#define NEXUS_SERVER_TAXII_TAXII_STATUS_H_

#include <cstdint>
#include <deque>
#include <optional>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"

namespace nexus {

struct TaxiiStatusDetail {
  std::string id;       // the STIX object id
  std::string version;  // its modified time, when it has one
  std::string message;
};

struct TaxiiStatus {
  std::string id;
  std::string agency;  // who posted: only its analysts read it
  int64_t request_unix_micros = 0;
  uint64_t total = 0;  // objects in the post
  std::vector<TaxiiStatusDetail> successes, failures;
};

class TaxiiStatuses {
 public:
  static constexpr size_t kMaxKept = 1000;

  void Put(TaxiiStatus status) ABSL_LOCKS_EXCLUDED(mu_);
  // The status `id` if `agency` posted it.
  std::optional<TaxiiStatus> Get(const std::string& id, const std::string& agency) const
      ABSL_LOCKS_EXCLUDED(mu_);

 private:
  mutable absl::Mutex mu_;
  std::deque<TaxiiStatus> kept_ ABSL_GUARDED_BY(mu_);
};

}  // namespace nexus

#endif  // NEXUS_SERVER_TAXII_TAXII_STATUS_H_
