#include "server/federation_service.h"

#include <grpcpp/support/method_handler.h>

#include <algorithm>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "common/untrusted_text.h"
#include "server/caller.h"
#include "server/federation_status.h"
#include "server/federation_streams.h"
#include "server/log.h"

namespace nexus {

FederationServiceImpl::FederationServiceImpl(const v1::NodeConfig& config, Parts parts)
    : agency_id_(config.agency_id()),
      default_heartbeat_(absl::Seconds(config.federation().heartbeat_seconds() == 0
                                           ? 5
                                           : config.federation().heartbeat_seconds())),
      max_message_bytes_(config.limits().max_message_bytes()),
      parts_(parts) {
  MarkMethodStreamed(PushMethodIndex(),
                     new grpc::internal::BidiStreamingHandler<FederationServiceImpl,
                                                              grpc::ByteBuffer, v1::PushAck>(
                         [](FederationServiceImpl* service, grpc::ServerContext* context,
                            grpc::ServerReaderWriter<v1::PushAck, grpc::ByteBuffer>* stream) {
                           return service->PushBytes(context, stream);
                         },
                         this));
}

grpc::Status FederationServiceImpl::Replicate(grpc::ServerContext* context,
                                              const v1::ReplicateRequest* request,
                                              grpc::ServerWriter<v1::ReplicationBatch>* writer) {
  absl::StatusOr<CallContext> call = parts_.authorizer->Authorize(*context, Rpc::kReplicate);
  if (!call.ok()) return ToGrpc(call.status());
  const std::string& peer = call->agency();
  absl::Duration heartbeat =
      request->heartbeat_seconds() == 0
          ? default_heartbeat_
          : absl::Seconds(std::clamp(request->heartbeat_seconds(), 1u, 300u));
  LogInfo(
      absl::StrCat("replication stream to peer '", peer, "' opened (", call->actor.peer(), ")"));
  parts_.registry->BeginServing(peer);
  absl::Status served = parts_.source->Serve(
      *call, request->since(), heartbeat,
      [&](const v1::ReplicationBatch& batch) { return writer->Write(batch); },
      [&] { return stopping_ || context->IsCancelled(); });
  parts_.registry->EndServing(peer, served);
  LogInfo(absl::StrCat("replication stream to peer '", peer,
                       "' closed: ", served.ok() ? "OK" : served.ToString()));
  if (served.ok() || absl::IsCancelled(served)) return ToGrpc(served);
  // Each batch was audited as it went; the failure that ended the stream is too.
  return AuditedAnswer(*parts_.audit, *call, v1::AUDIT_ACTION_REPLICATE, "replication stream ended",
                       served);
}

grpc::Status FederationServiceImpl::PushBytes(
    grpc::ServerContext* context, grpc::ServerReaderWriter<v1::PushAck, grpc::ByteBuffer>* stream) {
  absl::StatusOr<CallContext> call = parts_.authorizer->Authorize(*context, Rpc::kPush);
  if (!call.ok()) return ToGrpc(call.status());
  const std::string& peer = call->agency();
  // Acknowledgements come from this thread (the first, and one per witnessed head) and from the
  // session's thread once a batch is durable, which lets the session store one batch while this
  // thread checks the next: one Write at a time.
  absl::Mutex ack_mu;
  auto acknowledge = [&](uint64_t cursor) {
    v1::PushAck ack;
    ack.set_cursor(cursor);
    ack.set_witnessed_size(parts_.witness->State(peer).tree_size());
    absl::MutexLock lock(&ack_mu);
    return stream->Write(ack);
  };
  absl::StatusOr<std::unique_ptr<IntakeSession>> session =
      IntakeSession::Open(parts_.intake, parts_.store, parts_.registry, *call,
                          [&](uint64_t cursor) { (void)acknowledge(cursor); });
  if (!session.ok()) {
    return ToGrpc(RecordRefusal(*parts_.audit, *call, v1::AUDIT_ACTION_RECEIVE, session.status()));
  }
  LogInfo(absl::StrCat("push stream from peer '", call->agency(), "' opened (", call->actor.peer(),
                       ")"));
  parts_.registry->Established(peer);
  absl::Status how;
  if (!acknowledge((*session)->cursor())) how = absl::CancelledError("the peer's stream is gone");
  grpc::ByteBuffer message;
  v1::ReplicationBatch batch;
  while (how.ok() && !stopping_ && stream->Read(&message)) {
    how = (*session)->TakeBytes(MessageBytes(message), batch);
    if (!how.ok()) break;
    if (batch.has_audit_head()) {
      // A peer that cannot be dialled is witnessed over its own connection.
      std::vector<std::string> proof(batch.audit_head().consistency_proof().begin(),
                                     batch.audit_head().consistency_proof().end());
      absl::StatusOr<v1::PeerWitness> witnessed =
          parts_.witness->Check(peer, batch.audit_head().head(), proof);
      if (!witnessed.ok()) LogWarning(std::string(witnessed.status().message()));
      if (!acknowledge((*session)->cursor()))
        how = absl::CancelledError("the peer's stream is gone");
    }
  }
  // After the peer's clean close the stream still takes a last acknowledgement; after gRPC ended
  // the call (a message over the limit, which it does not tell the handler, a lost connection, a
  // cancel) it does not. What is known of the end is recorded.
  if (how.ok()) how = (*session)->Drain();
  if (how.ok() && !stopping_ && (context->IsCancelled() || !acknowledge((*session)->cursor()))) {
    how = (*session)->RefuseStream(absl::CancelledError(absl::StrCat(
        "the push stream from peer '", peer, "' ended without a clean close: a message over ",
        "this node's limit of ", max_message_bytes_, " bytes, a lost connection, or the peer ",
        "stopped or cancelled it (gRPC does not say which)")));
  }
  how = (*session)->Finish(how);
  LogInfo(absl::StrCat("push stream from peer '", call->agency(),
                       "' closed: ", how.ok() ? "OK" : how.ToString()));
  // What the session refused is audited there; the pusher is told why its stream ended.
  return ToGrpc(how);
}

grpc::Status FederationServiceImpl::AuditHead(grpc::ServerContext* context,
                                              const v1::AuditHeadRequest* request,
                                              v1::AuditHeadResponse* response) {
  absl::StatusOr<CallContext> call = parts_.authorizer->Authorize(*context, Rpc::kAuditHead);
  if (!call.ok()) return ToGrpc(call.status());
  const std::string& peer = call->agency();
  std::string detail = absl::StrCat("audit head since size ", request->since_size());
  // Audited first when it is audited, so that the head served covers this very call.
  if (std::optional<uint64_t> routine = head_fetches_.ShouldAudit(peer, parts_.audit->size())) {
    v1::AuditEntry entry = call->Entry(v1::AUDIT_ACTION_WITNESS);
    entry.set_detail(absl::StrCat(detail, "; ", *routine,
                                  " routine fetches by the peer since its last entry, the log "
                                  "unchanged by anything else"));
    entry.set_count(*routine);
    if (grpc::Status s = AuditedAnswer(*parts_.audit, *call, std::move(entry), absl::OkStatus());
        !s.ok()) {
      return s;
    }
  }
  absl::StatusOr<v1::AuditHeadResponse> head = HeadForWitness(*parts_.audit, request->since_size());
  if (!head.ok()) {
    return AuditedAnswer(*parts_.audit, *call, v1::AUDIT_ACTION_WITNESS, detail, head.status());
  }
  v1::Checkpoint served;
  if (served.ParseFromString(head->head().checkpoint())) {
    head_fetches_.Served(peer, served.tree_size());
  }
  *response = *std::move(head);
  return grpc::Status::OK;
}

grpc::Status FederationServiceImpl::Status(grpc::ServerContext* context,
                                           const v1::FederationStatusRequest* request,
                                           v1::FederationStatusResponse* response) {
  absl::StatusOr<CallContext> call = parts_.authorizer->Authorize(*context, Rpc::kFederationStatus);
  if (!call.ok()) return ToGrpc(call.status());
  FederationStatusSources sources;
  sources.agency_id = agency_id_;
  sources.store = parts_.store;
  sources.registry = parts_.registry;
  sources.witness = parts_.witness;
  sources.source = parts_.source;
  sources.reoffers = parts_.reoffers;
  sources.link_detector = parts_.link_detector;
  *response = FederationStatusOf(sources);
  grpc::Status audited = AuditedAnswer(*parts_.audit, *call, v1::AUDIT_ACTION_FEDERATION_READ,
                                       "federation status", absl::OkStatus());
  if (!audited.ok()) response->Clear();
  return audited;
}

grpc::Status FederationServiceImpl::PeerHeads(grpc::ServerContext* context,
                                              const v1::PeerHeadsRequest* request,
                                              v1::PeerHeadsResponse* response) {
  absl::StatusOr<CallContext> call = parts_.authorizer->Authorize(*context, Rpc::kPeerHeads);
  if (!call.ok()) return ToGrpc(call.status());
  const std::string detail = absl::StrCat("witnessed heads of ", QuoteInput(request->agency_id()));
  if (!parts_.authorizer->IsPeer(request->agency_id())) {
    return AuditedAnswer(*parts_.audit, *call, v1::AUDIT_ACTION_FEDERATION_READ, detail,
                         absl::NotFoundError(absl::StrCat(QuoteInput(request->agency_id()),
                                                          " is not a peer of this node")));
  }
  for (v1::SignedCheckpoint& head : parts_.witness->Heads(request->agency_id(), 100)) {
    *response->add_heads() = std::move(head);
  }
  *response->mutable_witness() = parts_.witness->State(request->agency_id());
  grpc::Status audited = AuditedAnswer(*parts_.audit, *call, v1::AUDIT_ACTION_FEDERATION_READ,
                                       detail, absl::OkStatus());
  if (!audited.ok()) response->Clear();
  return audited;
}

grpc::Status FederationServiceImpl::FederatedSearch(grpc::ServerContext* context,
                                                    const v1::FederatedSearchRequest* request,
                                                    v1::SearchResponse* response) {
  absl::StatusOr<CallContext> call = parts_.authorizer->Authorize(*context, Rpc::kFederatedSearch);
  if (!call.ok()) return ToGrpc(call.status());
  absl::StatusOr<v1::SearchResponse> answer = parts_.search->Answer(*call, *request);
  if (!answer.ok()) return ToGrpc(answer.status());
  *response = *std::move(answer);
  return grpc::Status::OK;
}

grpc::Status FederationServiceImpl::RecordTrail(grpc::ServerContext* context,
                                                const v1::RecordTrailRequest* request,
                                                v1::RecordTrailAnswer* response) {
  absl::StatusOr<CallContext> call = parts_.authorizer->Authorize(*context, Rpc::kPeerRecordTrail);
  if (!call.ok()) return ToGrpc(call.status());
  absl::StatusOr<v1::RecordTrailAnswer> answer =
      parts_.trail->AskedByPeer(*call, *request, absl::FromChrono(context->deadline()));
  if (!answer.ok()) return ToGrpc(answer.status());
  *response = *std::move(answer);
  return grpc::Status::OK;
}

grpc::Status FederationServiceImpl::LinkNotices(grpc::ServerContext* context,
                                                const v1::AlertsRequest* request,
                                                grpc::ServerWriter<v1::Alert>* writer) {
  absl::StatusOr<CallContext> call = parts_.authorizer->Authorize(*context, Rpc::kLinkNotices);
  if (!call.ok()) return ToGrpc(call.status());
  LinkReads::AlertScan scan;
  scan.since = request->since();
  scan.follow = true;
  scan.cancelled = [&] { return stopping_ || context->IsCancelled(); };
  // Each call's work is bounded by what it sends (LinkReads); a `more` marker says where the
  // next resumes, which this stream does at once.
  while (true) {
    std::optional<uint64_t> resume;
    absl::Status served = parts_.link_reads->ServeAlerts(*call, scan, [&](const v1::Alert& alert) {
      if (alert.more()) resume = alert.cursor();
      if (!writer->Write(alert)) return absl::UnavailableError("the peer went away");
      return absl::OkStatus();
    });
    if (served.ok() && resume.has_value() && !scan.cancelled()) {
      scan.since = *resume;
      continue;
    }
    if (served.ok() || absl::IsCancelled(served) || absl::IsUnavailable(served)) {
      return ToGrpc(served);
    }
    return AuditedAnswer(*parts_.audit, *call, v1::AUDIT_ACTION_ALERT, "link notices stream ended",
                         served);
  }
}

}  // namespace nexus
