// TAXII reads: objects, manifest, one object and its versions, all one scan of the feed through
// SharedReads (the same decisions, audit and bounds as a pull). Each feed position is one record
// version; its objects are what `nexusctl export stix` writes of it: the indicator and one
// relationship per related record, all with the version's date_added (when this node stored it).
#include <algorithm>
#include <map>
#include <optional>
#include <set>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "common/interop/stix_export.h"
#include "common/record_seal.h"
#include "common/untrusted_text.h"
#include "nlohmann/json.hpp"
#include "server/caller.h"
#include "server/log.h"
#include "server/request_checks.h"
#include "server/taxii/taxii_api.h"
#include "server/taxii/taxii_media.h"

namespace nexus {
namespace {

using json = nlohmann::ordered_json;

// As a pull: an answer's work grows with what it returns, not with how much the node holds
// that the reader is not shown; the reader pages on with `next`.
constexpr uint64_t kScanSlack = 256;
constexpr uint32_t kScanPerReturned = 4;

// The request's filters and paging, checked.
struct ObjectQuery {
  uint64_t since = 0;  // plain feed position, exclusive
  uint32_t limit = 0;
  std::set<std::string> ids, types;
  bool last = false, first = false, all = false;
  std::set<int64_t> versions;  // modified times asked for
  bool spec_version_matches = true;
};

// Every value of `name`, split at commas.
std::vector<std::string> Values(const TaxiiRequest& request, const std::string& name) {
  std::vector<std::string> values;
  auto [begin, end] = request.query.equal_range(name);
  for (auto it = begin; it != end; ++it) {
    for (absl::string_view value : absl::StrSplit(it->second, ',', absl::SkipEmpty())) {
      values.emplace_back(value);
    }
  }
  return values;
}

}  // namespace

namespace {

// The next token a reader is given: the feed position, opaque to other agencies.
std::string NextToken(uint64_t position, bool own, const CursorCipher& cursors) {
  return absl::StrCat(absl::Hex(own ? position : cursors.Encode(position), absl::kZeroPad16));
}

absl::StatusOr<ObjectQuery> ParseQuery(const TaxiiRequest& request, bool own,
                                       const CursorCipher& cursors, const RecordStore& store,
                                       uint32_t max_objects, bool versions_only) {
  ObjectQuery query;
  query.limit = max_objects;
  for (const auto& [name, value] : request.query) {
    if (name == "limit") {
      uint32_t limit = 0;
      if (!absl::SimpleAtoi(value, &limit) || limit == 0) {
        return absl::InvalidArgumentError(
            absl::StrCat("limit ", QuoteInput(value), " is not a positive integer"));
      }
      query.limit = std::min(limit, max_objects);
    } else if (name == "added_after") {
      absl::StatusOr<int64_t> after = ParseTaxiiTimestamp(value, "added_after");
      if (!after.ok()) return after.status();
      absl::StatusOr<uint64_t> position = store.LastAddedBy(*after);
      if (!position.ok()) return position.status();
      query.since = std::max(query.since, *position);
    } else if (name == "next") {
      uint64_t token = 0;
      if (value.size() != 16 || !absl::SimpleHexAtoi(value, &token)) {
        return absl::InvalidArgumentError(
            absl::StrCat("next ", QuoteInput(value), " is not a token this node gave"));
      }
      const uint64_t position = own ? token : cursors.Decode(token);
      if (position > store.last_cursor()) {
        return absl::InvalidArgumentError(
            absl::StrCat("next ", QuoteInput(value), " is not a token this node gave"));
      }
      query.since = std::max(query.since, position);
    }
  }
  for (const std::string& id : Values(request, "match[id]")) query.ids.insert(id);
  for (const std::string& type : Values(request, "match[type]")) query.types.insert(type);
  std::vector<std::string> versions = Values(request, "match[version]");
  // The spec's defaults: the latest version of each object; every version of one.
  if (versions.empty()) versions.push_back(versions_only ? "all" : "last");
  for (const std::string& version : versions) {
    if (version == "last") {
      query.last = true;
    } else if (version == "first") {
      query.first = true;
    } else if (version == "all") {
      query.all = true;
    } else {
      absl::StatusOr<int64_t> at = ParseTaxiiTimestamp(version, "match[version]");
      if (!at.ok()) {
        return absl::InvalidArgumentError(absl::StrCat("match[version] ", QuoteInput(version),
                                                       " is not last, first, all or a timestamp"));
      }
      query.versions.insert(*at);
    }
  }
  std::vector<std::string> specs = Values(request, "match[spec_version]");
  query.spec_version_matches =
      specs.empty() || std::find(specs.begin(), specs.end(), "2.1") != specs.end();
  return query;
}

// The versions one answer selects, each decoded once: HoldBack decodes a version and keeps it if
// it goes out, `fits` counts its objects, the page's delivery takes it.
class Selection {
 public:
  Selection(const ObjectQuery& query, const TaxiiCollectionView& collection,
            const RecordStore& store)
      : query_(query), collection_(collection), store_(store) {}

