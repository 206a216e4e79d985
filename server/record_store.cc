#include "server/record_store.h"

#include "absl/strings/str_cat.h"
#include "common/indicator_normalizer.h"
#include "common/record_seal.h"
#include "rocksdb/db.h"
#include "rocksdb/options.h"
#include "rocksdb/slice.h"
#include "rocksdb/write_batch.h"
#include "server/log.h"
#include "server/store_keys.h"

namespace nexus {
namespace {

using store_keys::FeedKey;
using store_keys::IndicatorKey;
using store_keys::IndicatorPrefix;
using store_keys::kIdBytes;
using store_keys::ReadBigEndian64;
using store_keys::RecordKey;

absl::Status FromRocks(const rocksdb::Status& s, absl::string_view what) {
  if (s.ok()) return absl::OkStatus();
  if (s.IsNotFound()) return absl::NotFoundError(absl::StrCat(what, ": not found"));
  return absl::InternalError(absl::StrCat(what, ": ", s.ToString()));
}

absl::string_view View(const rocksdb::Slice& slice) { return {slice.data(), slice.size()}; }

}  // namespace

RecordStore::RecordStore(Storage* storage, CommitQueue* queue, AuditLog* audit)
    : storage_(storage), queue_(queue), audit_(audit), last_cursor_(0) {
  // The feed's last key is the last cursor handed out.
  std::unique_ptr<rocksdb::Iterator> it(
      storage_->db()->NewIterator(rocksdb::ReadOptions(), storage_->family(Storage::kFeed)));
  it->SeekToLast();
  if (it->Valid()) last_cursor_ = ReadBigEndian64(View(it->key()));
  queue_->AddParticipant(this);
}

void RecordStore::BeginBatch() {
  absl::MutexLock stage_lock(&stage_mu_);
  staged_cursor_ = last_cursor();
  staged_versions_.clear();
}

void RecordStore::EndBatch(bool durable) {
  if (!durable) return;
  absl::MutexLock stage_lock(&stage_mu_);
  absl::MutexLock lock(&mu_);
  last_cursor_ = staged_cursor_;
}

void RecordStore::Stage(RecordWrite& write, WriteOutcome& outcome, rocksdb::WriteBatch& batch) {
  v1::AuditEntry& entry = write.audit;
  v1::AuditTarget* target = entry.add_targets();
  target->set_record_id(write.id);
  target->set_version(write.version);
  uint64_t current = 0;
  if (auto it = staged_versions_.find(write.id); it != staged_versions_.end()) {
    current = it->second;
  } else if (!write.minted_id) {
    absl::StatusOr<uint64_t> stored = LatestVersion(write.id);
    if (stored.ok()) {
      current = *stored;
    } else if (!absl::IsNotFound(stored.status())) {
      outcome.status = stored.status();
    }
  }
  if (outcome.status.ok() && write.version != current + 1) {
    outcome.status = absl::FailedPreconditionError(
        absl::StrCat("record ", write.id, " version ", write.version,
                     " is not the next version: the latest stored is ", current));
  }
  if (!outcome.status.ok()) {
    entry.set_outcome(v1::AUDIT_OUTCOME_REFUSED);
    entry.set_code(static_cast<int>(outcome.status.code()));
    entry.set_error(std::string(outcome.status.message()));
    audit_->Stage(entry, batch);
    outcome.audited = true;
    return;
  }
  staged_versions_[write.id] = write.version;
  outcome.cursor = ++staged_cursor_;
  target->set_manifest_sha256(DigestBytes(Sha256(write.record.manifest())));
  target->set_feed_position(outcome.cursor);
  std::string record_key = RecordKey(write.id, write.version);
  batch.Put(storage_->family(Storage::kRecords), record_key, write.record.SerializeAsString());
  batch.Put(storage_->family(Storage::kFeed), FeedKey(outcome.cursor), record_key);
  for (const auto& [type, normalized] : write.indicators) {
    batch.Put(storage_->family(Storage::kIndicators),
              IndicatorKey(type, normalized, write.id, write.version), "");
  }
  entry.set_outcome(v1::AUDIT_OUTCOME_OK);
  entry.set_detail(
      absl::StrCat(entry.detail(), entry.detail().empty() ? "" : "; ", "cursor ", outcome.cursor));
  audit_->Stage(entry, batch);
  outcome.audited = true;
}

std::vector<WriteOutcome> RecordStore::Write(std::vector<RecordWrite> writes) {
  std::vector<WriteOutcome> outcomes(writes.size());
  absl::Status status = queue_->Commit([&](rocksdb::WriteBatch& batch) {
    absl::MutexLock stage_lock(&stage_mu_);
    for (size_t i = 0; i < writes.size(); ++i) Stage(writes[i], outcomes[i], batch);
  });
  if (!status.ok()) {
    for (WriteOutcome& outcome : outcomes) {
      outcome.status = status;
      outcome.cursor = 0;
      outcome.audited = false;
    }
  }
  return outcomes;
}

uint64_t RecordStore::last_cursor() const {
  absl::MutexLock lock(&mu_);
  return last_cursor_;
}

absl::StatusOr<uint64_t> RecordStore::LatestVersion(absl::string_view id) const {
  if (id.size() != kIdBytes) return absl::NotFoundError(absl::StrCat("record ", id, " not found"));
  std::unique_ptr<rocksdb::Iterator> it(
      storage_->db()->NewIterator(rocksdb::ReadOptions(), storage_->family(Storage::kRecords)));
  std::string last = RecordKey(id, UINT64_MAX);
  it->SeekForPrev(last);
  if (!it->Valid() || !it->key().starts_with(rocksdb::Slice(id.data(), id.size()))) {
    if (!it->status().ok()) return FromRocks(it->status(), "record store read");
    return absl::NotFoundError(absl::StrCat("record ", id, " not found"));
  }
  return ReadBigEndian64(View(it->key()).substr(kIdBytes));
}

absl::StatusOr<v1::SignedRecord> RecordStore::Get(absl::string_view id, uint64_t version) const {
  if (version == 0) {
    absl::StatusOr<uint64_t> latest = LatestVersion(id);
    if (!latest.ok()) return latest.status();
    version = *latest;
  }
  std::string value;
  rocksdb::Status s = storage_->db()->Get(
      rocksdb::ReadOptions(), storage_->family(Storage::kRecords), RecordKey(id, version), &value);
  if (s.IsNotFound()) {
    return absl::NotFoundError(absl::StrCat("record ", id, " version ", version, " not found"));
  }
  if (!s.ok()) return FromRocks(s, "record store read");
  v1::SignedRecord record;
  if (!record.ParseFromString(value)) {
    return absl::DataLossError(
        absl::StrCat("stored record ", id, " version ", version, " is corrupt"));
  }
  return record;
}

absl::Status RecordStore::ScanFeed(uint64_t since, const FeedVisitor& visit,
                                   std::vector<uint64_t>* skipped) const {
  if (since == UINT64_MAX) return absl::OkStatus();  // nothing comes after the last cursor
  rocksdb::DB* db = storage_->db();
  // A snapshot keeps the scan consistent while writers go on appending.
  rocksdb::ReadOptions options;
  const rocksdb::Snapshot* snapshot = db->GetSnapshot();
  options.snapshot = snapshot;
  std::unique_ptr<rocksdb::Iterator> it(db->NewIterator(options, storage_->family(Storage::kFeed)));
  for (it->Seek(FeedKey(since + 1)); it->Valid(); it->Next()) {
    uint64_t cursor = ReadBigEndian64(View(it->key()));
    absl::string_view record_key = View(it->value());
    std::string value;
    v1::SignedRecord record;
    std::string damage;
    if (it->key().size() != 8 || record_key.size() != kIdBytes + 8) {
      damage = "its key or value is not a feed entry";
    } else if (rocksdb::Status s =
                   db->Get(options, storage_->family(Storage::kRecords), it->value(), &value);
               !s.ok()) {
      damage = s.IsNotFound() ? "the record it names is not stored" : s.ToString();
    } else if (!record.ParseFromString(value)) {
      damage = "the record it names cannot be parsed";
    } else if (absl::StatusOr<v1::RecordHeader> header = PeekHeader(record);
               !header.ok() || header->id() != record_key.substr(0, kIdBytes) ||
               header->version() != ReadBigEndian64(record_key.substr(kIdBytes))) {
      damage = "the record stored under its key is another record or version";
    }
    if (!damage.empty()) {
      LogError(absl::StrCat("store damaged: feed entry ", cursor, " skipped: ", damage));
      if (skipped != nullptr) skipped->push_back(cursor);
      continue;
    }
    if (!visit(cursor, record)) break;
  }
  absl::Status status = FromRocks(it->status(), "feed scan");
  it.reset();
  db->ReleaseSnapshot(snapshot);
  return status;
}

absl::Status RecordStore::FindIndicator(v1::IndicatorType type, absl::string_view normalized,
                                        const IndexVisitor& visit) const {
  std::string prefix = IndicatorPrefix(type, normalized);
  std::unique_ptr<rocksdb::Iterator> it(
      storage_->db()->NewIterator(rocksdb::ReadOptions(), storage_->family(Storage::kIndicators)));
  for (it->Seek(prefix); it->Valid() && it->key().starts_with(prefix); it->Next()) {
    absl::string_view rest = View(it->key()).substr(prefix.size());
    if (rest.size() != kIdBytes + 8) continue;
    if (!visit(rest.substr(0, kIdBytes), ReadBigEndian64(rest.substr(kIdBytes)))) break;
  }
  return FromRocks(it->status(), "indicator index scan");
}

bool RecordStore::CarriesIndicator(const v1::SignedRecord& record, v1::IndicatorType type,
                                   absl::string_view normalized) {
  absl::StatusOr<OpenedRecord> opened = DecodeStoredRecord(record);
  if (!opened.ok()) return false;
  for (const v1::Indicator& indicator : opened->record.indicators()) {
    if (indicator.type() != type) continue;
    if (indicator.normalized() == normalized) return true;
    if (!indicator.normalized().empty()) continue;
    absl::StatusOr<std::string> renormalized = NormalizeIndicator(type, indicator.value());
    if (renormalized.ok() && *renormalized == normalized) return true;
  }
  return false;
}

}  // namespace nexus
