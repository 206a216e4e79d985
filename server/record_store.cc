#include "server/record_store.h"

#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "common/indicator_normalizer.h"
#include "common/record_seal.h"
#include "common/storage/coding.h"
#include "common/storage/store_keys.h"
#include "common/untrusted_text.h"
#include "server/log.h"

namespace nexus {
namespace {

using store_keys::FeedKey;
using store_keys::IndicatorKey;
using store_keys::IndicatorPrefix;
using store_keys::kIdBytes;
using store_keys::ReadIdVersion;
using store_keys::RecordKey;

// A read that failed, as the record store reports it: NotFound stays NotFound, anything else is
// Internal with the store's words.
absl::Status ReadFailure(const absl::Status& s, absl::string_view what) {
  if (s.ok()) return absl::OkStatus();
  if (absl::IsNotFound(s)) return absl::NotFoundError(absl::StrCat(what, ": not found"));
  return absl::InternalError(absl::StrCat(what, ": ", s.message()));
}

}  // namespace

RecordStore::RecordStore(storage::Store* storage, CommitQueue* queue, AuditLog* audit)
    : storage_(storage), queue_(queue), audit_(audit), last_cursor_(0) {
  // The feed's last key is the last cursor handed out.
  std::unique_ptr<storage::Cursor> it = storage_->NewCursor(storage::kFeed);
  // A damaged key (not 8 bytes) is passed over: pulls report it, verification names it.
  std::optional<uint64_t> last;
  for (it->SeekToLast(); it->Valid() && !(last = coding::DecodeFixed64(it->key())); it->Prev()) {
  }
  if (last.has_value()) last_cursor_ = *last;
  FillFeedIndexes();
  if (absl::StatusOr<int64_t> added = AddedAt(last_cursor_); added.ok()) last_added_ = *added;
  queue_->AddParticipant(this);
}

RecordStore::~RecordStore() { queue_->RemoveParticipant(this); }

void RecordStore::FillFeedIndexes() {
  if (last_cursor_ == 0) return;
  absl::StatusOr<int64_t> last_time = AddedAt(last_cursor_);
  if (!last_time.ok() || *last_time != 0) return;  // kept since the store began (or unreadable)
  // A store from before feed times and positions were kept: every version gets them now, in
  // feed order, times rising to this moment (when its TAXII collections begin). Rewritten whole
  // until the last position has its time, so that an open cut short starts again.
  std::unique_ptr<storage::Cursor> it = storage_->NewCursor(storage::kFeed);
  const int64_t base = absl::ToUnixMicros(absl::Now()) - static_cast<int64_t>(last_cursor_);
  std::unique_ptr<storage::Batch> batch = storage_->NewBatch();
  uint64_t filled = 0;
  auto write = [&] {
    absl::Status s = storage_->Write(*batch, /*sync=*/true);
    if (!s.ok()) LogError(absl::StrCat("store: filling in feed times: ", s.message()));
    batch->Clear();
    return s.ok();
  };
  for (it->SeekToFirst(); it->Valid(); it->Next()) {
    const std::optional<uint64_t> cursor = coding::DecodeFixed64(it->key());
    if (!cursor.has_value() || *cursor > last_cursor_) continue;  // damage: reported by reads
    batch->Put(storage::kFeedTimes, it->key(),
               coding::EncodeFixed64(static_cast<uint64_t>(base + static_cast<int64_t>(*cursor))));
    batch->Put(storage::kFeedPositions, it->value(), it->key());
    if (++filled % 100000 == 0 && !write()) return;
  }
  if (!write()) return;
  LogInfo(absl::StrCat("store: ", filled,
                       " versions stored before feed times were kept now have them (TAXII's "
                       "date_added: this start)"));
}

void RecordStore::BeginBatch() {
  absl::MutexLock stage_lock(&stage_mu_);
  {
    absl::MutexLock lock(&mu_);
    staged_cursor_ = last_cursor_;
    staged_added_ = last_added_;
  }
  staged_versions_.clear();
  staged_records_.clear();
}

void RecordStore::EndBatch(bool durable) {
  if (!durable) return;
  absl::MutexLock stage_lock(&stage_mu_);
  absl::MutexLock lock(&mu_);
  last_cursor_ = staged_cursor_;
  last_added_ = staged_added_;
}

void RecordStore::Stage(RecordWrite& write, WriteOutcome& outcome, storage::Batch& batch) {
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
  if (outcome.status.ok() && current > 0) {
    std::optional<v1::SignedRecord> held = Held(RecordKey(write.id, current));
    absl::StatusOr<v1::RecordHeader> header =
        held.has_value() ? PeekHeader(*held)
                         : absl::StatusOr<v1::RecordHeader>(absl::NotFoundError(""));
    if (header.ok() && header->origin_agency() != write.origin) {
      outcome.status = absl::PermissionDeniedError(
          absl::StrCat("record ", write.id, " belongs to agency '", header->origin_agency(),
                       "'; only its origin may update it"));
    }
  }
  // The publisher prepared the next version from what it read: another writer committed first.
  // ABORTED, the code for a concurrency conflict, so that a client knows to try again.
  if (outcome.status.ok() && write.version != current + 1) {
    outcome.status = absl::AbortedError(
        absl::StrCat("record ", write.id, " version ", write.version,
                     " is not the next version: the latest stored is ", current));
  }
  // A lost race is not audited here: the writer prepares the draft again and audits what
  // becomes of it, so that each draft has one entry.
  if (absl::IsAborted(outcome.status)) return;
  if (!outcome.status.ok()) {
    entry.set_outcome(v1::AUDIT_OUTCOME_REFUSED);
    entry.set_code(static_cast<int>(outcome.status.code()));
    entry.set_error(std::string(outcome.status.message()));
    audit_->Stage(entry, batch);
    outcome.audited = true;
    return;
  }
  outcome.cursor = StageVersion(
      write.id, write.version,
      write.record_bytes.empty() ? write.record.SerializeAsString() : std::move(write.record_bytes),
      write.indicators, batch);
  if (!write.content_digest.empty()) {
    batch.Put(storage::kContent, write.content_digest + write.id, "");
  }
  target->set_manifest_sha256(DigestBytes(Sha256(write.record.manifest())));
  target->set_feed_position(outcome.cursor);
  entry.set_outcome(v1::AUDIT_OUTCOME_OK);
  entry.set_detail(
      absl::StrCat(entry.detail(), entry.detail().empty() ? "" : "; ", "cursor ", outcome.cursor));
  audit_->Stage(entry, batch);
  outcome.audited = true;
}

uint64_t RecordStore::StageVersion(
    const std::string& id, uint64_t version, std::string record_bytes,
    const std::vector<std::pair<v1::IndicatorType, std::string>>& indicators,
    storage::Batch& batch) {
  uint64_t& staged = staged_versions_[id];
  staged = std::max(staged, version);
  const uint64_t cursor = ++staged_cursor_;
  std::string record_key = RecordKey(id, version);
  batch.Put(storage::kRecords, record_key, record_bytes);
  batch.Put(storage::kFeed, FeedKey(cursor), record_key);
  // Strictly rising, even if the clock steps back: each position has its own time.
  staged_added_ = std::max(absl::ToUnixMicros(absl::Now()), staged_added_ + 1);
  batch.Put(storage::kFeedTimes, FeedKey(cursor),
            coding::EncodeFixed64(static_cast<uint64_t>(staged_added_)));
  batch.Put(storage::kFeedPositions, record_key, FeedKey(cursor));
  staged_records_[record_key] = std::move(record_bytes);
  StageIndicators(id, version, indicators, batch);
  return cursor;
}

void RecordStore::StageIndicators(
    absl::string_view id, uint64_t version,
    const std::vector<std::pair<v1::IndicatorType, std::string>>& indicators,
    storage::Batch& batch) {
  for (const auto& [type, normalized] : indicators) {
    batch.Put(storage::kIndicators, IndicatorKey(type, normalized, id, version), "");
    for (const std::string& alias : IndexAliases(type, normalized)) {
      batch.Put(storage::kIndicators, IndicatorKey(type, alias, id, version), "");
    }
  }
}

absl::StatusOr<std::vector<std::string>> RecordStore::RecordsWithContent(
    absl::string_view digest) const {
  std::vector<std::string> ids;
  std::unique_ptr<storage::Cursor> it = storage_->NewCursor(storage::kContent);
  for (it->Seek(digest); it->Valid() && absl::StartsWith(it->key(), digest); it->Next()) {
    ids.emplace_back(it->key().substr(digest.size()));
  }
  if (!it->status().ok()) {
    return absl::UnavailableError(absl::StrCat("content index: ", it->status().message()));
  }
  return ids;
}

std::optional<v1::SignedRecord> RecordStore::Held(const std::string& record_key) const {
  v1::SignedRecord record;
  if (auto it = staged_records_.find(record_key); it != staged_records_.end()) {
    if (!record.ParseFromString(it->second)) return std::nullopt;
    return record;
  }
  absl::StatusOr<std::string> value = storage_->Get(storage::kRecords, record_key);
  if (!value.ok() || !record.ParseFromString(*value)) return std::nullopt;
  return record;
}

absl::StatusOr<v1::PeerCursor> RecordStore::PeerState(absl::string_view peer) const {
  absl::StatusOr<std::string> value = storage_->Get(storage::kPeerState, peer);
  v1::PeerCursor state;
  if (absl::IsNotFound(value.status())) return state;
  if (!value.ok()) return ReadFailure(value.status(), "peer state read");
  if (!state.ParseFromString(*value)) {
    return absl::DataLossError(absl::StrCat("the stored state of peer '", peer, "' is corrupt"));
  }
  return state;
}

uint64_t RecordStore::WaitForFeedAfter(uint64_t cursor, absl::Duration timeout) const {
  absl::MutexLock lock(&mu_);
  // EndBatch moves last_cursor_ under mu_, which wakes this waiter.
  std::pair<const uint64_t*, uint64_t> arg{&last_cursor_, cursor};
  mu_.AwaitWithTimeout(
      absl::Condition(
          +[](std::pair<const uint64_t*, uint64_t>* a) { return *a->first > a->second; }, &arg),
      timeout);
  return last_cursor_;
}

std::vector<WriteOutcome> RecordStore::Write(std::vector<RecordWrite> writes) {
  std::vector<WriteOutcome> outcomes(writes.size());
  absl::Status status = queue_->Commit([&](storage::Batch& batch) {
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
  if (id.size() != kIdBytes) {
    return absl::NotFoundError(absl::StrCat("record ", QuoteInput(id), " not found"));
  }
  // Within the id's prefix only (the records family's prefix extractor, rocksdb_store.h): the
  // prefix filters then skip what cannot hold it.
  storage::CursorOptions within_id;
  within_id.within_prefix = true;
  std::unique_ptr<storage::Cursor> it = storage_->NewCursor(storage::kRecords, within_id);
  std::string last = RecordKey(id, UINT64_MAX);
  it->SeekForPrev(last);
  // Keys of another length under this id are damage, never a version: passed over.
  std::optional<store_keys::IdVersion> latest;
  while (it->Valid() && absl::StartsWith(it->key(), id) && !(latest = ReadIdVersion(it->key()))) {
    it->Prev();
  }
  if (!latest.has_value() || latest->id != id) {
    if (!it->status().ok()) return ReadFailure(it->status(), "record store read");
    return absl::NotFoundError(absl::StrCat("record ", id, " not found"));
  }
  return latest->version;
}

bool RecordStore::Holds(absl::string_view id, uint64_t version) const {
  return !absl::IsNotFound(storage_->Contains(storage::kRecords, RecordKey(id, version)));
}

absl::StatusOr<v1::SignedRecord> RecordStore::Get(absl::string_view id, uint64_t version) const {
  if (version == 0) {
    absl::StatusOr<uint64_t> latest = LatestVersion(id);
    if (!latest.ok()) return latest.status();
    version = *latest;
  }
  absl::StatusOr<std::string> value = storage_->Get(storage::kRecords, RecordKey(id, version));
  if (absl::IsNotFound(value.status())) {
    return absl::NotFoundError(absl::StrCat("record ", id, " version ", version, " not found"));
  }
  if (!value.ok()) return ReadFailure(value.status(), "record store read");
  v1::SignedRecord record;
  if (!record.ParseFromString(*value)) {
    return absl::DataLossError(
        absl::StrCat("stored record ", id, " version ", version, " is corrupt"));
  }
  return record;
}

absl::StatusOr<int64_t> RecordStore::AddedAt(uint64_t position) const {
  if (position == 0) return 0;
  absl::StatusOr<std::string> value = storage_->Get(storage::kFeedTimes, FeedKey(position));
  if (absl::IsNotFound(value.status())) return 0;
  if (!value.ok()) return ReadFailure(value.status(), "feed times");
  std::optional<uint64_t> micros = coding::DecodeFixed64(*value);
  if (!micros.has_value() || *micros > static_cast<uint64_t>(INT64_MAX)) {
    return absl::DataLossError(absl::StrCat("store damaged: the time of feed position ", position,
                                            " is not 8 bytes of microseconds"));
  }
  return static_cast<int64_t>(*micros);
}

absl::StatusOr<uint64_t> RecordStore::PositionOf(absl::string_view id, uint64_t version) const {
  absl::StatusOr<std::string> value =
      storage_->Get(storage::kFeedPositions, RecordKey(id, version));
  if (absl::IsNotFound(value.status())) return 0;
  if (!value.ok()) return ReadFailure(value.status(), "feed positions");
  std::optional<uint64_t> position = coding::DecodeFixed64(*value);
  if (!position.has_value()) {
    return absl::DataLossError(absl::StrCat("store damaged: the feed position of ", id, " version ",
                                            version, " is not 8 bytes"));
  }
  return *position;
}

absl::StatusOr<uint64_t> RecordStore::LastAddedBy(int64_t micros) const {
  // Times rise with position: a binary search over the durable feed.
  uint64_t low = 0, high = last_cursor();  // AddedAt(low) <= micros, the answer is in [low, high]
  while (low < high) {
    const uint64_t middle = low + (high - low + 1) / 2;
    absl::StatusOr<int64_t> added = AddedAt(middle);
    if (!added.ok()) return added.status();
    if (*added <= micros) {
      low = middle;
    } else {
      high = middle - 1;
    }
  }
  return low;
}

absl::Status RecordStore::ScanFeed(uint64_t since, const FeedVisitor& visit,
                                   std::vector<uint64_t>* skipped) const {
  if (since == UINT64_MAX) return absl::OkStatus();  // nothing comes after the last cursor
  // A snapshot keeps the scan consistent while writers go on appending.
  const std::unique_ptr<storage::Snapshot> snapshot = storage_->NewSnapshot();
  storage::CursorOptions options;
  options.snapshot = snapshot.get();
  std::unique_ptr<storage::Cursor> it = storage_->NewCursor(storage::kFeed, options);
  for (it->Seek(FeedKey(since + 1)); it->Valid(); it->Next()) {
    const std::optional<uint64_t> read_cursor = coding::DecodeFixed64(it->key());
    const uint64_t cursor = read_cursor.value_or(0);
    const std::optional<store_keys::IdVersion> named = ReadIdVersion(it->value());
    absl::StatusOr<std::string> value;
    v1::SignedRecord record;
    std::string damage;
    if (!read_cursor.has_value() || !named.has_value()) {
      damage = "its key or value is not a feed entry";
    } else if (value = storage_->Get(storage::kRecords, it->value(), snapshot.get()); !value.ok()) {
      damage = absl::IsNotFound(value.status()) ? "the record it names is not stored"
                                                : std::string(value.status().message());
    } else if (!record.ParseFromString(*value)) {
      damage = "the record it names cannot be parsed";
    } else if (absl::StatusOr<v1::RecordHeader> header = PeekHeader(record);
               !header.ok() || header->id() != named->id || header->version() != named->version) {
      damage = "the record stored under its key is another record or version";
    }
    if (!damage.empty()) {
      LogError(absl::StrCat(
          "store damaged: feed entry ",
          read_cursor.has_value() ? absl::StrCat(cursor) : absl::BytesToHexString(it->key()),
          " skipped: ", damage));
      if (skipped != nullptr) skipped->push_back(cursor);
      continue;
    }
    if (!visit(cursor, record)) break;
  }
  absl::Status status = ReadFailure(it->status(), "feed scan");
  it.reset();  // before its snapshot
  return status;
}

absl::Status RecordStore::FindIndicator(v1::IndicatorType type, absl::string_view normalized,
                                        const IndexVisitor& visit) const {
  std::string prefix = IndicatorPrefix(type, normalized);
  std::unique_ptr<storage::Cursor> it = storage_->NewCursor(storage::kIndicators);
  for (it->Seek(prefix); it->Valid() && absl::StartsWith(it->key(), prefix); it->Next()) {
    const std::optional<store_keys::IdVersion> named =
        ReadIdVersion(it->key().substr(prefix.size()));
    if (!named.has_value()) continue;  // damage: the cross-check names it
    if (!visit(named->id, named->version)) break;
  }
  return ReadFailure(it->status(), "indicator index scan");
}

bool RecordStore::CarriesIndicator(const v1::SignedRecord& record, v1::IndicatorType type,
                                   absl::string_view normalized) {
  absl::StatusOr<OpenedRecord> opened = DecodeStoredRecord(record);
  if (!opened.ok()) return false;
  for (const v1::Indicator& indicator : opened->record.indicators()) {
    if (indicator.type() != type) continue;
    if (MatchesKey(type, indicator.normalized(), normalized)) return true;
    if (!indicator.normalized().empty()) continue;
    absl::StatusOr<std::string> renormalized = NormalizeIndicator(type, indicator.value());
    if (renormalized.ok() && MatchesKey(type, *renormalized, normalized)) return true;
  }
  return false;
}

}  // namespace nexus
