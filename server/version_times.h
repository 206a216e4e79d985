// The created and modified times a new version of a record carries: the author's when the draft
// gives them, so that imported intelligence keeps the times of its source (and the sharing
// policy judges its age by them), else this node's clock.
#ifndef NEXUS_SERVER_VERSION_TIMES_H_
#define NEXUS_SERVER_VERSION_TIMES_H_

#include <cstdint>
#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "nexus/v1/record.pb.h"

namespace nexus {

// How far ahead of this node's clock an author's time may be: the clocks of separate systems
// differ a little; a time further ahead is a mistake, and would make the record look new for
// longer than it is.
inline constexpr absl::Duration kMaxClockSkew = absl::Minutes(5);

struct VersionTimes {
  int64_t created_unix_micros = 0;
  int64_t modified_unix_micros = 0;
};

// The times of a new version, from the draft's `created` and `modified` (0: not given) and the
// header of the record's latest stored version (null for a new record):
//  - a given time is after 1970 and at most kMaxClockSkew after `now` (else InvalidArgument);
//  - an update keeps the record's created time: a given one must equal it (else
//    FailedPrecondition); a new record without one is created when its first version was
//    modified;
//  - a given modified is not before created (else InvalidArgument) and, for an update, after the
//    latest version's modified (else FailedPrecondition);
//  - a modified not given is `now`, or 1µs after the latest version's modified (or after created)
//    when that is later, as it is after an author's clock ran ahead of this node's.
// Messages name the field and show the times in RFC 3339.
absl::StatusOr<VersionTimes> ChooseVersionTimes(int64_t created, int64_t modified,
                                                const v1::RecordHeader* latest, absl::Time now);

// `micros` since the epoch in RFC 3339, UTC, with as many fractional digits as it needs
// ("2024-05-01T10:00:00.000001Z").
std::string Rfc3339Micros(int64_t micros);

}  // namespace nexus

#endif  // NEXUS_SERVER_VERSION_TIMES_H_
