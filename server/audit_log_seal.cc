// The seal and the background verification: what lets a node with a large log serve without
// re-verifying every entry first, and still check every entry at every start.
//
// The seal is a copy of a signed head taken when every entry it covers had been verified (at a
// start, in the background) or written by the node since. At Open a large log is verified after
// the seal; the entries up to it are verified here, on a thread of their own, with the same
// verifier and the same checks (entries rehashed, stored leaves and nodes, every checkpoint up to
// the seal, each under its own tree size, the seal as the head). The seal is not a trusted
// statement for auditors: an administrator who moves or deletes it only changes which entries are
// checked first. A pass cut short by a stop leaves the seal where it was.
#include <utility>

#include "absl/cleanup/cleanup.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "common/audit_verifier.h"
#include "common/checkpoint.h"
#include "common/storage/audit_format.h"
#include "server/audit_log.h"

namespace nexus {
namespace {

// Hands over the entries of `source` below `end`, and stops early once `stop` is set (then the
// scan ends Cancelled, which the caller tells apart from a verdict).
AuditEntrySource Below(AuditEntrySource source, uint64_t end, const std::atomic<bool>* stop) {
  return [source = std::move(source), end, stop](const auto& visit) -> absl::Status {
    bool stopped = false;
    absl::Status scanned =
        source([&](uint64_t index, absl::string_view bytes, absl::string_view leaf) {
          if (stop->load(std::memory_order_relaxed)) {
            stopped = true;
            return false;
          }
          return index < end && visit(index, bytes, leaf);
        });
    if (stopped) return absl::CancelledError("the node is stopping");
    return scanned;
  };
}

}  // namespace

AuditLog::~AuditLog() {
  StopBackgroundVerification();
  {
    absl::MutexLock lock(&async_mu_);
    while (async_pending_ > 0) async_done_.Wait(&async_mu_);
  }
  queue_->RemoveParticipant(this);
}

absl::StatusOr<AuditLog::SealReading> AuditLog::ReadSeal(const Keyring& keys,
                                                         uint64_t head_size) const {
  SealReading reading;
  absl::StatusOr<std::string> value = storage_->Get(storage::kAuditHead, audit_format::kSealKey);
  if (absl::IsNotFound(value.status())) return reading;
  if (!value.ok()) return absl::UnavailableError(value.status().message());
  // Only a seal this node's agency signed, whose tree the stored nodes rebuild, says anything.
  // Any other (malformed, foreign, altered) is ignored, with the reason: the whole log is then
  // verified before serving.
  SealedTree sealed;
  absl::StatusOr<v1::Checkpoint> checkpoint = sealed.seal.ParseFromString(*value)
                                                  ? VerifyCheckpoint(sealed.seal, keys)
                                                  : absl::DataLossError("it does not parse");
  if (checkpoint.ok() && checkpoint->origin() != options_.origin) {
    checkpoint =
        absl::DataLossError(absl::StrCat("it is signed as agency '", checkpoint->origin(), "'"));
  }
  if (!checkpoint.ok()) {
    reading.ignored =
        absl::StrCat("the stored seal is not this node's: ", checkpoint.status().message());
    return reading;
  }
  if (checkpoint->tree_size() > head_size) {
    // The node never seals beyond its durable head: its own seal larger than the log shows
    // that entries were removed. The full verification reports it as a truncation.
    reading.ignored = absl::StrCat("the seal covers ", checkpoint->tree_size(),
                                   " entries, more than the signed head's ", head_size);
    reading.beyond = sealed.seal;
    return reading;
  }
  absl::StatusOr<merkle::Hash> root = RootOf(*checkpoint);
  absl::StatusOr<merkle::Frontier> tree =
      merkle::Frontier::Load(checkpoint->tree_size(), Reader().StoredNodes());
  if (absl::IsUnavailable(tree.status())) return tree.status();
  if (!root.ok() || !tree.ok() || tree->Root() != *root) {
    reading.ignored = absl::StrCat("the stored tree does not rebuild the seal's root at tree size ",
                                   checkpoint->tree_size());
    return reading;
  }
  if (checkpoint->tree_size() == 0) return reading;
  sealed.size = checkpoint->tree_size();
  sealed.tree = *std::move(tree);
  reading.sealed = std::move(sealed);
  return reading;
}

absl::Status AuditLog::Seal() {
  absl::MutexLock lock(&verify_mu_);
  if (!verify_outcome_.ok()) return verify_outcome_;
  if (!all_verified_) return absl::OkStatus();  // the background pass has not confirmed them yet
  absl::StatusOr<v1::SignedCheckpoint> head = Head();
  if (!head.ok()) return absl::OkStatus();  // an empty log
  v1::Checkpoint checkpoint;
  if (!checkpoint.ParseFromString(head->checkpoint())) {
    return absl::InternalError("the node's own head does not parse");
  }
  if (checkpoint.tree_size() == sealed_size_) return absl::OkStatus();
  absl::Status written = queue_->Commit([&](storage::Batch& batch) {
    batch.Put(storage::kAuditHead, audit_format::kSealKey, head->SerializeAsString());
  });
  if (written.ok()) sealed_size_ = checkpoint.tree_size();
  return written;
}

void AuditLog::VerifySealedInBackground(std::function<void(const absl::Status&)> on_end) {
  absl::MutexLock lock(&verify_mu_);
  if (!sealed_.has_value() || verifying_ || verifier_.joinable()) return;
  verifying_ = true;
  verifier_ = std::thread([this, on_end = std::move(on_end)] {
    const absl::Time start = absl::Now();
    absl::Status outcome = VerifySealedEntries();
    RecordBackgroundOutcome(outcome, absl::Now() - start, on_end);
  });
}

absl::Status AuditLog::VerifySealedEntries() const {
  const AuditLogReader reader = Reader();
  AuditVerifyOptions verify;
  verify.keys = &VerifyingKeys();
  verify.expected_origin = options_.origin;
  verify.head = sealed_->seal;  // the sealed entries are exactly those it covers
  absl::StatusOr<std::vector<v1::SignedCheckpoint>> checkpoints = reader.Checkpoints();
  if (absl::IsUnavailable(checkpoints.status())) return checkpoints.status();
  if (!checkpoints.ok()) return absl::DataLossError(checkpoints.status().message());
  for (v1::SignedCheckpoint& signed_checkpoint : *checkpoints) {
    v1::Checkpoint claimed;
    // A malformed one is passed on: the verifier names it. Those beyond the seal were verified
    // at start.
    if (claimed.ParseFromString(signed_checkpoint.checkpoint()) &&
        claimed.tree_size() > sealed_->size) {
      break;
    }
    verify.checkpoints.push_back(std::move(signed_checkpoint));
  }
  verify.stored_nodes = reader.StoredNodes();
  AuditVerifyReport report =
      VerifyAuditLog(verify, Below(reader.Entries(), sealed_->size, &stop_verifying_));
  // A verdict reached as the node stops still counts; only a scan cut short is no verdict.
  if (!report.ok && !report.unreadable) return absl::DataLossError(report.problem);
  if (stop_verifying_.load()) return absl::CancelledError("the node is stopping");
  if (report.unreadable) {
    return absl::UnavailableError(
        absl::StrCat("the sealed entries cannot be read (", report.problem, "): a storage fault"));
  }
  if (!report.ok) return absl::DataLossError(report.problem);
  return absl::OkStatus();
}

void AuditLog::RecordBackgroundOutcome(const absl::Status& outcome, absl::Duration took,
                                       const std::function<void(const absl::Status&)>& on_end) {
  // The pass ends (for AwaitBackgroundVerification) once its outcome is recorded and told.
  absl::Cleanup ended = [this] {
    absl::MutexLock lock(&verify_mu_);
    verifying_ = false;
    verified_.SignalAll();
  };
  if (absl::IsCancelled(outcome)) {
    absl::MutexLock lock(&verify_mu_);
    pass_cut_short_ = true;
    return;
  }
  const uint64_t sealed = sealed_->size;
  v1::AuditEntry entry;
  entry.mutable_actor()->set_node(true);
  entry.mutable_actor()->set_agency_id(options_.origin);
  entry.set_action(v1::AUDIT_ACTION_LOG_VERIFY);
  if (outcome.ok()) {
    entry.set_outcome(v1::AUDIT_OUTCOME_OK);
    entry.set_detail(absl::StrCat("entries 0 to ", sealed - 1,
                                  " (sealed before this start) verified in the background in ",
                                  absl::FormatDuration(took)));
    absl::Status recorded = Append(std::move(entry));
    {
      absl::MutexLock lock(&verify_mu_);
      // Only a recorded success lets the next seal cover them: if the write failed, nothing
      // more is written anyway.
      all_verified_ = recorded.ok();
    }
    if (on_end) on_end(absl::OkStatus());
    return;
  }
  const absl::Status failure = absl::Status(
      outcome.code(),
      absl::IsUnavailable(outcome)
          ? absl::StrCat("the audit log's ", sealed,
                         " sealed entries could not be read by the background verification: ",
                         outcome.message(),
                         ". The node writes nothing more to its audit log (so answers no audited "
                         "call): check the disk and the data directory, then restart it")
          : absl::StrCat("the audit log failed its background verification of the ", sealed,
                         " entries sealed before this start: ", outcome.message(),
                         ". The node writes nothing more to its audit log (so answers no audited "
                         "call): stop it; its next start verifies the whole log and refuses it "
                         "(or use --accept-unverified-audit-log)"));
  {
    absl::MutexLock lock(&verify_mu_);
    verify_outcome_ = failure;  // first: no checkpoint or seal is signed from here on
  }
  entry.set_outcome(v1::AUDIT_OUTCOME_REFUSED);
  entry.set_code(static_cast<int32_t>(outcome.code()));
  entry.set_error(std::string(outcome.message()));
  // The alarm and the end of the seal in one batch: the next start cannot skip these entries.
  absl::Status alarmed = queue_->Commit([&](storage::Batch& batch) {
    Stage(entry, batch);
    batch.Delete(storage::kAuditHead, audit_format::kSealKey);
  });
  if (!alarmed.ok()) {  // an earlier write failed: the seal must go all the same
    (void)storage_->Delete(storage::kAuditHead, audit_format::kSealKey, /*sync=*/true);
  }
  queue_->Fail(failure);
  if (on_end) on_end(failure);
}

absl::Status AuditLog::AwaitBackgroundVerification() {
  absl::MutexLock lock(&verify_mu_);
  while (verifying_) verified_.Wait(&verify_mu_);
  if (!verify_outcome_.ok()) return verify_outcome_;
  if (sealed_.has_value() && !all_verified_) return absl::CancelledError("stopped or not started");
  return absl::OkStatus();
}

bool AuditLog::StopBackgroundVerification() {
  stop_verifying_ = true;
  std::thread verifier;
  {
    absl::MutexLock lock(&verify_mu_);
    verifier = std::move(verifier_);
  }
  if (verifier.joinable()) verifier.join();
  absl::MutexLock lock(&verify_mu_);
  return pass_cut_short_;
}

}  // namespace nexus
