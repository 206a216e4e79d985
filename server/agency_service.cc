#include "server/agency_service.h"

#include <algorithm>
#include <map>
#include <set>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/strip.h"
#include "common/indicator_normalizer.h"
#include "common/record_seal.h"
#include "common/uuid.h"
#include "policy/redaction.h"
#include "server/caller.h"
#include "server/decision_summary.h"
#include "server/log.h"
#include "server/request_checks.h"
#include "server/search_keys.h"
#include "server/shared_reads.h"
#include "server/stream_pipeline.h"

namespace nexus {
namespace {

// Most records one pull page carries: one audit entry covers one page, written before the page
// is sent.
constexpr size_t kPullPageRecords = 256;
// A pull call stops once it has passed over this many versions more than four per version it
// returns (the reader resumes with the next call): its time grows with what it returns, not
// with how much the node holds that the reader is not shown.
constexpr uint64_t kPullScanSlack = 256;
constexpr uint32_t kPullScanPerReturned = 4;

// Whether a stored version passes the pull filters. The node sealed or verified it on storing.
bool MatchesPull(const v1::PullRequest& request, const v1::SignedRecord& record) {
  absl::StatusOr<OpenedRecord> opened = DecodeStoredRecord(record);
  if (!opened.ok()) return false;
  const v1::Record& r = opened->record;
  auto contains = [](const auto& list, const auto& value) {
    return std::find(list.begin(), list.end(), value) != list.end();
  };
  if (!request.origin_agencies().empty() &&
      !contains(request.origin_agencies(), r.origin_agency())) {
    return false;
  }
  if (!request.nexus_types().empty() &&
      !contains(request.nexus_types(), static_cast<int>(r.assessment().nexus_type()))) {
    return false;
  }
  if (!request.indicator_types().empty() &&
      std::none_of(r.indicators().begin(), r.indicators().end(), [&](const v1::Indicator& i) {
        return contains(request.indicator_types(), static_cast<int>(i.type()));
      })) {
    return false;
  }
  if (r.modified_unix_micros() <= request.modified_after_unix_micros()) return false;
  return request.modified_before_unix_micros() == 0 ||
         r.modified_unix_micros() < request.modified_before_unix_micros();
}

}  // namespace

AgencyServiceImpl::AgencyServiceImpl(const v1::NodeConfig& config, RecordStore* store,
                                     RecordPublisher* publisher, AuditLog* audit,
                                     const SharedReads* reads, const RecordSearch* search,
                                     const FederatedSearch* federated, LinkReads* links,
                                     const CursorCipher* cursors, const Authorizer* authorizer)
    : agency_id_(config.agency_id()),
      limits_(config.limits()),
      store_(store),
      publisher_(publisher),
      audit_(audit),
      reads_(reads),
      search_(search),
      federated_(federated),
      links_(links),
      cursors_(cursors),
      authorizer_(authorizer) {
  std::set<std::string> peers;
  for (const v1::Peer& peer : config.peers()) peers.insert(peer.agency_id());
  is_peer_ = [peers](const std::string& agency) { return peers.contains(agency); };
}

absl::StatusOr<RecordPublisher::Batch> AgencyServiceImpl::PreparePublish(
    const CallContext& call, const v1::PublishRequest& request) {
  if (request.records_size() > static_cast<int>(limits_.max_records_per_publish())) {
    return absl::InvalidArgumentError(
        absl::StrCat("publish carries ", request.records_size(), " records; the limit is ",
                     limits_.max_records_per_publish(), " per request"));
  }
  std::vector<v1::Record> drafts(request.records().begin(), request.records().end());
  PublishOptions options{.skip_unchanged = request.skip_unchanged(),
                         .source_times = request.source_times()};
  return publisher_->Prepare(call, std::move(drafts), options);
}

absl::Status AgencyServiceImpl::RefusePublish(const CallContext& call, int records,
                                              const absl::Status& refusal) {
  v1::AuditEntry entry = call.Entry(v1::AUDIT_ACTION_PUBLISH);
  entry.set_count(records);
  return RecordOutcome(*audit_, call, std::move(entry), refusal);
}

v1::PublishResponse AgencyServiceImpl::CommitPublish(RecordPublisher::Batch batch,
                                                     bool report_recipients) {
  v1::PublishResponse response;
  for (v1::PublishResult& result : publisher_->Commit(std::move(batch))) {
    if (report_recipients && result.outcome() != v1::PUBLISH_OUTCOME_REJECTED) {
      // The publisher is the node's own agency: it is told who receives what it published.
      absl::StatusOr<v1::SignedRecord> stored = store_->Get(result.id(), result.version());
      if (stored.ok()) {
        for (v1::Recipient& recipient : reads_->Recipients(*stored, is_peer_)) {
          *result.add_recipients() = std::move(recipient);
        }
      }
    }
    *response.add_results() = std::move(result);
  }
  return response;
}

grpc::Status AgencyServiceImpl::Publish(grpc::ServerContext* context,
                                        const v1::PublishRequest* request,
                                        v1::PublishResponse* response) {
  absl::StatusOr<CallContext> call = authorizer_->Authorize(*context, Rpc::kPublish);
  if (!call.ok()) return ToGrpc(call.status());
  absl::StatusOr<RecordPublisher::Batch> batch = PreparePublish(*call, *request);
  if (!batch.ok()) return ToGrpc(RefusePublish(*call, request->records_size(), batch.status()));
  *response = CommitPublish(*std::move(batch), request->report_recipients());
  return grpc::Status::OK;
}

grpc::Status AgencyServiceImpl::PublishStream(
    grpc::ServerContext* context,
    grpc::ServerReaderWriter<v1::PublishResponse, v1::PublishRequest>* stream) {
  absl::StatusOr<CallContext> call = authorizer_->Authorize(*context, Rpc::kPublish);
  if (!call.ok()) return ToGrpc(call.status());
  // Two stages: this thread reads each request and prepares it (checks and signatures, on every
  // core) while the pipeline's thread commits the one before (the durable batch) and answers it,
  // in order. A client with more than one request in flight keeps both the cores and the disk
  // busy.
  struct Prepared {
    absl::StatusOr<RecordPublisher::Batch> batch;
    bool report_recipients = false;
    int records = 0;  // as the request carried them, for a refusal's audit entry
  };
  absl::Status ended;  // the refusal that ended the stream; written by the pipeline before Close
  StreamPipeline<Prepared> pipeline(
      [&](Prepared next) {
        if (!next.batch.ok()) {
          ended = RefusePublish(*call, next.records, next.batch.status());
          return false;
        }
        return stream->Write(CommitPublish(*std::move(next.batch), next.report_recipients));
      },
      [&](Prepared dropped) {
        // Read and prepared, never stored: the client went away (or the stream ended on a
        // refusal) before its turn. Nothing of it is kept, and the log says so.
        if (dropped.batch.ok()) {
          (void)RefusePublish(*call, dropped.records,
                              absl::CancelledError("the publish stream ended before this "
                                                   "request's turn to be stored; nothing of it "
                                                   "was stored"));
        }
      });
  v1::PublishRequest request;
  while (pipeline.WaitForRoom() && stream->Read(&request)) {
    Prepared prepared{PreparePublish(*call, request), request.report_recipients(),
                      request.records_size()};
    const bool refused = !prepared.batch.ok();
    // A refusal is answered by the pipeline, after the requests before it.
    if (!pipeline.Put(std::move(prepared)) || refused) break;
  }
  pipeline.Close();
  return ToGrpc(ended);
}

grpc::Status AgencyServiceImpl::Get(grpc::ServerContext* context, const v1::GetRequest* request,
                                    v1::GetResponse* response) {
  absl::StatusOr<CallContext> call = authorizer_->Authorize(*context, Rpc::kGet);
  if (!call.ok()) return ToGrpc(call.status());
  v1::AuditEntry entry = call->Entry(v1::AUDIT_ACTION_GET);
  v1::AuditTarget* target = entry.add_targets();
  target->set_record_id(request->id());
  target->set_version(request->version());
  if (absl::Status s = CheckRecordId(request->id()); !s.ok()) {
    return AuditedAnswer(*audit_, *call, std::move(entry), s);
  }
  absl::StatusOr<v1::SignedRecord> record = store_->Get(request->id(), request->version());
  if (!record.ok()) {
    // A missing record takes the decision a hidden one takes, on a decoy, so that the time to
    // answer does not tell "hidden" from "absent".
    reads_->DecideOnDecoy(call->agency());
    return AuditedAnswer(*audit_, *call, std::move(entry), record.status());
  }
  SharingGate::Shared shared = reads_->Share(call->agency(), *record);
  entry.clear_targets();
  AddTarget(entry, *record);
  *entry.add_decisions() = shared.audit;
  if (!shared.permit) {
    // Answered exactly as for a record that does not exist; the audit log keeps the truth.
    entry.set_outcome(v1::AUDIT_OUTCOME_REFUSED);
    entry.set_code(static_cast<int>(absl::StatusCode::kNotFound));
    entry.set_error("denied by the sharing policy; answered as not found");
    if (absl::Status s = audit_->Append(std::move(entry)); !s.ok()) {
      return grpc::Status(grpc::StatusCode::UNAVAILABLE, "the audit log cannot record this call");
    }
    return grpc::Status(grpc::StatusCode::NOT_FOUND,
                        request->version() == 0
                            ? absl::StrCat("record ", request->id(), " not found")
                            : absl::StrCat("record ", request->id(), " version ",
                                           request->version(), " not found"));
  }
  grpc::Status status = AuditedAnswer(*audit_, *call, std::move(entry), absl::OkStatus());
  if (!status.ok()) return status;
  absl::StatusOr<v1::RecordHeader> header = PeekHeader(*record);
  if (header.ok()) {
    response->set_received_from(store_->ReceivedVia(header->id(), header->version()));
    // The evidence of an origin's equivocation is shown to whoever may see the record, each
    // copy decided and redacted as the record itself would be.
    for (const v1::SignedRecord& other : store_->Equivocations(header->id(), header->version())) {
      SharingGate::Shared evidence = reads_->Share(call->agency(), other);
      if (evidence.permit) *response->add_equivocations() = std::move(evidence.record);
    }
  }
  if (call->agency() == agency_id_) {
    for (v1::Recipient& recipient : reads_->Recipients(*record, is_peer_)) {
      *response->add_recipients() = std::move(recipient);
    }
  }
  *response->mutable_record() = std::move(shared.record);
  for (v1::WithheldNote& note : shared.notes) *response->add_withheld() = std::move(note);
  return status;
}

grpc::Status AgencyServiceImpl::Pull(grpc::ServerContext* context, const v1::PullRequest* request,
                                     grpc::ServerWriter<v1::PullResponse>* writer) {
  absl::StatusOr<CallContext> call = authorizer_->Authorize(*context, Rpc::kPull);
  if (!call.ok()) return ToGrpc(call.status());
  if (absl::Status s = CheckRequest(*request); !s.ok()) {
    return AuditedAnswer(*audit_, *call, call->Entry(v1::AUDIT_ACTION_PULL), s);
  }
  // Other agencies see cursors as opaque tokens: the gaps left by records they may not see,
  // and how many records the node holds, stay hidden.
  const bool own = call->agency() == agency_id_;
  SharedReads::FeedScan scan;
  scan.since = own ? request->since() : cursors_->Decode(request->since());
  if (const uint64_t end = store_->last_cursor(); scan.since > end) {
    // Said, rather than answered with nothing: a reader would wait for records that are
    // already there. Other agencies are not told where the feed ends.
    return AuditedAnswer(
        *audit_, *call, call->Entry(v1::AUDIT_ACTION_PULL),
        absl::OutOfRangeError(
            own ? absl::StrCat("cursor ", request->since(),
                               " is beyond the end of this node's feed (its last "
                               "position is ",
                               end, ")")
                : "the cursor is beyond the end of this node's feed: not one this node "
                  "gave your agency"));
  }
  scan.limit = request->limit();
  scan.page_records = kPullPageRecords;
  scan.hold_back = [&](uint64_t, const v1::SignedRecord& shared) {
    return MatchesPull(*request, shared) ? "" : "pull-filter";
  };
  scan.cancelled = [&] { return context->IsCancelled(); };
  scan.slack = kPullScanSlack;
  scan.per_sent = kPullScanPerReturned;
  auto cursor = [&](uint64_t position) { return own ? position : cursors_->Encode(position); };
  absl::StatusOr<SharedReads::FeedEnd> served =
      reads_->ServeFeed(*call, v1::AUDIT_ACTION_PULL, scan, [&](SharedReads::Page& page) {
        for (SharedReads::SharedVersion& version : page.versions) {
          v1::PullResponse response;
          response.set_cursor(cursor(version.position));
          if (absl::StatusOr<v1::RecordHeader> header = PeekHeader(version.record); header.ok()) {
            response.set_received_from(store_->ReceivedVia(header->id(), header->version()));
          }
          *response.mutable_record() = std::move(version.record);
          for (v1::WithheldNote& note : version.notes) *response.add_withheld() = std::move(note);
          if (!writer->Write(response)) return absl::CancelledError("pull cancelled by the client");
        }
        if (page.unreadable > 0) {
          // The reader is told that the answer has a hole, not only the node's log and audit.
          v1::PullResponse notice;
          notice.set_cursor(cursor(page.through));
          notice.set_unreadable_entries(static_cast<uint32_t>(page.unreadable));
          if (!writer->Write(notice)) return absl::CancelledError("pull cancelled by the client");
        }
        return absl::OkStatus();
      });
  if (served.ok() && served->more) {
    v1::PullResponse resume;
    resume.set_cursor(cursor(served->through));
    resume.set_more(true);
    writer->Write(resume);
  }
  if (served.ok()) return grpc::Status::OK;
  if (absl::IsCancelled(served.status()) || absl::IsUnavailable(served.status())) {
    return ToGrpc(served.status());
  }
  return AuditedAnswer(*audit_, *call, call->Entry(v1::AUDIT_ACTION_PULL), served.status());
}

grpc::Status AgencyServiceImpl::Search(grpc::ServerContext* context,
                                       const v1::SearchRequest* request,
                                       v1::SearchResponse* response) {
  absl::StatusOr<CallContext> call = authorizer_->Authorize(*context, Rpc::kSearch);
  if (!call.ok()) return ToGrpc(call.status());
  v1::AuditEntry entry = call->Entry(v1::AUDIT_ACTION_SEARCH);
  // The value as asked: the audit log bounds and escapes it where it is shown.
  entry.set_detail(absl::StrCat("type ", IndicatorTypeName(request->type()), " value '",
                                request->value(), "'",
                                request->federation() ? ", federation-wide" : ""));
  if (request->federation()) {
    if (absl::Status s = federated_->MayAsk(*call); !s.ok()) {
      return AuditedAnswer(*audit_, *call, std::move(entry), s);
    }
  }
  absl::StatusOr<v1::SearchResponse> found = search_->Search(call->agency(), *request, entry);
  grpc::Status status = AuditedAnswer(*audit_, *call, std::move(entry), found.status());
  if (!status.ok()) return status;
  *response = *std::move(found);
  if (request->federation()) {
    // The peers' answers, each audited here and at the peer; a peer's failure is in the answer.
    if (absl::Status s = federated_->Ask(*call, *request, *response); !s.ok()) return ToGrpc(s);
  }
  return grpc::Status::OK;
}

grpc::Status AgencyServiceImpl::Revoke(grpc::ServerContext* context,
                                       const v1::RevokeRequest* request,
                                       v1::RevokeResponse* response) {
  absl::StatusOr<CallContext> call = authorizer_->Authorize(*context, Rpc::kRevoke);
  if (!call.ok()) return ToGrpc(call.status());
  if (absl::Status s = CheckRecordId(request->id()); !s.ok()) {
    v1::AuditEntry entry = call->Entry(v1::AUDIT_ACTION_REVOKE);
    entry.add_targets()->set_record_id(request->id());
    return AuditedAnswer(*audit_, *call, std::move(entry), s);
  }
  *response->mutable_result() = publisher_->Revoke(*call, request->id(), request->reason());
  if (response->result().outcome() == v1::PUBLISH_OUTCOME_REJECTED) {
    return ToGrpc(absl::Status(static_cast<absl::StatusCode>(response->result().code()),
                               response->result().error()));
  }
  if (response->result().outcome() == v1::PUBLISH_OUTCOME_STORED) {
    LogInfo(absl::StrCat("revoked ", request->id(), " version ", response->result().version(),
                         " by ", call->agency(), " (request ", call->request_id,
                         "; reason in the audit log)"));
  }
  return grpc::Status::OK;
}

}  // namespace nexus
