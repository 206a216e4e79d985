#include "client/cli/store_cross_check.h"

#include <algorithm>
#include <map>
#include <memory>
#include <set>
#include <utility>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "common/crypto.h"
#include "common/indicator_normalizer.h"
#include "common/record_seal.h"
#include "common/storage/coding.h"
#include "common/storage/families.h"
#include "common/storage/store_keys.h"

namespace nexus {
namespace {

using store_keys::ReadIdVersion;

constexpr size_t kMaxReported = 20;

// Ids come from a store that may have been edited: printed escaped.
std::string Quoted(absl::string_view id) { return absl::StrCat("'", absl::CHexEscape(id), "'"); }

std::string Version(absl::string_view id, uint64_t version) {
  return absl::StrCat("record ", Quoted(id), " version ", version);
}

struct Logged {
  std::string digest;  // raw SHA-256 of the manifest
  uint64_t position = 0;
  uint64_t entry = 0;   // the audit entry that stored it
  bool legacy = false;  // logged before the binding: no digest or position to compare
};

using VersionKey = std::pair<std::string, uint64_t>;

}  // namespace

absl::StatusOr<StoreCrossCheckReport> CrossCheckStore(const OfflineAuditLog& log) {
  StoreCrossCheckReport report;
  auto mismatch = [&](std::string text) {
    if (report.mismatches.size() < kMaxReported) report.mismatches.push_back(std::move(text));
    ++report.total_mismatches;
  };
  const storage::Store& store = log.store();
  if (!store.HasFamily(storage::kRecords) || !store.HasFamily(storage::kFeed) ||
      !store.HasFamily(storage::kIndicators)) {
    return absl::UnavailableError("the data directory holds no record store");
  }

  // 1. What the log says was stored.
  std::map<VersionKey, Logged> logged;
  std::map<uint64_t, VersionKey> by_position;
  std::map<std::string, uint64_t> latest_logged;
  absl::Status read = log.Entries()([&](uint64_t index, absl::string_view bytes,
                                        absl::string_view) {
    v1::AuditEntry entry;
    if (!entry.ParseFromArray(bytes.data(), static_cast<int>(bytes.size()))) return true;
    // Versions enter the store by the origin's publish or revoke, or received from a peer (one
    // entry per batch, binding every version it stored).
    bool stores =
        entry.outcome() == v1::AUDIT_OUTCOME_OK &&
        (entry.action() == v1::AUDIT_ACTION_PUBLISH || entry.action() == v1::AUDIT_ACTION_REVOKE ||
         entry.action() == v1::AUDIT_ACTION_RECEIVE);
    if (!stores) return true;
    for (const v1::AuditTarget& target : entry.targets()) {
      VersionKey key{target.record_id(), target.version()};
      if (target.feed_position() == 0 && target.manifest_sha256().empty()) {
        // Written before targets were bound to the stored bytes: nothing to compare but
        // existence. A half-bound target is no legacy entry: the node never wrote one.
        if (!logged.emplace(key, Logged{"", 0, index, /*legacy=*/true}).second) {
          mismatch(absl::StrCat("audit entries ", logged[key].entry, " and ", index,
                                " both stored ", Version(key.first, key.second)));
        }
        ++report.legacy_versions;
        uint64_t& latest = latest_logged[key.first];
        latest = std::max(latest, key.second);
        continue;
      }
      if (target.feed_position() == 0 || target.manifest_sha256().size() != 32) {
        mismatch(absl::StrCat("audit entry ", index, " stored ",
                              Version(target.record_id(), target.version()),
                              " but does not bind it (no manifest digest or feed position)"));
        continue;
      }
      if (!logged.emplace(key, Logged{target.manifest_sha256(), target.feed_position(), index})
               .second) {
        mismatch(absl::StrCat("audit entries ", logged[key].entry, " and ", index, " both stored ",
                              Version(key.first, key.second)));
      }
      if (!by_position.emplace(target.feed_position(), key).second) {
        mismatch(absl::StrCat("audit entries ", logged[by_position[target.feed_position()]].entry,
                              " and ", index, " both name feed position ", target.feed_position()));
      }
      uint64_t& latest = latest_logged[key.first];
      latest = std::max(latest, key.second);
    }
    return true;
  });
  if (!read.ok()) return read;

  // 2. Every stored version against its entry; each id's latest against the log's.
  std::map<std::string, uint64_t> latest_stored;
  std::set<VersionKey> stored;
  // The indicators each stored version carries, normalized, for the index check.
  std::map<VersionKey, std::set<std::pair<v1::IndicatorType, std::string>>> carried_by;
  {
    std::unique_ptr<storage::Cursor> it = store.NewCursor(storage::kRecords);
    for (it->SeekToFirst(); it->Valid(); it->Next()) {
      ++report.versions;
      absl::string_view key = it->key();
      const std::optional<store_keys::IdVersion> read = ReadIdVersion(key);
      if (!read.has_value()) {
        mismatch(absl::StrCat("the record store holds a key that is no record key: ", Quoted(key)));
        continue;
      }
      VersionKey version{std::string(read->id), read->version};
      stored.insert(version);
      uint64_t& latest = latest_stored[version.first];
      latest = std::max(latest, version.second);
      v1::SignedRecord record;
      absl::StatusOr<OpenedRecord> opened =
          record.ParseFromArray(it->value().data(), static_cast<int>(it->value().size()))
              ? DecodeStoredRecord(record)
              : absl::DataLossError("unparsable");
      if (!opened.ok() || opened->header.id() != version.first ||
          opened->header.version() != version.second) {
        mismatch(absl::StrCat(Version(version.first, version.second),
                              " is unreadable or holds another record or version"));
        continue;
      }
      auto entry = logged.find(version);
      if (entry == logged.end()) {
        mismatch(absl::StrCat(Version(version.first, version.second),
                              " is stored, but no audit entry stored it"));
      } else if (!entry->second.legacy &&
                 entry->second.digest != DigestBytes(Sha256(record.manifest()))) {
        mismatch(absl::StrCat(Version(version.first, version.second),
                              " differs from what audit entry ", entry->second.entry,
                              " stored (manifest digest)"));
      }
      auto& carried = carried_by[version];
      for (const v1::Indicator& indicator : opened->record.indicators()) {
        carried.emplace(indicator.type(), indicator.normalized());
      }
    }
    if (!it->status().ok()) {
      return absl::UnavailableError(absl::StrCat("reading records: ", it->status().message()));
    }
  }
  for (const auto& [version, entry] : logged) {
    if (stored.count(version)) continue;
    auto latest = latest_stored.find(version.first);
    if (latest_logged[version.first] == version.second && latest != latest_stored.end()) {
      mismatch(absl::StrCat("record ", Quoted(version.first),
                            ": the audit log's latest version is ", version.second, " (entry ",
                            entry.entry, ") but the store's is ", latest->second,
                            ": the latest version was deleted, so readers see "
                            "an older one as current"));
    } else {
      mismatch(absl::StrCat(Version(version.first, version.second), ", stored by audit entry ",
                            entry.entry, ", is missing from the store"));
    }
  }

  // 3. The feed against the positions the log names.
  std::set<uint64_t> positions;
  {
    std::unique_ptr<storage::Cursor> it = store.NewCursor(storage::kFeed);
    for (it->SeekToFirst(); it->Valid(); it->Next()) {
      ++report.feed_entries;
      absl::string_view key = it->key(), value = it->value();
      const std::optional<uint64_t> read_position = coding::DecodeFixed64(key);
      const std::optional<store_keys::IdVersion> read_target = ReadIdVersion(value);
      if (!read_position.has_value() || !read_target.has_value()) {
        mismatch(absl::StrCat("the feed holds a malformed entry: ", Quoted(key)));
        continue;
      }
      const uint64_t position = *read_position;
      positions.insert(position);
      VersionKey target{std::string(read_target->id), read_target->version};
      auto named = by_position.find(position);
      std::string points = absl::StrCat("feed position ", position, " points to ",
                                        Version(target.first, target.second));
      auto legacy = logged.find(target);
      if (!stored.count(target)) {
        mismatch(absl::StrCat(points, ", which is not stored (dangling)"));
      } else if (named == by_position.end() && legacy != logged.end() && legacy->second.legacy) {
        continue;  // its entry predates positions in the log
      } else if (named == by_position.end()) {
        mismatch(absl::StrCat(points, ", but no audit entry stored anything at that position"));
      } else if (named->second != target) {
        mismatch(absl::StrCat(points, ", but audit entry ", logged[named->second].entry, " stored ",
                              Version(named->second.first, named->second.second),
                              " there (redirected)"));
      }
    }
    if (!it->status().ok()) {
      return absl::UnavailableError(absl::StrCat("reading the feed: ", it->status().message()));
    }
  }
  for (const auto& [position, version] : by_position) {
    if (positions.count(position)) continue;
    mismatch(absl::StrCat("feed position ", position, " of ",
                          Version(version.first, version.second), " (audit entry ",
                          logged[version].entry,
                          ") is missing from the feed: pulls skip that version"));
  }

  // 4. The indicator index against the records.
  std::set<std::string> index_keys;
  {
    std::unique_ptr<storage::Cursor> it = store.NewCursor(storage::kIndicators);
    for (it->SeekToFirst(); it->Valid(); it->Next()) {
      ++report.index_keys;
      absl::string_view key = it->key();
      index_keys.insert(std::string(key));
      size_t zero = key.find('\0', 1);
      const std::optional<store_keys::IdVersion> read =
          zero == absl::string_view::npos ? std::nullopt : ReadIdVersion(key.substr(zero + 1));
      if (!read.has_value()) {
        mismatch(absl::StrCat("the indicator index holds a malformed key: ", Quoted(key)));
        continue;
      }
      auto type = static_cast<v1::IndicatorType>(static_cast<uint8_t>(key[0]));
      absl::string_view normalized = key.substr(1, zero - 1);
      VersionKey version{std::string(read->id), read->version};
      auto carried = carried_by.find(version);
      const bool carries =
          carried != carried_by.end() &&
          std::any_of(carried->second.begin(), carried->second.end(), [&](const auto& indicator) {
            return indicator.first == type && MatchesKey(type, indicator.second, normalized);
          });
      if (!carries) {
        mismatch(absl::StrCat("the indicator index says ", Version(version.first, version.second),
                              " carries ", v1::IndicatorType_Name(type), " ", Quoted(normalized),
                              ", but that record does not (planted index key)"));
      }
    }
    if (!it->status().ok()) {
      return absl::UnavailableError(absl::StrCat("reading the index: ", it->status().message()));
    }
  }
  for (const auto& [version, carried] : carried_by) {
    for (const auto& [type, normalized] : carried) {
      if (index_keys.count(
              store_keys::IndicatorKey(type, normalized, version.first, version.second))) {
        continue;
      }
      mismatch(absl::StrCat(Version(version.first, version.second), " carries ",
                            v1::IndicatorType_Name(type), " ", Quoted(normalized),
                            ", but the indicator index does not list it (search misses it)"));
    }
  }
  return report;
}

}  // namespace nexus
