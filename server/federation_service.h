// The gRPC FederationService: what peer nodes call to replicate (Replicate, Push) and to witness
// this node's audit log (AuditHead), and what the node's own people ask about its peers (Status,
// PeerHeads). Who may call what is in server/authorization.cc; every call is audited.
#ifndef NEXUS_SERVER_FEDERATION_SERVICE_H_
#define NEXUS_SERVER_FEDERATION_SERVICE_H_

#include <grpcpp/support/byte_buffer.h>

#include <atomic>

#include "nexus/v1/federation_service.grpc.pb.h"
#include "nexus/v1/node_config.pb.h"
#include "server/audit_log.h"
#include "server/authorization.h"
#include "server/federated_search.h"
#include "server/head_fetch_audit.h"
#include "server/link_reads.h"
#include "server/peer_registry.h"
#include "server/peer_witness.h"
#include "server/policy_reoffers.h"
#include "server/record_store.h"
#include "server/record_trail.h"
#include "server/replication_intake.h"
#include "server/replication_source.h"

namespace nexus {

class FederationServiceImpl final : public v1::FederationService::Service {
 public:
  struct Parts {
    const Authorizer* authorizer;
    RecordStore* store;
    AuditLog* audit;
    const ReplicationSource* source;
    ReplicationIntake* intake;
    PeerRegistry* registry;
    PeerWitness* witness;
    const PolicyReoffers* reoffers;
    class FederatedSearch* search;
    const LinkReads* link_reads;
    class RecordTrail* trail;
    const class LinkDetector* link_detector;  // its backlog, in the status
  };
  // Every pointer must outlive the service.
  FederationServiceImpl(const v1::NodeConfig& config, Parts parts);

  // Ends every open stream promptly (node shutdown).
  void Stop() { stopping_ = true; }

  grpc::Status Replicate(grpc::ServerContext* context, const v1::ReplicateRequest* request,
                         grpc::ServerWriter<v1::ReplicationBatch>* writer) override;
  // Push, its batches taken as bytes (federation_streams.h): a message that does not decode is
  // refused, audited, and ends the stream with a status that says why.
  grpc::Status PushBytes(grpc::ServerContext* context,
                         grpc::ServerReaderWriter<v1::PushAck, grpc::ByteBuffer>* stream);
  grpc::Status AuditHead(grpc::ServerContext* context, const v1::AuditHeadRequest* request,
                         v1::AuditHeadResponse* response) override;
  grpc::Status Status(grpc::ServerContext* context, const v1::FederationStatusRequest* request,
                      v1::FederationStatusResponse* response) override;
  grpc::Status PeerHeads(grpc::ServerContext* context, const v1::PeerHeadsRequest* request,
                         v1::PeerHeadsResponse* response) override;
  grpc::Status FederatedSearch(grpc::ServerContext* context,
                               const v1::FederatedSearchRequest* request,
                               v1::SearchResponse* response) override;
  grpc::Status LinkNotices(grpc::ServerContext* context, const v1::AlertsRequest* request,
                           grpc::ServerWriter<v1::Alert>* writer) override;
  grpc::Status RecordTrail(grpc::ServerContext* context, const v1::RecordTrailRequest* request,
                           v1::RecordTrailAnswer* response) override;

 private:
  std::string agency_id_;
  absl::Duration default_heartbeat_;
  HeadFetchAudit head_fetches_;
  uint64_t max_message_bytes_;
  Parts parts_;
  std::atomic<bool> stopping_{false};
};

}  // namespace nexus

#endif  // NEXUS_SERVER_FEDERATION_SERVICE_H_
