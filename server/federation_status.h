// What a node knows of its federation links, as one answer: per peer the connection, what was
// received (the durable cursor and counts), what waits to be served, the witness state of its
// log and a pending re-offer; and link detection's backlog. The Status RPC answers it, audited;
// the metrics endpoint turns it into gauges.
#ifndef NEXUS_SERVER_FEDERATION_STATUS_H_
#define NEXUS_SERVER_FEDERATION_STATUS_H_

#include <string>

#include "nexus/v1/federation_service.pb.h"

namespace nexus {

class LinkDetector;
class PeerRegistry;
class PeerWitness;
class PolicyReoffers;
class RecordStore;
class ReplicationSource;

struct FederationStatusSources {
  std::string agency_id;
  const RecordStore* store = nullptr;
  const PeerRegistry* registry = nullptr;
  const PeerWitness* witness = nullptr;
  const ReplicationSource* source = nullptr;
  const PolicyReoffers* reoffers = nullptr;     // null: no re-offers
  const LinkDetector* link_detector = nullptr;  // null: link detection off
};

v1::FederationStatusResponse FederationStatusOf(const FederationStatusSources& sources);

}  // namespace nexus

#endif  // NEXUS_SERVER_FEDERATION_STATUS_H_
