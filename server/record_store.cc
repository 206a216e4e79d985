#include "server/record_store.h"

#include <map>

#include "absl/strings/str_cat.h"
#include "rocksdb/db.h"
#include "rocksdb/options.h"
#include "rocksdb/slice.h"
#include "rocksdb/write_batch.h"
#include "server/store_keys.h"

namespace nexus {
namespace {

using store_keys::FeedKey;
using store_keys::IndicatorKey;
using store_keys::IndicatorPrefix;
using store_keys::kIdBytes;
using store_keys::ReadBigEndian64;
using store_keys::RecordKey;

constexpr const char* kRecordsFamily = "records";
constexpr const char* kFeedFamily = "feed";
constexpr const char* kIndicatorsFamily = "indicators";

absl::Status FromRocks(const rocksdb::Status& s, absl::string_view what) {
  if (s.ok()) return absl::OkStatus();
  if (s.IsNotFound()) return absl::NotFoundError(absl::StrCat(what, ": not found"));
  return absl::InternalError(absl::StrCat(what, ": ", s.ToString()));
}

absl::string_view View(const rocksdb::Slice& slice) { return {slice.data(), slice.size()}; }

// Most groups a leader takes at once: bounds one WriteBatch and one wait.
constexpr size_t kMaxWritesPerCommit = 4096;

}  // namespace

struct RecordStore::PendingGroup {
  std::vector<RecordWrite> writes;
  std::vector<WriteOutcome> outcomes;
  bool done = false;
};

absl::StatusOr<std::unique_ptr<RecordStore>> RecordStore::Open(const std::string& dir) {
  rocksdb::Options options;
  options.create_if_missing = true;
  options.create_missing_column_families = true;
  options.IncreaseParallelism(2);
  std::vector<rocksdb::ColumnFamilyDescriptor> families = {
      {rocksdb::kDefaultColumnFamilyName, rocksdb::ColumnFamilyOptions(options)},
      {kRecordsFamily, rocksdb::ColumnFamilyOptions(options)},
      {kFeedFamily, rocksdb::ColumnFamilyOptions(options)},
      {kIndicatorsFamily, rocksdb::ColumnFamilyOptions(options)},
  };
  std::vector<rocksdb::ColumnFamilyHandle*> handles;
  rocksdb::DB* db = nullptr;
  rocksdb::Status s = rocksdb::DB::Open(rocksdb::DBOptions(options), dir, families, &handles, &db);
  if (!s.ok())
    return absl::UnavailableError(absl::StrCat("cannot open store ", dir, ": ", s.ToString()));

  // The feed's last key is the last cursor handed out.
  uint64_t last_cursor = 0;
  std::unique_ptr<rocksdb::Iterator> it(db->NewIterator(rocksdb::ReadOptions(), handles[2]));
  it->SeekToLast();
  if (it->Valid()) last_cursor = ReadBigEndian64(View(it->key()));
  it.reset();
  return std::unique_ptr<RecordStore>(new RecordStore(db, std::move(handles), last_cursor));
}

RecordStore::RecordStore(rocksdb::DB* db, std::vector<rocksdb::ColumnFamilyHandle*> handles,
                         uint64_t last_cursor)
    : db_(db),
      records_(handles[1]),
      feed_(handles[2]),
      indicators_(handles[3]),
      handles_(std::move(handles)),
      last_cursor_(last_cursor) {}

RecordStore::~RecordStore() {
  for (rocksdb::ColumnFamilyHandle* handle : handles_) db_->DestroyColumnFamilyHandle(handle);
  db_->Close();
  delete db_;
}

std::vector<WriteOutcome> RecordStore::Write(std::vector<RecordWrite> writes) {
  PendingGroup group;
  group.writes = std::move(writes);
  std::unique_lock lock(mu_);
  queue_.push_back(&group);
  cv_.wait(lock, [&] { return group.done || queue_.front() == &group; });
  if (group.done) return std::move(group.outcomes);

  // This writer leads: it commits its own group and every group queued behind it so far.
  std::vector<PendingGroup*> groups;
  size_t count = 0;
  for (PendingGroup* pending : queue_) {
    if (!groups.empty() && count + pending->writes.size() > kMaxWritesPerCommit) break;
    groups.push_back(pending);
    count += pending->writes.size();
  }
  lock.unlock();
  CommitGroups(groups);
  lock.lock();
  for (PendingGroup* committed : groups) {
    committed->done = true;
    queue_.pop_front();
  }
  cv_.notify_all();
  return std::move(group.outcomes);
}

void RecordStore::CommitGroups(const std::vector<PendingGroup*>& groups) {
  rocksdb::WriteBatch batch;
  std::map<std::string, uint64_t, std::less<>> latest;  // ids written earlier in this batch
  uint64_t cursor = last_cursor();
  for (PendingGroup* group : groups) {
    group->outcomes.resize(group->writes.size());
    for (size_t i = 0; i < group->writes.size(); ++i) {
      const RecordWrite& write = group->writes[i];
      WriteOutcome& outcome = group->outcomes[i];
      uint64_t current = 0;
      if (auto it = latest.find(write.id); it != latest.end()) {
        current = it->second;
      } else if (write.minted_id) {
        current = 0;
      } else if (absl::StatusOr<uint64_t> stored = LatestVersion(write.id); stored.ok()) {
        current = *stored;
      } else if (!absl::IsNotFound(stored.status())) {
        outcome.status = stored.status();
        continue;
      }
      if (write.version != current + 1) {
        outcome.status = absl::FailedPreconditionError(
            absl::StrCat("record ", write.id, " version ", write.version,
                         " is not the next version: the latest stored is ", current));
        continue;
      }
      latest[write.id] = write.version;
      outcome.cursor = ++cursor;
      std::string record_key = RecordKey(write.id, write.version);
      batch.Put(records_, record_key, write.record.SerializeAsString());
      batch.Put(feed_, FeedKey(cursor), record_key);
      for (const auto& [type, normalized] : write.indicators) {
        batch.Put(indicators_, IndicatorKey(type, normalized, write.id, write.version), "");
      }
    }
  }
  rocksdb::WriteOptions options;
  options.sync = true;  // acknowledged means durable
  absl::Status status = FromRocks(db_->Write(options, &batch), "record store write");
  if (!status.ok()) {
    for (PendingGroup* group : groups) {
      for (WriteOutcome& outcome : group->outcomes) {
        if (outcome.status.ok()) outcome.status = status;
      }
    }
    return;
  }
  std::lock_guard lock(mu_);
  last_cursor_ = cursor;
}

uint64_t RecordStore::last_cursor() const {
  std::lock_guard lock(mu_);
  return last_cursor_;
}

absl::StatusOr<uint64_t> RecordStore::LatestVersion(absl::string_view id) const {
  if (id.size() != kIdBytes) return absl::NotFoundError(absl::StrCat("record ", id, " not found"));
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(rocksdb::ReadOptions(), records_));
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
  rocksdb::Status s = db_->Get(rocksdb::ReadOptions(), records_, RecordKey(id, version), &value);
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

absl::Status RecordStore::ScanFeed(uint64_t since, const FeedVisitor& visit) const {
  // A snapshot keeps the scan consistent while writers go on appending.
  rocksdb::ReadOptions options;
  const rocksdb::Snapshot* snapshot = db_->GetSnapshot();
  options.snapshot = snapshot;
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(options, feed_));
  absl::Status status;
  for (it->Seek(FeedKey(since + 1)); it->Valid(); it->Next()) {
    uint64_t cursor = ReadBigEndian64(View(it->key()));
    std::string value;
    rocksdb::Status s = db_->Get(options, records_, it->value(), &value);
    v1::SignedRecord record;
    if (!s.ok() || !record.ParseFromString(value)) {
      status = absl::DataLossError(absl::StrCat("feed entry ", cursor, " has no readable record"));
      break;
    }
    if (!visit(cursor, record)) break;
  }
  if (status.ok()) status = FromRocks(it->status(), "feed scan");
  it.reset();
  db_->ReleaseSnapshot(snapshot);
  return status;
}

absl::Status RecordStore::FindIndicator(v1::IndicatorType type, absl::string_view normalized,
                                        const IndexVisitor& visit) const {
  std::string prefix = IndicatorPrefix(type, normalized);
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(rocksdb::ReadOptions(), indicators_));
  for (it->Seek(prefix); it->Valid() && it->key().starts_with(prefix); it->Next()) {
    absl::string_view rest = View(it->key()).substr(prefix.size());
    if (rest.size() != kIdBytes + 8) continue;
    if (!visit(rest.substr(0, kIdBytes), ReadBigEndian64(rest.substr(kIdBytes)))) break;
  }
  return FromRocks(it->status(), "indicator index scan");
}

}  // namespace nexus
