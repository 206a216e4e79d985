#include "server/audit_service.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "server/audit_filter.h"
#include "server/caller.h"
#include "server/log.h"
#include "server/request_checks.h"

namespace nexus {
namespace {

// Entries per streamed page: large enough to amortize per-message cost. Pages are also cut by
// bytes (page_bytes_), and an entry larger than a page travels in pieces: whatever a log holds,
// it can be listed.
constexpr int kEntriesPerPage = 512;

std::string ProofBytes(const merkle::Hash& hash) {
  return std::string(reinterpret_cast<const char*>(hash.data()), hash.size());
}

}  // namespace

AuditServiceImpl::AuditServiceImpl(const v1::NodeConfig& config, AuditLog* audit,
                                   const Authorizer* authorizer, class RecordTrail* trail)
    : agency_id_(config.agency_id()),
      audit_(audit),
      authorizer_(authorizer),
      trail_(trail),
      // Half the message limit leaves room for framing and the leaf hashes; 1 MiB pages keep
      // memory per listing small.
      page_bytes_(std::clamp<size_t>(config.limits().max_message_bytes() / 2, 4096, 1 << 20)) {}

absl::Status AuditServiceImpl::AuthorizeAndRecord(grpc::ServerContext& context,
                                                  const std::string& detail,
                                                  const absl::Status& request_check) {
  absl::StatusOr<CallContext> call = authorizer_->Authorize(context, Rpc::kAuditRead, detail);
  if (!call.ok()) return call.status();
  if (!request_check.ok()) {
    return RecordRefusal(*audit_, *call, v1::AUDIT_ACTION_AUDIT_READ, request_check, detail);
  }
  v1::AuditEntry entry = call->Entry(v1::AUDIT_ACTION_AUDIT_READ);
  entry.set_detail(detail);
  return RecordOutcome(*audit_, *call, std::move(entry), absl::OkStatus());
}

grpc::Status AuditServiceImpl::GetCheckpoint(grpc::ServerContext* context,
                                             const v1::GetCheckpointRequest* request,
                                             v1::SignedCheckpoint* response) {
  absl::Status allowed = AuthorizeAndRecord(
      *context, absl::StrCat("GetCheckpoint sign_now=", request->sign_now() ? "true" : "false"));
  if (!allowed.ok()) return ToGrpc(allowed);
  absl::StatusOr<v1::SignedCheckpoint> checkpoint;
  if (request->sign_now()) {
    checkpoint = audit_->Checkpoint(absl::Seconds(1));
  } else {
    // The head signed with the latest commit: it covers every entry, this call's included.
    checkpoint = audit_->Head();
  }
  if (!checkpoint.ok()) return ToGrpc(checkpoint.status());
  *response = *std::move(checkpoint);
  return grpc::Status::OK;
}

grpc::Status AuditServiceImpl::ListCheckpoints(grpc::ServerContext* context,
                                               const v1::ListCheckpointsRequest* request,
                                               v1::ListCheckpointsResponse* response) {
  absl::Status allowed = AuthorizeAndRecord(
      *context, absl::StrCat("ListCheckpoints since_size=", request->since_size()));
  if (!allowed.ok()) return ToGrpc(allowed);
  absl::StatusOr<std::vector<v1::SignedCheckpoint>> all =
      audit_->Checkpoints(request->since_size());
  if (!all.ok()) return ToGrpc(all.status());
  // Paged, so that a long-lived node's checkpoints never outgrow one message.
  size_t limit = request->limit() == 0 || request->limit() > 1000 ? 1000 : request->limit();
  if (all->size() > limit) all->resize(limit);
  absl::StatusOr<uint64_t> superseded = audit_->SupersededCheckpoints();
  if (!superseded.ok()) return ToGrpc(superseded.status());
  response->set_superseded_checkpoints(*superseded);
  for (v1::SignedCheckpoint& checkpoint : *all) {
    *response->add_checkpoints() = std::move(checkpoint);
  }
  return grpc::Status::OK;
}

grpc::Status AuditServiceImpl::ListEntries(grpc::ServerContext* context,
                                           const v1::ListEntriesRequest* request,
                                           grpc::ServerWriter<v1::AuditEntryPage>* writer) {
  absl::Status allowed = AuthorizeAndRecord(
      *context,
      absl::StrCat("ListEntries start=", request->start(), " end=", request->end(), " filter={",
                   request->filter().ShortDebugString(), "}"),
      CheckRequest(*request));
  if (!allowed.ok()) return ToGrpc(allowed);
  uint64_t end = request->end() == 0 ? audit_->size() : request->end();
  v1::AuditEntryPage page;
  size_t page_bytes = 0;
  uint32_t sent = 0;
  bool cancelled = false;
  auto write_page = [&] {
    if (page.entries().empty()) return true;
    if (context->IsCancelled() || !writer->Write(page)) return false;
    page.Clear();
    page_bytes = 0;
    return true;
  };
  absl::Status scan = audit_->ScanEntries(
      request->start(), end, request->newest_first(),
      [&](uint64_t index, const std::string& bytes, const merkle::Hash& leaf) {
        if (!MatchesAuditFilter(request->filter(), bytes)) return true;
        if (page_bytes + bytes.size() > page_bytes_ || page.entries_size() >= kEntriesPerPage) {
          if (!write_page()) return !(cancelled = true);
        }
        if (bytes.size() <= page_bytes_) {
          v1::AuditEntryBytes* entry = page.add_entries();
          entry->set_index(index);
          entry->set_entry(bytes);
          entry->set_leaf_hash(ProofBytes(leaf));
          page_bytes += bytes.size();
        } else {
          // One piece per page, in order; the client joins them.
          for (size_t offset = 0; offset < bytes.size(); offset += page_bytes_) {
            v1::AuditEntryBytes* piece = page.add_entries();
            piece->set_index(index);
            piece->set_entry(bytes.substr(offset, page_bytes_));
            if (offset == 0) piece->set_leaf_hash(ProofBytes(leaf));
            piece->set_offset(offset);
            piece->set_total_size(bytes.size());
            page_bytes = page_bytes_;
            if (!write_page()) return !(cancelled = true);
          }
        }
        ++sent;
        return request->limit() == 0 || sent < request->limit();
      });
  if (cancelled) return grpc::Status(grpc::StatusCode::CANCELLED, "listing cancelled");
  if (!scan.ok()) return ToGrpc(scan);
  if (!write_page()) return grpc::Status(grpc::StatusCode::CANCELLED, "listing cancelled");
  return grpc::Status::OK;
}

grpc::Status AuditServiceImpl::GetInclusionProof(grpc::ServerContext* context,
                                                 const v1::InclusionProofRequest* request,
                                                 v1::Proof* response) {
  absl::Status allowed =
      AuthorizeAndRecord(*context, absl::StrCat("GetInclusionProof index=", request->index(),
                                                " tree_size=", request->tree_size()));
  if (!allowed.ok()) return ToGrpc(allowed);
  absl::StatusOr<std::vector<merkle::Hash>> proof =
      audit_->InclusionProof(request->index(), request->tree_size());
  if (!proof.ok()) return ToGrpc(proof.status());
  for (const merkle::Hash& hash : *proof) response->add_hashes(ProofBytes(hash));
  return grpc::Status::OK;
}

grpc::Status AuditServiceImpl::GetConsistencyProof(grpc::ServerContext* context,
                                                   const v1::ConsistencyProofRequest* request,
                                                   v1::Proof* response) {
  absl::Status allowed =
      AuthorizeAndRecord(*context, absl::StrCat("GetConsistencyProof first=", request->first_size(),
                                                " second=", request->second_size()));
  if (!allowed.ok()) return ToGrpc(allowed);
  absl::StatusOr<std::vector<merkle::Hash>> proof =
      audit_->ConsistencyProof(request->first_size(), request->second_size());
  if (!proof.ok()) return ToGrpc(proof.status());
  for (const merkle::Hash& hash : *proof) response->add_hashes(ProofBytes(hash));
  return grpc::Status::OK;
}

grpc::Status AuditServiceImpl::RecordTrail(grpc::ServerContext* context,
                                           const v1::RecordTrailRequest* request,
                                           v1::RecordTrailAnswer* response) {
  absl::StatusOr<CallContext> call = authorizer_->Authorize(*context, Rpc::kRecordTrail);
  if (!call.ok()) return ToGrpc(call.status());
  absl::StatusOr<v1::RecordTrailAnswer> answer =
      trail_->AskedByAuditor(*call, *request, absl::FromChrono(context->deadline()));
  if (!answer.ok()) return ToGrpc(answer.status());
  *response = *std::move(answer);
  return grpc::Status::OK;
}

}  // namespace nexus
