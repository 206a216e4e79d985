// The receiving side of a peer's LinkNotices stream: the links a peer (most often the regional
// coordinator, which holds what its members relay) found and decided for this node's agency.
// Each alert is checked as if a stranger sent it before this node's analysts see it: every
// record in it verified against its origin's key and within the originator's limits for this
// node from that peer (as a replicated version is), the facts shown taken from those records and
// this node's membership rather than the peer's word, the shared selectors ones those records
// disclose. A refused alert is audited and passed over; the cursor is stored with what is kept.
#ifndef NEXUS_SERVER_LINK_NOTICE_INTAKE_H_
#define NEXUS_SERVER_LINK_NOTICE_INTAKE_H_

#include <map>
#include <string>

#include "absl/status/status.h"
#include "nexus/v1/agency_service.pb.h"
#include "nexus/v1/node_config.pb.h"
#include "server/audit_log.h"
#include "server/call_context.h"
#include "server/link_detector.h"
#include "server/replication_intake.h"

namespace nexus {

class LinkNoticeIntake {
 public:
  // Every pointer must outlive this.
  LinkNoticeIntake(const v1::NodeConfig& config, const ReplicationIntake* intake,
                   LinkDetector* links, AuditLog* audit);

  // The peers whose LinkNotices this node follows: links.notice_peers, or else every peer of
  // the regional-body sector (a coordinator), of those this node can dial.
  static std::vector<std::string> PeersFollowed(const v1::NodeConfig& config);

  // Where `peer`'s stream resumes.
  uint64_t Cursor(const std::string& peer) const { return links_->PeerCursor(peer); }

  // Takes one message of the stream from `call`'s peer: a `more` marker moves the cursor only;
  // an alert is checked, audited (ALERT) and stored with the cursor, or refused (audited, and
  // passed over). An error means nothing was stored and the stream should end.
  absl::Status Take(const CallContext& call, v1::Alert alert);

 private:
  // The alert as this node keeps it, or why it is refused.
  absl::Status Check(const std::string& peer, v1::Alert& alert) const;
  absl::Status CheckSide(const std::string& peer, const char* name, v1::LinkSide& side,
                         std::vector<std::pair<v1::IndicatorType, std::string>>& disclosed) const;

  std::string agency_id_;
  std::map<std::string, v1::Agency> members_;
  const ReplicationIntake* intake_;
  LinkDetector* links_;
  AuditLog* audit_;
};

}  // namespace nexus

#endif  // NEXUS_SERVER_LINK_NOTICE_INTAKE_H_