  // Why a version the reader may see stays out of the answer ("" if it goes out).
  std::string HoldBack(uint64_t position, const v1::SignedRecord& shared) {
    absl::StatusOr<OpenedRecord> opened = DecodeStoredRecord(shared);
    if (!opened.ok()) return "taxii:unreadable";
    const v1::Record& record = opened->record;
    if (!collection_.Holds(record)) return "taxii:collection";
    // A STIX indicator needs a pattern: a version whose every indicator is withheld has no form.
    if (record.indicators().empty()) return "taxii:no-stix-form";
    if (!query_.spec_version_matches) return "taxii:filter";
    const size_t objects =
        (WantsIndicator() ? 1 : 0) + (WantsRelationships() ? record.related().ids_size() : 0);
    if (objects == 0) return "taxii:filter";
    if (!query_.ids.empty() && query_.ids.count(StixIndicatorId(record.id())) == 0) {
      return "taxii:filter";
    }
    if (!query_.all) {
      bool wanted = query_.versions.count(record.modified_unix_micros()) > 0;
      if (!wanted && query_.last) {
        absl::StatusOr<uint64_t> latest = store_.LatestVersion(record.id());
        wanted = latest.ok() && *latest == record.version();
      }
      if (!wanted && query_.first) {
        wanted = record.version() == 1 ||
                 absl::IsNotFound(store_.Get(record.id(), record.version() - 1).status());
      }
      if (!wanted) return "taxii:filter";
    }
    pending_objects_ = objects;
    kept_[position] = *std::move(opened);
    return "";
  }

  // The objects of the version HoldBack let through last.
  size_t pending_objects() const { return pending_objects_; }

  // The version at `position` as HoldBack decoded it, once.
  std::optional<OpenedRecord> Take(uint64_t position) {
    auto node = kept_.extract(position);
    if (node.empty()) return std::nullopt;
    return std::move(node.mapped());
  }

  // The STIX objects of a selected version that the query wants, as `nexusctl export stix`
  // writes them: the indicator, then its relationships.
  std::vector<std::string> ObjectsOf(const OpenedRecord& opened,
                                     const std::string& received_from) const {
    std::vector<std::string> objects;
    bool first = true;
    StixBundleWriter writer([&](std::string object) {
      if (first ? WantsIndicator() : WantsRelationships()) objects.push_back(std::move(object));
      first = false;
    });
    if (absl::Status s = writer.Add(opened, received_from); !s.ok()) {
      LogWarning(absl::StrCat("TAXII: record ", opened.record.id(), " version ",
                              opened.record.version(), " has no STIX form: ", s.message()));
    }
    return objects;
  }

 private:
  bool WantsIndicator() const { return query_.types.empty() || query_.types.count("indicator"); }
  bool WantsRelationships() const {
    return query_.types.empty() || query_.types.count("relationship");
  }

