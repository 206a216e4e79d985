// The purpose of a call: why a person consulted or disclosed (a case reference or a short
// justification), recorded in the audit entry of everything the call does. It travels in the
// call's metadata, so that every RPC carries it the same way, and is checked where every call is
// authorized: an auditor reads it, so it is plain text a terminal shows as it is.
#ifndef NEXUS_COMMON_PURPOSE_H_
#define NEXUS_COMMON_PURPOSE_H_

#include <cstddef>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"

namespace nexus {

inline constexpr size_t kMaxPurposeBytes = 256;
// A binary ("-bin") key, so that a purpose may be any UTF-8, not only printable ASCII.
inline constexpr char kPurposeMetadataKey[] = "x-nexus-purpose-bin";

// OK for non-empty UTF-8 of at most kMaxPurposeBytes with no control characters (C0, DEL, C1)
// and no bidirectional overrides; otherwise what is wrong. The purpose itself is not quoted: it
// may name a case, and the message reaches the node's log.
absl::Status CheckPurpose(absl::string_view purpose);

}  // namespace nexus

#endif  // NEXUS_COMMON_PURPOSE_H_
