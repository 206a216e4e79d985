#include "server/admin_service.h"

#include "absl/strings/str_cat.h"
#include "common/untrusted_text.h"
#include "server/caller.h"
#include "server/log.h"
#include "server/request_checks.h"
#include "server/store_backup.h"

namespace nexus {

AdminServiceImpl::AdminServiceImpl(const v1::NodeConfig& config, SharingGate* sharing,
                                   RecordStore* store, AuditLog* audit,
                                   const Authorizer* authorizer, StoreBackup* backup)
    : agency_id_(config.agency_id()),
      sharing_(sharing),
      store_(store),
      audit_(audit),
      authorizer_(authorizer),
      backup_(backup) {}

grpc::Status AdminServiceImpl::ReloadPolicy(grpc::ServerContext* context,
                                            const v1::ReloadPolicyRequest* request,
                                            v1::ReloadPolicyResponse* response) {
  absl::StatusOr<CallContext> call =
      authorizer_->Authorize(*context, Rpc::kReloadPolicy, "ReloadPolicy");
  if (!call.ok()) return ToGrpc(call.status());
  absl::StatusOr<SharingGate::Installed> installed = sharing_->Reload(*call);  // audited
  if (!installed.ok()) return ToGrpc(installed.status());
  response->set_policy_name(installed->name);
  response->set_rules(static_cast<uint32_t>(installed->rules));
  for (std::string& warning : installed->warnings) response->add_warnings(std::move(warning));
  response->set_file(installed->file);
  response->set_reoffered_peers(static_cast<uint32_t>(installed->reoffered_peers));
  return grpc::Status::OK;
}

grpc::Status AdminServiceImpl::ExplainDecision(grpc::ServerContext* context,
                                               const v1::ExplainDecisionRequest* request,
                                               v1::ExplainDecisionResponse* response) {
  std::string detail = absl::StrCat("ExplainDecision record ", request->record_id(), " recipient ",
                                    request->recipient());
  absl::StatusOr<CallContext> call =
      authorizer_->Authorize(*context, Rpc::kExplainDecision, detail);
  if (!call.ok()) return ToGrpc(call.status());
  v1::AuditEntry entry = call->Entry(v1::AUDIT_ACTION_AUDIT_READ);
  entry.set_detail(detail);
  absl::Status valid_id = CheckRecordId(request->record_id(), "record_id");
  absl::StatusOr<v1::SignedRecord> record =
      valid_id.ok() ? store_->Get(request->record_id(), request->version()) : valid_id;
  std::vector<std::string> lines, reasons;
  policy::Decision decision;
  if (record.ok()) decision = sharing_->Explain(request->recipient(), *record, &lines, &reasons);
  if (grpc::Status s = AuditedAnswer(*audit_, *call, std::move(entry), record.status()); !s.ok()) {
    return s;
  }
  response->set_effect(decision.permit ? v1::EFFECT_PERMIT : v1::EFFECT_FORBID);
  response->set_effect_name(decision.EffectName());
  *response->mutable_withheld() = decision.withheld.ToRedaction();
  for (std::string& reason : reasons) response->add_reasons(std::move(reason));
  for (std::string& line : lines) response->add_explanation(std::move(line));
  return grpc::Status::OK;
}

grpc::Status AdminServiceImpl::Backup(grpc::ServerContext* context,
                                      const v1::BackupRequest* request,
                                      v1::BackupResponse* response) {
  const std::string detail = absl::StrCat("backup ", QuoteInput(request->name()));
  absl::StatusOr<CallContext> call = authorizer_->Authorize(*context, Rpc::kBackup, detail);
  if (!call.ok()) return ToGrpc(call.status());
  absl::StatusOr<v1::BackupResponse> taken =
      backup_ != nullptr ? backup_->Take(request->name())
                         : absl::FailedPreconditionError("backups are off on this node");
  std::string outcome = detail;
  if (taken.ok()) {
    outcome = absl::StrCat(detail, " to ", taken->directory(), ": at least ",
                           taken->audit_entries(), " audit entries and ", taken->feed_versions(),
                           " versions, in ", absl::FormatDuration(absl::Seconds(taken->seconds())));
    LogInfo(outcome);
  }
  grpc::Status audited =
      AuditedAnswer(*audit_, *call, v1::AUDIT_ACTION_BACKUP, outcome, taken.status());
  if (audited.ok()) *response = *std::move(taken);
  return audited;
}

}  // namespace nexus
