// Bounds on what one audit entry may hold. Entries record request text, error messages and the
// sharing decisions of reads, all of which an attacker controls or can inflate; an unbounded entry
// could be made too large to list, proven or verified. Every entry passes through BoundAuditEntry
// before it is staged, so the bound holds however the entry was built.
#ifndef NEXUS_SERVER_AUDIT_ENTRY_BOUNDS_H_
#define NEXUS_SERVER_AUDIT_ENTRY_BOUNDS_H_

#include <cstddef>
#include <string>

#include "absl/strings/string_view.h"
#include "nexus/v1/audit.pb.h"

namespace nexus {

// The serialized size no entry exceeds.
inline constexpr size_t kMaxAuditEntryBytes = 256 * 1024;

// `text` if it fits in `max_bytes`; otherwise its first bytes (never splitting a UTF-8 sequence)
// followed by "...[cut: N bytes, sha256 <hex>]", naming the whole's size and digest so that an
// auditor holding the original can match it. The result is at most `max_bytes` long for any
// `max_bytes` >= 128.
std::string BoundedText(absl::string_view text, size_t max_bytes);

// Cuts the entry's text fields and lists to their limits, counting cut list elements in
// `omitted`; the result serializes to at most kMaxAuditEntryBytes.
void BoundAuditEntry(v1::AuditEntry& entry);

}  // namespace nexus

#endif  // NEXUS_SERVER_AUDIT_ENTRY_BOUNDS_H_
