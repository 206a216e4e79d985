// What a record store does with versions received from peers: stored with their provenance,
// merged with disclosures held before, or kept as evidence of an equivocation.
#include <map>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "common/crypto.h"
#include "common/record_seal.h"
#include "common/storage/store_keys.h"
#include "server/record_store.h"

namespace nexus {

namespace {

// A provenance entry's value: the notes the peer sent with the version (empty: none).
std::string ProvenanceValue(const std::vector<v1::WithheldNote>& notes) {
  if (notes.empty()) return "";
  v1::WithheldNotes kept;
  for (const v1::WithheldNote& note : notes) *kept.add_notes() = note;
  return kept.SerializeAsString();
}

using store_keys::RecordKey;

// `held` with every disclosure of `more` it lacks, in manifest order. Both carry the same signed
// manifest and were verified, so the result verifies too. Returns how many were added.
int AddDisclosures(v1::SignedRecord& held, const v1::SignedRecord& more) {
  std::map<uint32_t, v1::Disclosure> parts;
  for (const v1::Disclosure& disclosure : held.disclosures()) parts[disclosure.part()] = disclosure;
  int added = 0;
  for (const v1::Disclosure& disclosure : more.disclosures()) {
    if (parts.emplace(disclosure.part(), disclosure).second) ++added;
  }
  if (added == 0) return 0;
  held.clear_disclosures();
  for (auto& [part, disclosure] : parts) *held.add_disclosures() = std::move(disclosure);
  return added;
}

}  // namespace

ReceiveOutcome RecordStore::StageReceived(const std::string& peer, ReceivedVersion& version,
                                          v1::AuditEntry& equivocation, storage::Batch& batch) {
  const std::string record_key = RecordKey(version.id, version.version);
  std::optional<v1::SignedRecord> held = Held(record_key);
  if (!held.has_value()) {
    // An id is its origin's: a record of another origin under a held id is refused, whatever
    // its version, so that nobody can slip versions into another agency's record.
    std::optional<v1::SignedRecord> any;
    if (staged_versions_.count(version.id) == 0) {
      // A new id (the common case) costs one index seek, no record read.
      if (absl::StatusOr<uint64_t> latest = LatestVersion(version.id); latest.ok()) {
        any = Held(RecordKey(version.id, *latest));
      }
    } else {
      any = Held(RecordKey(version.id, staged_versions_[version.id]));
    }
    if (any.has_value()) {
      absl::StatusOr<v1::RecordHeader> header = PeekHeader(*any);
      if (!header.ok() || header->origin_agency() != version.origin) {
        equivocation.set_error(absl::StrCat("record ", version.id, " is held here for agency '",
                                            header.ok() ? header->origin_agency() : "?", "', not '",
                                            version.origin, "'"));
        return ReceiveOutcome::kRefused;
      }
    }
    StageVersion(version.id, version.version, version.record.SerializeAsString(),
                 version.indicators, batch);
    batch.Put(storage::kProvenance, absl::StrCat(record_key, peer), ProvenanceValue(version.notes));
    return ReceiveOutcome::kStored;
  }
  batch.Put(storage::kProvenance, absl::StrCat(record_key, peer), ProvenanceValue(version.notes));
  if (held->manifest() == version.record.manifest()) {
    if (AddDisclosures(*held, version.record) == 0) return ReceiveOutcome::kUnchanged;
    std::string bytes = held->SerializeAsString();
    batch.Put(storage::kRecords, record_key, bytes);
    // The parts disclosed now become findable, by their structured forms' parts too.
    StageIndicators(version.id, version.version, version.indicators, batch);
    staged_records_[record_key] = std::move(bytes);
    return ReceiveOutcome::kDisclosuresAdded;
  }
  // Two manifests the origin signed for one (id, version): keep the second as evidence.
  std::string digest = DigestBytes(Sha256(version.record.manifest()));
  batch.Put(storage::kEquivocations, absl::StrCat(record_key, digest),
            version.record.SerializeAsString());
  equivocation.set_error(absl::StrCat(
      "equivocation by agency '", version.origin, "': record ", version.id, " version ",
      version.version, " is held with manifest sha256 ",
      HexEncode(DigestBytes(Sha256(held->manifest()))), "; peer '", peer,
      "' sent another signed manifest, sha256 ", HexEncode(digest), ", kept as evidence"));
  return ReceiveOutcome::kEquivocation;
}

absl::StatusOr<RecordStore::ReceiveResult> RecordStore::Receive(ReceivedBatch batch) {
  ReceiveResult result;
  result.outcomes.resize(batch.versions.size());
  absl::Status status = queue_->Commit([&](storage::Batch& wb) {
    absl::MutexLock stage_lock(&stage_mu_);
    result.state = batch.state;
    v1::PeerCursor& state = result.state;
    v1::AuditEntry stored = batch.audit;
    v1::AuditEntry unchanged = batch.audit;
    std::vector<v1::AuditEntry> flagged;
    uint64_t added = 0;
    for (size_t i = 0; i < batch.versions.size(); ++i) {
      ReceivedVersion& version = batch.versions[i];
      v1::AuditEntry problem = batch.audit;
      ReceiveOutcome outcome = StageReceived(batch.peer, version, problem, wb);
      result.outcomes[i] = outcome;
      v1::AuditTarget target;
      target.set_record_id(version.id);
      target.set_version(version.version);
      target.set_tlp(version.tlp);
      switch (outcome) {
        case ReceiveOutcome::kStored:
          state.set_received(state.received() + 1);
          target.set_manifest_sha256(DigestBytes(Sha256(version.record.manifest())));
          target.set_feed_position(staged_cursor_);
          *stored.add_targets() = std::move(target);
          break;
        case ReceiveOutcome::kUnchanged:
        case ReceiveOutcome::kDisclosuresAdded:
          if (outcome == ReceiveOutcome::kDisclosuresAdded) ++added;
          state.set_unchanged(state.unchanged() + 1);
          *unchanged.add_targets() = std::move(target);
          break;
        case ReceiveOutcome::kEquivocation:
        case ReceiveOutcome::kRefused:
          if (outcome == ReceiveOutcome::kEquivocation) {
            state.set_equivocations(state.equivocations() + 1);
            problem.set_code(static_cast<int>(absl::StatusCode::kAlreadyExists));
          } else {
            state.set_refused(state.refused() + 1);
            problem.set_code(static_cast<int>(absl::StatusCode::kPermissionDenied));
          }
          problem.set_outcome(v1::AUDIT_OUTCOME_REFUSED);
          *problem.add_targets() = std::move(target);
          flagged.push_back(std::move(problem));
          break;
      }
    }
    state.set_disclosures_added(state.disclosures_added() + added);
    state.set_refused(state.refused() + batch.refusals.size());
    if (stored.targets_size() > 0) {
      stored.set_outcome(v1::AUDIT_OUTCOME_OK);
      stored.set_count(stored.targets_size());
      audit_->Stage(stored, wb);
    }
    if (unchanged.targets_size() > 0) {
      unchanged.set_outcome(v1::AUDIT_OUTCOME_UNCHANGED);
      unchanged.set_count(unchanged.targets_size());
      if (added > 0) {
        unchanged.set_detail(absl::StrCat(unchanged.detail(), "; ", added,
                                          " held versions completed with parts disclosed now"));
      }
      audit_->Stage(unchanged, wb);
    }
    for (v1::AuditEntry& entry : flagged) audit_->Stage(entry, wb);
    for (v1::AuditEntry& entry : batch.refusals) audit_->Stage(entry, wb);
    wb.Put(storage::kPeerState, batch.peer, state.SerializeAsString());
  });
  if (!status.ok()) return status;
  return result;
}

bool RecordStore::ReceivedFrom(absl::string_view id, uint64_t version,
                               absl::string_view peer) const {
  return storage_->Contains(storage::kProvenance, absl::StrCat(RecordKey(id, version), peer)).ok();
}

std::vector<v1::WithheldNote> RecordStore::UpstreamNotes(absl::string_view id,
                                                         uint64_t version) const {
  std::string prefix = RecordKey(id, version);
  std::unique_ptr<storage::Cursor> it = storage_->NewCursor(storage::kProvenance);
  it->Seek(prefix);
  v1::WithheldNotes notes;
  if (!it->Valid() || !absl::StartsWith(it->key(), prefix) ||
      !notes.ParseFromArray(it->value().data(), static_cast<int>(it->value().size()))) {
    return {};
  }
  return {notes.notes().begin(), notes.notes().end()};
}

std::string RecordStore::ReceivedVia(absl::string_view id, uint64_t version) const {
  std::string prefix = RecordKey(id, version);
  std::unique_ptr<storage::Cursor> it = storage_->NewCursor(storage::kProvenance);
  it->Seek(prefix);
  if (!it->Valid() || !absl::StartsWith(it->key(), prefix)) return "";
  return std::string(it->key().substr(prefix.size()));
}

std::vector<v1::SignedRecord> RecordStore::Equivocations(absl::string_view id,
                                                         uint64_t version) const {
  std::vector<v1::SignedRecord> found;
  std::string prefix = RecordKey(id, version);
  std::unique_ptr<storage::Cursor> it = storage_->NewCursor(storage::kEquivocations);
  for (it->Seek(prefix); it->Valid() && absl::StartsWith(it->key(), prefix) && found.size() < 16;
       it->Next()) {
    if (!found.emplace_back().ParseFromArray(it->value().data(),
                                             static_cast<int>(it->value().size()))) {
      found.pop_back();
    }
  }
  return found;
}

}  // namespace nexus
