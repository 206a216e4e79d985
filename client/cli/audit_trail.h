// A record's disclosure trail at one node, as an auditor reads it: every audit entry that names
// the record (published, revoked, read, pulled, found by a search, shown in a link alert, sent to
// or received from a peer, refused), one line each saying who, why and what happened to which
// versions, then who saw it, where it went and who was refused.
#ifndef NEXUS_CLIENT_CLI_AUDIT_TRAIL_H_
#define NEXUS_CLIENT_CLI_AUDIT_TRAIL_H_

#include <map>
#include <set>
#include <string>

#include "nexus/v1/audit.pb.h"

namespace nexus {

class AuditTrail {
 public:
  explicit AuditTrail(std::string record_id) : record_id_(std::move(record_id)) {}

  // One line for `entry` (at log index `index`) if it names the record, and counted in the
  // summary; empty otherwise.
  std::string Add(uint64_t index, const v1::AuditEntry& entry);
  // "seen by: …", "sent to: …", "received from: …", "refused: …"; "nothing" when no entry.
  std::string Summary() const;
  size_t entries() const { return entries_; }
  // The agencies whose nodes the record was sent to, and received from, as far as the entries
  // added say: where a trail across the federation goes next.
  const std::set<std::string>& sent_to() const { return sent_to_; }
  const std::set<std::string>& received_from() const { return received_from_; }

 private:
  std::string record_id_;
  size_t entries_ = 0;
  std::map<std::string, int> seen_by_;  // agency → reads, searches and alerts answered
  std::set<std::string> sent_to_, received_from_, refused_;
};

}  // namespace nexus

#endif  // NEXUS_CLIENT_CLI_AUDIT_TRAIL_H_
