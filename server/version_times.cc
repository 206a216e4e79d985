#include "server/version_times.h"

#include <algorithm>
#include <limits>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"

namespace nexus {
namespace {

// A time the author gave is a real one: after 1970, and not (much) ahead of this node's clock.
absl::Status CheckGiven(absl::string_view field, int64_t micros, absl::Time now) {
  if (micros <= 0) {
    return absl::InvalidArgumentError(
        absl::StrCat(field, " ", Rfc3339Micros(micros), " is not after 1970-01-01T00:00:00Z"));
  }
  const absl::Time latest_allowed = now + kMaxClockSkew;
  if (absl::FromUnixMicros(micros) > latest_allowed) {
    return absl::InvalidArgumentError(absl::StrCat(
        field, " ", Rfc3339Micros(micros), " is in the future: this node's clock reads ",
        Rfc3339Micros(absl::ToUnixMicros(now)), " and allows ", absl::FormatDuration(kMaxClockSkew),
        " of clock skew"));
  }
  return absl::OkStatus();
}

}  // namespace

std::string Rfc3339Micros(int64_t micros) {
  return absl::FormatTime("%Y-%m-%dT%H:%M:%E*SZ", absl::FromUnixMicros(micros),
                          absl::UTCTimeZone());
}

absl::StatusOr<VersionTimes> ChooseVersionTimes(int64_t created, int64_t modified,
                                                const v1::RecordHeader* latest, absl::Time now) {
  if (created != 0) {
    if (absl::Status s = CheckGiven("created_unix_micros", created, now); !s.ok()) return s;
  }
  if (modified != 0) {
    if (absl::Status s = CheckGiven("modified_unix_micros", modified, now); !s.ok()) return s;
  }
  if (latest != nullptr) {
    if (created != 0 && created != latest->created_unix_micros()) {
      return absl::FailedPreconditionError(absl::StrCat(
          "created_unix_micros ", Rfc3339Micros(created), " differs from the record's created ",
          Rfc3339Micros(latest->created_unix_micros()),
          ": an update keeps it (give the same time, or none)"));
    }
    created = latest->created_unix_micros();
  }
  const int64_t now_micros = absl::ToUnixMicros(now);
  if (modified == 0) {
    // The node's clock, but never before what this version follows.
    modified = std::max(now_micros, created);
    if (latest != nullptr) {
      if (latest->modified_unix_micros() == std::numeric_limits<int64_t>::max()) {
        return absl::FailedPreconditionError(
            "the latest version's modified time is the largest there is: no version can follow");
      }
      modified = std::max(modified, latest->modified_unix_micros() + 1);
    }
  }
  if (created == 0) created = modified;  // a new record's first version
  if (latest != nullptr && modified <= latest->modified_unix_micros()) {
    return absl::FailedPreconditionError(absl::StrCat(
        "modified_unix_micros ", Rfc3339Micros(modified),
        " is not after the latest version's modified ",
        Rfc3339Micros(latest->modified_unix_micros()), " (version ", latest->version(), ")"));
  }
  if (modified < created) {
    return absl::InvalidArgumentError(absl::StrCat("modified_unix_micros ", Rfc3339Micros(modified),
                                                   " is before the created time ",
                                                   Rfc3339Micros(created)));
  }
  return VersionTimes{created, modified};
}

}  // namespace nexus