  const ObjectQuery& query_;
  const TaxiiCollectionView& collection_;
  const RecordStore& store_;
  size_t pending_objects_ = 0;
  std::map<uint64_t, OpenedRecord> kept_;
};

}  // namespace

TaxiiResponse TaxiiApi::Objects(const TaxiiRequest& request, const TaxiiCollectionView& collection,
                                const CallContext& call, bool manifest) {
  const bool own = call.agency() == agency_id_;
  absl::StatusOr<ObjectQuery> query =
      ParseQuery(request, own, *cursors_, *store_, max_page_objects_, /*versions_only=*/false);
  if (!query.ok()) return TaxiiError(400, "Bad request", query.status().message());

  SharedReads::FeedScan scan;
  scan.since = query->since;
  scan.page_records = 256;
  scan.slack = kScanSlack;
  scan.per_sent = kScanPerReturned;
  scan.what = absl::StrCat("TAXII ", manifest ? "manifest" : "objects", " of collection ",
                           collection.id, ": ");
  Selection selection(*query, collection, *store_);
  scan.hold_back = [&](uint64_t position, const v1::SignedRecord& shared) {
    return selection.HoldBack(position, shared);
  };
  size_t counted = 0;
  scan.fits = [&](const v1::SignedRecord&) {
    const size_t objects = selection.pending_objects();
    if (counted > 0 && counted + objects > query->limit) return false;
    counted += objects;
    return true;
  };
  // Objects go out as the export wrote them; a manifest names each.
  std::string objects;
  json entries = json::array();
  int64_t first_added = 0, last_added = 0;
  bool any_added = false;
  absl::StatusOr<SharedReads::FeedEnd> served =
      reads_->ServeFeed(call, v1::AUDIT_ACTION_PULL, scan, [&](SharedReads::Page& page) {
        for (SharedReads::SharedVersion& version : page.versions) {
          std::optional<OpenedRecord> opened = selection.Take(version.position);
          if (!opened.has_value()) continue;
          absl::StatusOr<int64_t> added = store_->AddedAt(version.position);
          if (!added.ok()) return added.status();
          if (!any_added) first_added = *added;
          any_added = true;
          last_added = *added;
          for (std::string& object : selection.ObjectsOf(
                   *opened, store_->ReceivedVia(opened->record.id(), opened->record.version()))) {
            if (manifest) {
              json parsed = json::parse(object, nullptr, /*allow_exceptions=*/false);
              entries.push_back({{"id", parsed.value("id", "")},
                                 {"date_added", TaxiiTimestamp(*added)},
                                 {"version", parsed.value("modified", "")},
                                 {"media_type", kStixMediaType}});
            } else {
              absl::StrAppend(&objects, objects.empty() ? "" : ",", object);
            }
          }
        }
        return absl::OkStatus();
      });
  if (!served.ok()) {
    TaxiiResponse refused =
        TaxiiError(HttpStatusOf(served.status()), "Not served", served.status().message());
    refused.audited = absl::IsUnavailable(served.status());
    return refused;
  }
  TaxiiResponse response;
  response.audited = true;  // each page's entry is written
  json envelope = {{"more", served->more}};
  if (served->more) envelope["next"] = NextToken(served->through, own, *cursors_);
  if (manifest && !entries.empty()) envelope["objects"] = std::move(entries);
  response.body = envelope.dump(-1, ' ', false, json::error_handler_t::replace);
  if (!objects.empty()) {
    // The envelope's last member, spliced in as written: no second encoding of every object.
    response.body.pop_back();
    absl::StrAppend(&response.body, ",\"objects\":[", objects, "]}");
  }
  if (any_added) {
    response.headers.push_back({"X-TAXII-Date-Added-First", TaxiiTimestamp(first_added)});
    response.headers.push_back({"X-TAXII-Date-Added-Last", TaxiiTimestamp(last_added)});
  }
  return response;
}

TaxiiResponse TaxiiApi::Object(const TaxiiRequest& request, const TaxiiCollectionView& collection,
                               const CallContext& call, const std::string& object_id,
                               bool versions_only) {
  const bool own = call.agency() == agency_id_;
  absl::StatusOr<ObjectQuery> query =
      ParseQuery(request, own, *cursors_, *store_, max_page_objects_, versions_only);
  if (!query.ok()) return TaxiiError(400, "Bad request", query.status().message());
  const bool excluded = !query->ids.empty() && query->ids.count(object_id) == 0;
  query->ids = {object_id};
  query->types = {"indicator"};

  // An indicator's id is indicator--<record id> (StixIndicatorId): its versions are the record's,
  // each decided for the reader as a Get decides it, and audited in one entry.
  v1::AuditEntry entry = call.Entry(v1::AUDIT_ACTION_GET);
  entry.set_detail(absl::StrCat("TAXII ", versions_only ? "versions" : "object", " ",
                                EscapeForTerminal(object_id, 128), " of collection ",
                                collection.id));
  const std::string record_id(absl::StripPrefix(object_id, "indicator--"));
  absl::StatusOr<uint64_t> latest = absl::NotFoundError("not an indicator id");
  if (!excluded && absl::StartsWith(object_id, "indicator--") && CheckRecordId(record_id).ok() &&
      StixIndicatorId(record_id) == object_id) {
    latest = store_->LatestVersion(record_id);
  }
  Selection selection(*query, collection, *store_);
  json objects = json::array(), versions = json::array();
  int64_t first_added = 0, last_added = 0;
  bool any_added = false;
  bool more = false;
  for (uint64_t version = 1; latest.ok() && version <= *latest; ++version) {
    absl::StatusOr<v1::SignedRecord> record = store_->Get(record_id, version);
    if (!record.ok()) continue;
    SharingGate::Shared shared = reads_->Share(call.agency(), *record);
    if (!own) *entry.add_decisions() = shared.audit;
    if (!shared.permit) continue;
    absl::StatusOr<uint64_t> position = store_->PositionOf(record_id, version);
    if (!position.ok()) return TaxiiError(503, "Unavailable", position.status().message());
    if (*position <= query->since && query->since != 0) continue;  // added_after
    if (!selection.HoldBack(*position, shared.record).empty()) continue;
    std::optional<OpenedRecord> opened = selection.Take(*position);
    if (!opened.has_value()) continue;
    if (objects.size() >= query->limit) {
      more = true;
      break;
    }
    absl::StatusOr<int64_t> added = store_->AddedAt(*position);
    if (!added.ok()) return TaxiiError(503, "Unavailable", added.status().message());
    if (!any_added) first_added = *added;
    any_added = true;
    last_added = *added;
    AddTarget(entry, shared.record);
    for (std::string& text :
         selection.ObjectsOf(*opened, store_->ReceivedVia(record_id, version))) {
      json object = json::parse(text, nullptr, /*allow_exceptions=*/false);
      versions.push_back(object.value("modified", ""));
      objects.push_back(std::move(object));
    }
  }
  if (!latest.ok()) {
    // What a missing object costs is what a hidden one costs.
    reads_->DecideOnDecoy(call.agency());
  }
  entry.set_count(objects.size());
  TaxiiResponse response;
  absl::Status outcome = absl::OkStatus();
  if (objects.empty()) {
    // Hidden and absent answer alike; the audit log keeps the truth.
    outcome = absl::NotFoundError("no version the reader may see");
    response = TaxiiError(404, "Object not found",
                          absl::StrCat("no object ", QuoteInput(object_id),
                                       " that you may see is in this collection"));
  } else {
    json envelope = {{"more", more}};
    envelope[versions_only ? "versions" : "objects"] =
        versions_only ? std::move(versions) : std::move(objects);
    response.body = envelope.dump(-1, ' ', false, json::error_handler_t::replace);
    response.headers.push_back({"X-TAXII-Date-Added-First", TaxiiTimestamp(first_added)});
    response.headers.push_back({"X-TAXII-Date-Added-Last", TaxiiTimestamp(last_added)});
  }
  if (absl::Status s = RecordOutcome(*audit_, call, std::move(entry), outcome);
      absl::IsUnavailable(s)) {
    return TaxiiError(503, "Unavailable", s.message());
  }
  response.audited = true;
  return response;
}

}  // namespace nexus
