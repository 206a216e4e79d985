#include "server/replication_intake.h"

#include <algorithm>
#include <thread>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/indicator_normalizer.h"
#include "common/record_seal.h"
#include "common/untrusted_text.h"
#include "policy/decision.h"
#include "policy/originator_limits.h"
#include "policy/record_facts.h"
#include "server/log.h"
#include "server/on_cores.h"
#include "server/request_checks.h"
#include "server/withheld_notes.h"

namespace nexus {

ReplicationIntake::ReplicationIntake(const v1::NodeConfig& config, const Keyring* keys,
                                     RecordStore* store)
    : agency_id_(config.agency_id()),
      max_record_bytes_(config.limits().max_record_bytes() == 0
                            ? 256 * 1024
                            : config.limits().max_record_bytes()),
      federation_(config.agencies()),
      keys_(keys),
      store_(store) {}

absl::StatusOr<ReceivedVersion> ReplicationIntake::Check(
    const std::string& peer, const v1::ReplicatedVersion& replicated) const {
  const v1::SignedRecord& record = replicated.record();
  // The origin's content limit, with room for the signature, salts and digests around it.
  if (size_t bytes = record.ByteSizeLong(); bytes > 2 * max_record_bytes_ + 64 * 1024) {
    return absl::InvalidArgumentError(absl::StrCat("the signed record is ", bytes,
                                                   " bytes; this node holds at most ",
                                                   2 * max_record_bytes_ + 64 * 1024));
  }
  absl::StatusOr<OpenedRecord> opened = OpenRecord(record, *keys_);
  if (!opened.ok()) {
    return absl::Status(opened.status().code(),
                        absl::StrCat("does not verify: ", opened.status().message()));
  }
  const v1::RecordHeader& header = opened->header;
  if (absl::Status s = CheckRecordId(header.id(), "record id"); !s.ok()) return s;
  if (header.version() == 0) return absl::InvalidArgumentError("version 0 is no version");
  if (header.origin_agency() == agency_id_) {
    return absl::PermissionDeniedError(
        absl::StrCat("record ", header.id(), " is of this node's own agency '", agency_id_,
                     "': its versions come only from its own publishing, never from a peer"));
  }
  // The originator's limits must allow this node to hold it from this peer: a peer passing on
  // what it may not (RED, AMBER+STRICT, no further dissemination, outside the distribution) is
  // refused here, whatever its policy said.
  policy::RecordFacts facts = policy::RecordFacts::From(opened->record, federation_);
  if (uint32_t limits = policy::OriginatorLimits(facts, federation_.AgencyIndex(agency_id_),
                                                 federation_.AgencyIndex(peer), federation_);
      limits != 0) {
    return absl::PermissionDeniedError(absl::StrCat(
        "record ", header.id(), " version ", header.version(), " of agency '",
        header.origin_agency(), "': its originator's limits forbid this node holding ", "it from '",
        peer, "' (", absl::StrJoin(policy::LimitNames(limits), ", "), ")"));
  }
  ReceivedVersion version;
  version.id = header.id();
  version.version = header.version();
  version.origin = header.origin_agency();
  version.tlp = header.tlp();
  // The index takes the form this node computes: a normalized form signed by the origin that
  // does not match its value would plant a search key the record does not carry.
  for (int i = 0; i < opened->record.indicators_size(); ++i) {
    const v1::Indicator& indicator = opened->record.indicators(i);
    absl::StatusOr<std::string> normalized =
        NormalizeIndicator(indicator.type(), indicator.value());
    if (!normalized.ok() || *normalized != indicator.normalized()) {
      return absl::InvalidArgumentError(
          absl::StrCat("record ", header.id(), " indicator[", i, "]: its signed normalized form ",
                       QuoteInput(indicator.normalized()), " is not that of its value ",
                       QuoteInput(indicator.value())));
    }
    version.indicators.emplace_back(indicator.type(), *normalized);
  }
  version.record = record;
  version.notes = CredibleNotes(record, replicated.withheld());
  return version;
}

absl::Status ReplicationIntake::CheckHeld(const std::string& peer,
                                          const v1::SignedRecord& record) const {
  // A record of this node's own agency comes back in a peer's link alert (its side of a link
  // the peer found): it must be what this agency signed, and nothing more is asked.
  if (absl::StatusOr<v1::RecordHeader> claimed = PeekHeader(record);
      claimed.ok() && claimed->origin_agency() == agency_id_) {
    absl::StatusOr<OpenedRecord> opened = OpenRecord(record, *keys_);
    if (!opened.ok()) {
      return absl::Status(opened.status().code(),
                          absl::StrCat("does not verify: ", opened.status().message()));
    }
    return absl::OkStatus();
  }
  v1::ReplicatedVersion replicated;
  *replicated.mutable_record() = record;
  return Check(peer, replicated).status();
}

absl::StatusOr<ReceivedBatch> ReplicationIntake::CheckBatch(
    const CallContext& call, const std::string& peer, const v1::ReplicationBatch& batch) const {
  if (batch.versions_size() > kMaxBatchVersions) {
    // Each refused version costs an audit entry: a peer may not make one message cost thousands.
    absl::Status refusal = absl::InvalidArgumentError(
        absl::StrCat("a batch from peer '", peer, "' carries ", batch.versions_size(),
                     " versions; at most ", kMaxBatchVersions, " are taken in one batch"));
    return Refuse(call, refusal);
  }
  ReceivedBatch received;
  received.peer = peer;
  received.audit = call.Entry(v1::AUDIT_ACTION_RECEIVE);
  received.audit.set_detail(absl::StrCat("from peer '", peer, "': ", batch.versions_size(),
                                         " versions up to its cursor ", batch.cursor()));
  // Verifying signatures is most of the work: a batch's versions are checked on every core.
  const int count = batch.versions_size();
  std::vector<absl::StatusOr<ReceivedVersion>> checked(count, absl::UnknownError("unchecked"));
  ForEachOnCores(count, /*min_per_thread=*/4,
                 [&](size_t i) { checked[i] = Check(peer, batch.versions(static_cast<int>(i))); });
  for (int i = 0; i < count; ++i) {
    const v1::SignedRecord& record = batch.versions(i).record();
    absl::StatusOr<ReceivedVersion>& version = checked[i];
    if (version.ok()) {
      received.versions.push_back(*std::move(version));
      continue;
    }
    v1::AuditEntry& refusal = received.refusals.emplace_back(received.audit);
    refusal.set_outcome(v1::AUDIT_OUTCOME_REFUSED);
    refusal.set_code(static_cast<int>(version.status().code()));
    refusal.set_error(absl::StrCat("version ", i, " of the batch from peer '", peer,
                                   "' refused: ", version.status().message()));
    // The header as claimed (unverified), so that the auditor can see which record it named.
    if (absl::StatusOr<v1::RecordHeader> claimed = PeekHeader(record); claimed.ok()) {
      v1::AuditTarget* target = refusal.add_targets();
      target->set_record_id(TruncateText(claimed->id(), 64));
      target->set_version(claimed->version());
    }
    LogWarning(refusal.error());
  }
  return received;
}

absl::StatusOr<RecordStore::ReceiveResult> ReplicationIntake::Store(ReceivedBatch checked,
                                                                    v1::PeerCursor state) {
  checked.state = std::move(state);
  return store_->Receive(std::move(checked));
}

absl::StatusOr<RecordStore::ReceiveResult> ReplicationIntake::Receive(
    const CallContext& call, const std::string& peer, const v1::ReplicationBatch& batch,
    const v1::PeerCursor& state) {
  absl::StatusOr<ReceivedBatch> checked = CheckBatch(call, peer, batch);
  if (!checked.ok()) return checked.status();
  v1::PeerCursor next = state;
  if (batch.versions_size() > 0) next.set_cursor(batch.cursor());
  return Store(*std::move(checked), std::move(next));
}

absl::Status ReplicationIntake::Refuse(const CallContext& call, const absl::Status& refusal,
                                       const std::string& detail) const {
  v1::AuditEntry entry = call.Entry(v1::AUDIT_ACTION_RECEIVE);
  entry.set_detail(detail);
  SetOutcome(entry, refusal);
  LogWarning(absl::StrCat("refused from peer '", call.agency(), "' (", call.actor.peer(),
                          ", request ", call.request_id, "): ", refusal.message()));
  if (absl::Status s = store_->audit()->Append(std::move(entry)); !s.ok()) return s;
  return refusal;
}

absl::StatusOr<std::unique_ptr<IntakeSession>> IntakeSession::Open(ReplicationIntake* intake,
                                                                   RecordStore* store,
                                                                   PeerRegistry* registry,
                                                                   const CallContext& call,
                                                                   StoredFn stored) {
  absl::StatusOr<v1::PeerCursor> state = store->PeerState(call.agency());
  if (!state.ok()) return state.status();
  if (!registry->BeginReceiving(call.agency())) {
    return absl::FailedPreconditionError(
        absl::StrCat("a replication stream from '", call.agency(),
                     "' is already open; its cursor has one writer"));
  }
  return std::unique_ptr<IntakeSession>(
      new IntakeSession(intake, registry, call, *std::move(state), std::move(stored)));
}

IntakeSession::IntakeSession(ReplicationIntake* intake, PeerRegistry* registry, CallContext call,
                             v1::PeerCursor state, StoredFn stored)
    : intake_(intake),
      registry_(registry),
      call_(std::move(call)),
      stored_(std::move(stored)),
      state_(std::move(state)),
      pipeline_([this](Checked checked) { return Store(std::move(checked)); }) {}

IntakeSession::~IntakeSession() {
  pipeline_.Close();
  absl::Status how;
  {
    absl::MutexLock lock(&mu_);
    how = how_.ok() ? failed_ : how_;
  }
  registry_->EndReceiving(call_.agency(), how);
}

uint64_t IntakeSession::cursor() const {
  absl::MutexLock lock(&mu_);
  return state_.cursor();
}

absl::Status IntakeSession::TakeBytes(absl::string_view bytes, v1::ReplicationBatch& batch) {
  ++messages_;
  if (!batch.ParseFromArray(bytes.data(), static_cast<int>(bytes.size()))) {
    // The refusal is audited after what came before it is stored, so the log keeps the order.
    (void)Drain();
    // A stranger's bytes: the first few, escaped, help the peer's operator find the fault.
    return intake_->Refuse(
        call_,
        absl::InvalidArgumentError(absl::StrCat(
            "message ", messages_, " of the replication stream from peer '", call_.agency(), "' (",
            bytes.size(), " bytes) does not decode as a nexus.v1.ReplicationBatch; the ",
            "stream is ended and resumes from the durable cursor")),
        absl::StrCat("first bytes: ", QuoteInput(bytes.substr(0, 32))));
  }
  return Take(batch);
}

absl::Status IntakeSession::RefuseStream(const absl::Status& how) {
  (void)Drain();  // audited after what came before it, as in TakeBytes
  (void)intake_->Refuse(call_, how,
                        absl::StrCat("the replication stream from peer '", call_.agency(),
                                     "' ended after ", messages_, " messages"));
  return how;
}

absl::Status IntakeSession::Take(const v1::ReplicationBatch& batch) {
  Checked checked;
  checked.cursor = batch.cursor();
  checked.caught_up = batch.caught_up();
  if (batch.versions_size() > 0) {
    // A batch refused whole is audited by CheckBatch: after what came before it is stored.
    if (batch.versions_size() > ReplicationIntake::kMaxBatchVersions) (void)Drain();
    absl::StatusOr<ReceivedBatch> received = intake_->CheckBatch(call_, call_.agency(), batch);
    if (!received.ok()) return received.status();
    checked.batch = *std::move(received);
  }
  if (!pipeline_.Put(std::move(checked))) return Failure();
  return absl::OkStatus();
}

bool IntakeSession::Store(Checked checked) {
  if (checked.batch.has_value()) {
    v1::PeerCursor state;
    {
      absl::MutexLock lock(&mu_);
      state = state_;
    }
    state.set_cursor(checked.cursor);
    absl::StatusOr<RecordStore::ReceiveResult> result =
        intake_->Store(*std::move(checked.batch), std::move(state));
    {
      absl::MutexLock lock(&mu_);
      if (!result.ok()) {
        failed_ = result.status();
        return false;
      }
      state_ = result->state;
    }
    if (stored_) stored_(result->state.cursor());
  }
  // Caught up only once what came before is durable: a reader of the registry may rely on it.
  registry_->Received(call_.agency(), checked.caught_up);
  return true;
}

absl::Status IntakeSession::Failure() const {
  absl::MutexLock lock(&mu_);
  return failed_;
}

absl::Status IntakeSession::Drain() {
  if (pipeline_.Drain()) return absl::OkStatus();
  return Failure();
}

absl::Status IntakeSession::Finish(const absl::Status& how) {
  absl::Status stored = Drain();
  absl::MutexLock lock(&mu_);
  how_ = how.ok() ? stored : how;
  return how_;
}

}  // namespace nexus
