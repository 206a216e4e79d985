// MISP event export (JSON) → nexus records. An event becomes one record (more when its
// attributes carry narrower sharing than the event, or exceed one record's indicator limit), and
// each MISP object becomes a record of its own, related to the event's. Both the single-event
// form {"Event": {...}} (streamed attribute by attribute) and the search form {"response":
// [{"Event": ...}, ...]} (event by event) are read.
#include <map>
#include <set>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/time/time.h"
#include "common/indicator_normalizer.h"
#include "common/interop/bundle_import.h"
#include "common/interop/json_fields.h"
#include "common/interop/stix_common.h"
#include "common/untrusted_text.h"
#include "common/uuid.h"
#include "nlohmann/json.hpp"

namespace nexus {
namespace {

using nlohmann::json;

// Indicators per record: well below the node's limit of 1,000, so that a record stays small.
constexpr size_t kIndicatorsPerRecord = 500;
constexpr size_t kMaxSummaryBytes = 60 * 1024;
// Roughly what the indicators of one record may take in a STIX pattern, well under
// kMaxStixPatternBytes so that the record exports and reads back.
constexpr size_t kPatternBudgetBytes = 48 * 1024;
// An event of the search form is built whole; bigger events stream in the single-event form.
constexpr uint64_t kMaxEventBytes = 16 << 20;

struct TypeMap {
  const char* misp_type;
  v1::IndicatorType type;
};
// MISP attribute types with a nexus indicator type. For composite types ("domain|ip") each part
// is looked up separately; see CompositeParts.
constexpr TypeMap kTypes[] = {
    {"domain", v1::INDICATOR_TYPE_DOMAIN},
    {"hostname", v1::INDICATOR_TYPE_DOMAIN},
    {"url", v1::INDICATOR_TYPE_URL},
    {"email", v1::INDICATOR_TYPE_EMAIL},
    {"email-src", v1::INDICATOR_TYPE_EMAIL},
    {"email-dst", v1::INDICATOR_TYPE_EMAIL},
    {"email-reply-to", v1::INDICATOR_TYPE_EMAIL},
    {"target-email", v1::INDICATOR_TYPE_EMAIL},
    {"whois-registrant-email", v1::INDICATOR_TYPE_EMAIL},
    {"phone-number", v1::INDICATOR_TYPE_PHONE},
    {"whois-registrant-phone", v1::INDICATOR_TYPE_PHONE},
    {"iban", v1::INDICATOR_TYPE_IBAN},
    {"bank-account-nr", v1::INDICATOR_TYPE_BANK_ACCOUNT},
    {"btc", v1::INDICATOR_TYPE_CRYPTO_WALLET},
    {"xmr", v1::INDICATOR_TYPE_CRYPTO_WALLET},
    {"dash", v1::INDICATOR_TYPE_CRYPTO_WALLET},
    {"passport-number", v1::INDICATOR_TYPE_DOCUMENT_NUMBER},
    {"identity-card-number", v1::INDICATOR_TYPE_DOCUMENT_NUMBER},
    {"md5", v1::INDICATOR_TYPE_FILE_HASH},
    {"sha1", v1::INDICATOR_TYPE_FILE_HASH},
    {"sha256", v1::INDICATOR_TYPE_FILE_HASH},
    {"sha512", v1::INDICATOR_TYPE_FILE_HASH},
    {"x509-fingerprint-md5", v1::INDICATOR_TYPE_FILE_HASH},
    {"x509-fingerprint-sha1", v1::INDICATOR_TYPE_FILE_HASH},
    {"x509-fingerprint-sha256", v1::INDICATOR_TYPE_FILE_HASH},
    {"target-org", v1::INDICATOR_TYPE_ORGANIZATION},
    {"threat-actor", v1::INDICATOR_TYPE_ORGANIZATION},
    {"full-name", v1::INDICATOR_TYPE_PERSON},
};
// Context, not indicators: their values go into the record's summary.
const std::set<std::string, std::less<>> kContextTypes = {"text", "comment", "other", "link"};

// MISP types that name a hash of part of a file (its PE import table, its Authenticode digest)
// or a fuzzy hash: no nexus form, since a nexus file hash is the hash of the whole file and
// matching one against the other would be wrong.
constexpr const char* kPartHashTypes[] = {"imphash", "authentihash", "pehash", "impfuzzy",
                                          "ssdeep",  "tlsh",         "vhash",  "telfhash"};

// What an attribute value gives: its indicators, with the context the value itself carries (a
// file name beside a hash, a port beside an address), and what of it was not carried.
struct AttributeIndicators {
  std::vector<v1::Indicator> indicators;
  std::vector<std::string> notes;
};

// `type` is the attribute's type, `part` the part of it that has no nexus form ("regkey" of
// "regkey|value").
absl::Status NoNexusType(absl::string_view type, absl::string_view part) {
  for (const char* part_hash : kPartHashTypes) {
    if (part == part_hash) {
      return absl::InvalidArgumentError(absl::StrCat(
          "MISP type ", QuoteInput(type, 64),
          " hashes part of a file (or is a fuzzy hash), and a nexus file hash is the hash of the "
          "whole file: not carried"));
    }
  }
  return absl::InvalidArgumentError(
      absl::StrCat("MISP type ", QuoteInput(type, 64), " has no nexus indicator type"));
}

// The nexus indicators one attribute value gives, or why it gives none.
absl::StatusOr<AttributeIndicators> IndicatorsOfAttribute(absl::string_view type,
                                                          absl::string_view value) {
  std::vector<std::pair<std::string, std::string>> parts;  // (type, value)
  std::string file_name, port;                             // context of the other part
  if (type == "ip-src" || type == "ip-dst") {
    parts.emplace_back(type, value);
  } else if (absl::StrContains(type, '|')) {
    // "domain|ip", "filename|sha256", "ip-dst|port": the value splits the same way.
    std::vector<std::string> types = absl::StrSplit(type, '|');
    std::vector<std::string> values = absl::StrSplit(value, absl::MaxSplits('|', types.size() - 1));
    if (types.size() != 2 || values.size() != 2) {
      return absl::InvalidArgumentError(absl::StrCat("value does not split as ", type));
    }
    for (size_t i = 0; i < 2; ++i) {
      if (types[i] == "filename") {
        file_name = values[i];
      } else if (types[i] == "port") {
        port = values[i];
      } else {
        parts.emplace_back(types[i] == "ip" ? "ip-dst" : types[i], values[i]);
      }
    }
  } else if (type == "malware-sample") {
    std::vector<std::string> values = absl::StrSplit(value, absl::MaxSplits('|', 1));
    if (values.size() != 2) return absl::InvalidArgumentError("malware-sample is not filename|md5");
    file_name = values[0];
    parts.emplace_back("md5", values[1]);
  } else {
    parts.emplace_back(type, value);
  }
  AttributeIndicators out;
  for (const auto& [part_type, part_value] : parts) {
    v1::Indicator indicator;
    indicator.set_value(part_value);
    if (part_type == "ip-src" || part_type == "ip-dst") {
      indicator.set_type(absl::StrContains(part_value, ':') ? v1::INDICATOR_TYPE_IPV6
                                                            : v1::INDICATOR_TYPE_IPV4);
    } else {
      for (const TypeMap& m : kTypes) {
        if (part_type == m.misp_type) indicator.set_type(m.type);
      }
    }
    if (indicator.type() == v1::INDICATOR_TYPE_UNSPECIFIED) return NoNexusType(type, part_type);
    // MISP takes URLs without a scheme ("example.com/login.php"); a nexus URL has one. Read as
    // http, the form a browser assumes, and say so.
    if (indicator.type() == v1::INDICATOR_TYPE_URL && !absl::StrContains(part_value, "://") &&
        !part_value.empty()) {
      indicator.set_value(absl::StrCat("http://", part_value));
      out.notes.push_back(absl::StrCat("URL ", QuoteInput(part_value, 96),
                                       " has no scheme: kept as ",
                                       QuoteInput(indicator.value(), 104)));
    }
    if (absl::StatusOr<std::string> normal =
            NormalizeIndicator(indicator.type(), indicator.value());
        !normal.ok()) {
      return normal.status();
    }
    if (!file_name.empty()) {
      if (indicator.type() == v1::INDICATOR_TYPE_FILE_HASH) {
        indicator.set_file_name(file_name);
      } else {
        out.notes.push_back(absl::StrCat("file name ", QuoteInput(file_name, 96), " beside a ",
                                         part_type, ": not carried"));
      }
    }
    if (!port.empty()) {
      uint32_t number = 0;
      const bool address = indicator.type() == v1::INDICATOR_TYPE_IPV4 ||
                           indicator.type() == v1::INDICATOR_TYPE_IPV6;
      if (address && absl::SimpleAtoi(port, &number) && number >= 1 && number <= 65535) {
        indicator.set_port(number);
      } else {
        out.notes.push_back(absl::StrCat("port ", QuoteInput(port, 32), " beside a ", part_type,
                                         address ? " is not 1 to 65535" : " has no nexus form",
                                         ": not carried"));
      }
    }
    out.indicators.push_back(std::move(indicator));
  }
  return out;
}

// A MISP time ("2024-03-01T10:00:00.000000+00:00", any offset) in Unix microseconds.
std::optional<int64_t> ParseMispTime(absl::string_view text) {
  absl::Time time;
  std::string error;
  if (!absl::ParseTime(absl::RFC3339_full, text, &time, &error) || time < absl::UnixEpoch()) {
    return std::nullopt;
  }
  return absl::ToUnixMicros(time);
}

// What an attribute says about its value besides the value: whether it is for detection, its
// comment, and when it was first and last seen. Added to each indicator it gives; what cannot be
// read goes to `notes`.
void AddAttributeContext(const json& attribute, std::vector<v1::Indicator>& indicators,
                         std::vector<std::string>& notes) {
  absl::StatusOr<std::optional<bool>> to_ids = OptionalBool(attribute, "to_ids");
  // Only an explicit false: an attribute that does not say was always imported for detection.
  const bool context_only = to_ids.ok() && *to_ids && !**to_ids;
  absl::StatusOr<std::optional<std::string>> comment = OptionalString(attribute, "comment");
  std::optional<int64_t> seen[2];
  const char* seen_keys[2] = {"first_seen", "last_seen"};
  for (int i = 0; i < 2; ++i) {
    absl::StatusOr<std::optional<std::string>> text = OptionalString(attribute, seen_keys[i]);
    if (!text.ok() || !*text || (*text)->empty()) continue;
    seen[i] = ParseMispTime(**text);
    if (!seen[i]) {
      notes.push_back(absl::StrCat(seen_keys[i], " ", QuoteInput(**text, 64),
                                   " is not a time (RFC 3339): not carried"));
    }
  }
  if (seen[0] && seen[1] && *seen[1] < *seen[0]) {
    notes.push_back("last_seen is before first_seen: neither carried");
    seen[0] = seen[1] = std::nullopt;
  }
  for (v1::Indicator& indicator : indicators) {
    indicator.set_context_only(context_only);
    if (comment.ok() && *comment) indicator.set_comment(**comment);
    if (seen[0]) indicator.set_first_seen_unix_micros(*seen[0]);
    if (seen[1]) indicator.set_last_seen_unix_micros(*seen[1]);
  }
}

// MISP distribution levels: 0 your organisation only, 1 this community, 2 connected
// communities, 3 all communities, 4 a sharing group, 5 inherit (attributes and objects).
constexpr int kInherit = 5;

// The sharing of one record: what its attributes were marked with.
struct Sharing {
  v1::Tlp tlp = v1::TLP_UNSPECIFIED;
  v1::Distribution distribution;
  bool operator<(const Sharing& o) const {
    return std::make_tuple(tlp, distribution.SerializeAsString()) <
           std::make_tuple(o.tlp, o.distribution.SerializeAsString());
  }
};

// Rank of a scope by how far it reaches; the narrower of two wins.
int Reach(v1::DistributionScope scope) {
  switch (scope) {
    case v1::DISTRIBUTION_SCOPE_ORIGIN_ONLY:
      return 0;
    case v1::DISTRIBUTION_SCOPE_NAMED_AGENCIES:
      return 1;
    case v1::DISTRIBUTION_SCOPE_GROUP:
      return 2;
    default:
      return 3;
  }
}

// The TLP named by a MISP Tag list ("tlp:amber"), the stricter if several; other tags to `tags`.
absl::StatusOr<v1::Tlp> ReadTags(const json& owner, std::vector<std::string>* tags) {
  v1::Tlp tlp = v1::TLP_UNSPECIFIED;
  auto list = owner.find("Tag");
  if (list == owner.end() || list->is_null()) return tlp;
  if (!list->is_array()) return absl::InvalidArgumentError("Tag must be a list");
  for (const json& tag : *list) {
    absl::StatusOr<std::optional<std::string>> name = OptionalString(tag, "name");
    if (!name.ok()) return name.status();
    if (!*name) continue;
    if (absl::StartsWithIgnoreCase(**name, "tlp:")) {
      std::optional<v1::Tlp> level = TlpFromName(**name);
      if (!level) {
        return absl::InvalidArgumentError(
            absl::StrCat("tag ", QuoteInput(**name, 64), " is not a TLP level this import knows"));
      }
      tlp = StricterTlp(tlp, *level);
    } else if (tags != nullptr) {
      tags->push_back(**name);
    }
  }
  return tlp;
}

// Why an attribute is left out whatever its type, if it is.
std::optional<std::string> Excluded(const json& attribute) {
  absl::StatusOr<std::optional<bool>> deleted = OptionalBool(attribute, "deleted");
  if (!deleted.ok()) return std::string(deleted.status().message());
  if (deleted->value_or(false)) return "deleted in MISP";
  return std::nullopt;
}

bool MarkedToIds(const json& attribute) {
  absl::StatusOr<std::optional<bool>> to_ids = OptionalBool(attribute, "to_ids");
  return to_ids.ok() && to_ids->value_or(false);
}

// Maps the events of one file. The event's own fields come first (Begin); then its attributes
// and objects, one at a time, so that a large event streams.
// MISP objects of the file that become records of their own, by ObjectIdKey of their lower-case
// uuid: the uuid as the object writes it (its record's id is made from that).
using RecordObjects = absl::flat_hash_map<absl::uint128, std::string>;

// Whether a MISP object will have an indicator, so becomes a record (Object() below decides the
// same way): an ObjectReference to it can then be a related record.
bool ObjectBecomesRecord(const json& object, const ImportDefaults& defaults) {
  auto attributes = object.find("Attribute");
  if (attributes == object.end() || !attributes->is_array()) return false;
  for (const json& attribute : *attributes) {
    auto type = OptionalString(attribute, "type");
    auto value = OptionalString(attribute, "value");
    if (!type.ok() || !value.ok() || !*type || !*value || Excluded(attribute)) continue;
    if (kContextTypes.count(**type) || (defaults.ids_only && !MarkedToIds(attribute))) continue;
    if (IndicatorsOfAttribute(**type, **value).ok()) return true;
  }
  return false;
}

class EventMapper {
 public:
  EventMapper(const ImportDefaults& defaults, const RecordObjects& record_objects,
              const ImportedRecordSink& sink, ImportReport& report)
      : defaults_(defaults), record_objects_(record_objects), sink_(sink), report_(report) {}

  // The event without its Attribute and Object lists. An error skips the whole event.
  absl::Status Begin(const json& event);
  absl::Status Attribute(const json& attribute);
  absl::Status Object(const json& object);
  // Sends the event's remaining records.
  absl::Status Finish();
  bool skipping() const { return skipping_; }

 private:
  // Indicators of the event waiting to fill one record of one sharing.
  struct Pending {
    std::vector<v1::Indicator> indicators;
    size_t bytes = 0;  // an estimate of their STIX pattern's length
    size_t part = 1;
  };
  absl::StatusOr<Sharing> SharingOf(const json& item, const Sharing& parent) const;
  v1::Record NewRecord(const Sharing& sharing, const std::string& id_name) const;
  absl::Status Flush(const Sharing& sharing, Pending& pending);
  // Checks a finished record and hands it on, or reports why it is skipped.
  absl::Status Send(v1::Record record, std::string source);

  // Object → object references become related records; each other reference is reported.
  void AddReferences(const json& object, const std::string& where, v1::Record& record);

  const ImportDefaults& defaults_;
  const RecordObjects& record_objects_;
  const ImportedRecordSink& sink_;
  ImportReport& report_;
  bool skipping_ = false;
  std::string uuid_;
  std::string info_;
  Sharing event_sharing_;
  std::vector<std::string> tags_;
  std::vector<v1::Indicator> galaxy_;  // threat actors named by galaxy tags
  int64_t created_ = 0, modified_ = 0;
  std::map<Sharing, Pending> open_;  // the event's records being filled, by their sharing
  // Text, comment and link values for the summaries of the records of each sharing.
  std::map<Sharing, std::vector<std::string>> context_;
  std::map<Sharing, size_t> context_bytes_;
  std::set<Sharing> sent_;  // sharings of the event's records sent
  uint64_t records_sent_ = 0;
};

absl::StatusOr<Sharing> EventMapper::SharingOf(const json& item, const Sharing& parent) const {
  Sharing sharing = parent;
  absl::StatusOr<v1::Tlp> tlp = ReadTags(item, nullptr);
  if (!tlp.ok()) return tlp.status();
  sharing.tlp = StricterTlp(parent.tlp, *tlp);
  absl::StatusOr<std::optional<int64_t>> level = OptionalInteger(item, "distribution");
  if (!level.ok()) return level.status();
  if (*level && **level != kInherit) {
    v1::Distribution mine;
    switch (**level) {
      case 0:
        mine.set_scope(v1::DISTRIBUTION_SCOPE_ORIGIN_ONLY);
        break;
      case 1:
      case 2:
      case 3:
        mine.set_scope(v1::DISTRIBUTION_SCOPE_FEDERATION);
        break;
      case 4:
        if (!defaults_.distribution) {
          return absl::InvalidArgumentError(
              "distribution 4 (a MISP sharing group) has no nexus equivalent: give --scope");
        }
        mine = *defaults_.distribution;
        break;
      default:
        return absl::InvalidArgumentError(absl::StrCat("distribution ", **level, " is not 0 to 5"));
    }
    if (Reach(mine.scope()) < Reach(sharing.distribution.scope())) sharing.distribution = mine;
  }
  return sharing;
}

absl::Status EventMapper::Begin(const json& event) {
  skipping_ = false;
  open_.clear();
  context_.clear();
  context_bytes_.clear();
  records_sent_ = 0;
  sent_.clear();
  tags_.clear();
  galaxy_.clear();
  auto fail = [&](const absl::Status& status) {
    skipping_ = true;
    report_.Skip(absl::StrCat("Event ", QuoteInput(uuid_, 64)), std::string(status.message()));
    return absl::OkStatus();
  };
  absl::StatusOr<std::optional<std::string>> uuid = OptionalString(event, "uuid");
  uuid_ = uuid.ok() && *uuid ? **uuid : "";
  if (!IsCanonicalUuid(absl::AsciiStrToLower(uuid_))) {
    return fail(absl::InvalidArgumentError("the event has no valid uuid"));
  }
  absl::StatusOr<std::optional<std::string>> info = OptionalString(event, "info");
  if (!info.ok()) return fail(info.status());
  info_ = info->value_or("");
  absl::StatusOr<v1::Tlp> tlp = ReadTags(event, &tags_);
  if (!tlp.ok()) return fail(tlp.status());
  event_sharing_.tlp = StricterTlp(defaults_.tlp, *tlp);
  if (event_sharing_.tlp == v1::TLP_UNSPECIFIED) {
    return fail(absl::InvalidArgumentError("no tlp: tag on the event (give --tlp)"));
  }
  // The event's distribution. --scope fills in where the event says none, and stands for a
  // sharing group (4); it never widens what the event says.
  event_sharing_.distribution.set_scope(v1::DISTRIBUTION_SCOPE_FEDERATION);
  if (absl::StatusOr<std::optional<int64_t>> level = OptionalInteger(event, "distribution");
      level.ok() && !*level && defaults_.distribution) {
    event_sharing_.distribution = *defaults_.distribution;
  }
  absl::StatusOr<Sharing> sharing = SharingOf(event, event_sharing_);
  if (!sharing.ok()) return fail(sharing.status());
  event_sharing_.distribution = sharing->distribution;
  // Galaxy clusters of threat actors and intrusion sets name organizations: searchable.
  for (const std::string& tag : tags_) {
    for (const char* prefix :
         {"misp-galaxy:threat-actor=\"", "misp-galaxy:mitre-intrusion-set=\""}) {
      if (absl::StartsWith(tag, prefix) && absl::EndsWith(tag, "\"") &&
          tag.size() > strlen(prefix) + 1) {
        v1::Indicator org;
        org.set_type(v1::INDICATOR_TYPE_ORGANIZATION);
        org.set_value(tag.substr(strlen(prefix), tag.size() - strlen(prefix) - 1));
        galaxy_.push_back(std::move(org));
      }
    }
  }
  // "date" is the day the event happened; "timestamp" its last change (Unix seconds).
  absl::StatusOr<std::optional<std::string>> date = OptionalString(event, "date");
  absl::StatusOr<std::optional<int64_t>> timestamp = OptionalInteger(event, "timestamp");
  if (!date.ok()) return fail(date.status());
  if (!timestamp.ok()) return fail(timestamp.status());
  absl::Time day;
  std::string error;
  if (!*date || !absl::ParseTime("%Y-%m-%d", **date, &day, &error) || day < absl::UnixEpoch()) {
    return fail(absl::InvalidArgumentError("the event has no valid date (YYYY-MM-DD)"));
  }
  created_ = absl::ToUnixMicros(day);
  constexpr int64_t kYear10000 = 253402300800;  // seconds: later times are not times of MISP
  if (*timestamp && (**timestamp < 0 || **timestamp >= kYear10000)) {
    return fail(absl::InvalidArgumentError("the event's timestamp is not a time"));
  }
  modified_ = *timestamp && **timestamp > 0 ? **timestamp * 1000000 : created_;
  created_ = std::min(created_, modified_);
  return absl::OkStatus();
}

v1::Record EventMapper::NewRecord(const Sharing& sharing, const std::string& id_name) const {
  v1::Record record;
  record.set_id(ImportedRecordId(defaults_.agency, id_name));
  record.set_tlp(sharing.tlp);
  *record.mutable_distribution() = sharing.distribution;
  record.set_created_unix_micros(created_);
  record.set_modified_unix_micros(modified_);
  record.set_case_reference(absl::StrCat("MISP event ", uuid_));
  for (const std::string& tag : tags_) record.mutable_tags()->add_values(tag);
  return record;
}

absl::Status EventMapper::Attribute(const json& attribute) {
  if (skipping_) return absl::OkStatus();
  absl::StatusOr<std::optional<std::string>> uuid = OptionalString(attribute, "uuid");
  const std::string where = absl::StrCat("Event ", uuid_, " Attribute ",
                                         QuoteInput(uuid.ok() ? uuid->value_or("") : "", 64));
  auto skip = [&](absl::string_view reason) {
    report_.Skip(where, std::string(reason));
    return absl::OkStatus();
  };
  absl::StatusOr<std::optional<std::string>> type = OptionalString(attribute, "type");
  absl::StatusOr<std::optional<std::string>> value = OptionalString(attribute, "value");
  if (!type.ok() || !value.ok() || !*type || !*value) {
    return skip("an attribute needs string type and value");
  }
  if (std::optional<std::string> excluded = Excluded(attribute)) return skip(*excluded);
  absl::StatusOr<Sharing> sharing = SharingOf(attribute, event_sharing_);
  if (!sharing.ok()) return skip(sharing.status().message());
  // Context goes only into records of its own sharing: a RED comment never rides on GREEN.
  if (kContextTypes.count(**type)) {
    std::vector<std::string>& lines = context_[*sharing];
    // Bounded: a summary holds kMaxSummaryBytes at most, whatever the event holds.
    if (context_bytes_[*sharing] < kMaxSummaryBytes) {
      auto comment = OptionalString(attribute, "comment");
      lines.push_back(absl::StrCat(**type, ": ", **value,
                                   comment.ok() && *comment && !(*comment)->empty()
                                       ? absl::StrCat(" (", **comment, ")")
                                       : ""));
      context_bytes_[*sharing] += lines.back().size() + 1;
    }
    return absl::OkStatus();
  }
  if (defaults_.ids_only && !MarkedToIds(attribute)) {
    return skip("not marked to_ids (--ids-only)");
  }
  absl::StatusOr<AttributeIndicators> indicators = IndicatorsOfAttribute(**type, **value);
  if (!indicators.ok()) return skip(indicators.status().message());
  AddAttributeContext(attribute, indicators->indicators, indicators->notes);
  for (std::string& note : indicators->notes) report_.Note(where, std::move(note));
  Pending& pending = open_[*sharing];
  for (v1::Indicator& indicator : indicators->indicators) {
    // A record stays small enough that its STIX pattern reads back (kMaxStixPatternBytes).
    const size_t bytes = indicator.value().size() + 48;
    if (pending.indicators.size() >= kIndicatorsPerRecord ||
        pending.bytes + bytes > kPatternBudgetBytes) {
      if (absl::Status s = Flush(*sharing, pending); !s.ok()) return s;
    }
    pending.bytes += bytes;
    pending.indicators.push_back(std::move(indicator));
  }
  return absl::OkStatus();
}

absl::Status EventMapper::Object(const json& object) {
  if (skipping_) return absl::OkStatus();
  absl::StatusOr<std::optional<std::string>> uuid = OptionalString(object, "uuid");
  absl::StatusOr<std::optional<std::string>> name = OptionalString(object, "name");
  const std::string object_uuid = uuid.ok() ? uuid->value_or("") : "";
  const std::string where = absl::StrCat("Event ", uuid_, " Object ", QuoteInput(object_uuid, 64));
  if (!IsCanonicalUuid(absl::AsciiStrToLower(object_uuid)) || !name.ok() || !*name) {
    report_.Skip(where, "an object needs a uuid and a name");
    return absl::OkStatus();
  }
  absl::StatusOr<Sharing> sharing = SharingOf(object, event_sharing_);
  if (!sharing.ok()) {
    report_.Skip(where, std::string(sharing.status().message()));
    return absl::OkStatus();
  }
  // The object is one record: it takes the narrowest sharing of any of its attributes.
  std::vector<v1::Indicator> found;
  std::vector<std::string> file_names;  // of a file object: the name of the file its hashes hash
  std::string summary = absl::StrCat(info_, "\n\nMISP object ", **name);
  auto attributes = object.find("Attribute");
  if (attributes != object.end() && attributes->is_array()) {
    for (const json& attribute : *attributes) {
      auto type = OptionalString(attribute, "type");
      auto value = OptionalString(attribute, "value");
      auto relation = OptionalString(attribute, "object_relation");
      auto attr_uuid = OptionalString(attribute, "uuid");
      const std::string attr_where = absl::StrCat(
          where, " Attribute ", QuoteInput(attr_uuid.ok() ? attr_uuid->value_or("") : "", 64));
      if (!type.ok() || !value.ok() || !*type || !*value) {
        report_.Skip(attr_where, "an attribute needs string type and value");
        continue;
      }
      if (std::optional<std::string> excluded = Excluded(attribute)) {
        report_.Skip(attr_where, *excluded);
        continue;
      }
      absl::StatusOr<Sharing> narrowed = SharingOf(attribute, *sharing);
      if (!narrowed.ok()) {
        report_.Skip(where, std::string(narrowed.status().message()));
        return absl::OkStatus();
      }
      sharing = *narrowed;
      if (kContextTypes.count(**type)) {
        absl::StrAppend(&summary, "\n", relation.ok() ? relation->value_or(**type) : **type, ": ",
                        **value);
        continue;
      }
      if (**type == "filename") {
        file_names.push_back(**value);
        continue;
      }
      if (defaults_.ids_only && !MarkedToIds(attribute)) {
        report_.Skip(attr_where, "not marked to_ids (--ids-only)");
        continue;
      }
      absl::StatusOr<AttributeIndicators> indicators = IndicatorsOfAttribute(**type, **value);
      if (!indicators.ok()) {
        report_.Skip(attr_where, std::string(indicators.status().message()));
        continue;
      }
      AddAttributeContext(attribute, indicators->indicators, indicators->notes);
      for (std::string& note : indicators->notes) report_.Note(attr_where, std::move(note));
      for (v1::Indicator& indicator : indicators->indicators) found.push_back(std::move(indicator));
    }
  }
  // A file object's name belongs to its hashes; with several names none is the name.
  for (const std::string& file_name : file_names) {
    bool carried = false;
    for (v1::Indicator& indicator : found) {
      if (file_names.size() == 1 && indicator.type() == v1::INDICATOR_TYPE_FILE_HASH &&
          indicator.file_name().empty()) {
        indicator.set_file_name(file_name);
        carried = true;
      }
    }
    if (!carried) {
      report_.Note(where, absl::StrCat("filename ", QuoteInput(file_name, 96),
                                       file_names.size() == 1
                                           ? ": the object has no file hash to carry it"
                                           : ": the object names several files, so no hash's name "
                                             "is known; not carried"));
    }
  }
  v1::Record record = NewRecord(*sharing, absl::StrCat("misp-object--", object_uuid));
  record.mutable_tags()->add_values(absl::StrCat("misp-object:", **name));
  for (v1::Indicator& indicator : found) *record.add_indicators() = std::move(indicator);
  if (record.indicators().empty()) {
    report_.Skip(where, "the object has no attribute with a nexus indicator type");
    return absl::OkStatus();
  }
  record.set_summary(TruncateText(summary, kMaxSummaryBytes));
  AddReferences(object, where, record);
  return Send(std::move(record), where);
}

void EventMapper::AddReferences(const json& object, const std::string& where, v1::Record& record) {
  auto references = object.find("ObjectReference");
  if (references == object.end() || !references->is_array()) return;
  std::set<std::string> added;
  for (const json& reference : *references) {
    auto uuid = OptionalString(reference, "uuid");
    auto target = OptionalString(reference, "referenced_uuid");
    auto kind = OptionalString(reference, "relationship_type");
    const std::string name =
        absl::StrCat("ObjectReference ", QuoteInput(uuid.ok() ? uuid->value_or("") : "", 64), " (",
                     QuoteInput(kind.ok() ? kind->value_or("") : "", 64), ")");
    if (!target.ok() || !*target) {
      report_.Note(where, absl::StrCat(name, " names no referenced_uuid: not carried"));
      continue;
    }
    auto it = record_objects_.find(ObjectIdKey(absl::AsciiStrToLower(**target)));
    if (it == record_objects_.end()) {
      report_.Note(where, absl::StrCat(name, " to ", QuoteInput(**target, 64),
                                       ": the referenced attribute or object is not a record of "
                                       "its own, so the link is not carried"));
      continue;
    }
    std::string related = ImportedRecordId(defaults_.agency, "misp-object--" + it->second);
    if (related == record.id()) continue;  // an object that names itself links nothing
    if (added.insert(related).second) record.mutable_related()->add_ids(related);
  }
}

absl::Status EventMapper::Flush(const Sharing& sharing, Pending& pending) {
  // The event's main record has the event's name; narrower parts and later chunks have names of
  // their own, made from the sharing and the part number, so that a re-import finds them again.
  std::string name = absl::StrCat("misp-event--", uuid_);
  if (sharing < event_sharing_ || event_sharing_ < sharing) {
    absl::StrAppend(&name, "/tlp-", EnumShortName(v1::Tlp_descriptor(), sharing.tlp, "TLP_"), "/",
                    EnumShortName(v1::DistributionScope_descriptor(), sharing.distribution.scope(),
                                  "DISTRIBUTION_SCOPE_"));
  }
  if (pending.part > 1) absl::StrAppend(&name, "/part-", pending.part);
  ++pending.part;
  v1::Record record = NewRecord(sharing, name);
  for (v1::Indicator& i : pending.indicators) *record.add_indicators() = std::move(i);
  pending.indicators.clear();
  pending.bytes = 0;
  for (const v1::Indicator& org : galaxy_) *record.add_indicators() = org;
  std::string summary = info_;
  for (const std::string& line : context_[sharing]) absl::StrAppend(&summary, "\n", line);
  sent_.insert(sharing);
  record.set_summary(TruncateText(summary, kMaxSummaryBytes));
  const size_t suffix = strlen("misp-event--") + uuid_.size();
  return Send(std::move(record),
              absl::StrCat("Event ", uuid_, name.size() > suffix ? " record " : "",
                           name.substr(std::min(suffix, name.size()))));
}

absl::Status EventMapper::Send(v1::Record record, std::string source) {
  std::vector<std::string> notes;
  if (absl::Status s = CompleteImportedRecord(defaults_, record, &notes); !s.ok()) {
    report_.Skip(std::move(source), std::string(s.message()));
    return absl::OkStatus();
  }
  for (std::string& note : notes) report_.Note(source, std::move(note));
  report_.RecordMapped();
  ++records_sent_;
  return sink_({std::move(record), std::move(source)});
}

absl::Status EventMapper::Finish() {
  if (skipping_) return absl::OkStatus();
  // Galaxy clusters alone make a record of the event's own sharing.
  if (!galaxy_.empty()) open_[event_sharing_];
  for (auto& [sharing, pending] : open_) {
    if (pending.indicators.empty() && pending.part > 1) continue;
    if (absl::Status s = Flush(sharing, pending); !s.ok()) return s;
  }
  if (records_sent_ == 0) {
    report_.Skip(absl::StrCat("Event ", uuid_),
                 "no attribute or object of the event has a nexus indicator type");
  }
  for (const auto& [sharing, lines] : context_) {
    if (!sent_.count(sharing) && records_sent_ > 0) {
      report_.Skip(absl::StrCat("Event ", uuid_),
                   absl::StrCat(lines.size(),
                                " text, comment or link attributes shared more narrowly "
                                "than any indicator of the event: no record to hold them"));
    }
  }
  return absl::OkStatus();
}

class MispImport : public BundleImport {
 public:
  explicit MispImport(ImportDefaults defaults) : defaults_(std::move(defaults)) {
    defaults_.limits.max_element_bytes =
        std::max(defaults_.limits.max_element_bytes, kMaxEventBytes);
  }

  absl::Status Scan(std::FILE* in) override {
    absl::flat_hash_set<absl::uint128> seen;  // ObjectIdKey of each uuid
    auto check_unique = [&](const json& item, absl::string_view what) -> absl::Status {
      absl::StatusOr<std::optional<std::string>> uuid = OptionalString(item, "uuid");
      if (!uuid.ok() || !*uuid) return absl::OkStatus();  // reported when mapped
      if (!seen.insert(ObjectIdKey(**uuid)).second) {
        return absl::InvalidArgumentError(
            absl::StrCat(what, " ", QuoteInput(**uuid, 64), ": duplicate uuid in this file"));
      }
      return absl::OkStatus();
    };
    absl::StatusOr<json> document = ReadJsonStream(
        in, kStreamed, defaults_.limits, [&](size_t path, uint64_t index, json&& item) {
          if (!item.is_object()) {
            return absl::InvalidArgumentError(
                absl::StrCat(kNames[path], "[", index, "]: not a JSON object"));
          }
          if (path == kObject) NoteRecordObject(item);
          if (path != kResponse) return check_unique(item, kNames[path]);
          auto event = item.find("Event");
          if (event == item.end() || !event->is_object()) {
            return absl::InvalidArgumentError(
                absl::StrCat("response[", index, "]: no \"Event\" object"));
          }
          if (absl::Status s = check_unique(*event, "Event"); !s.ok()) return s;
          for (const char* list : {"Attribute", "Object"}) {
            if (auto items = event->find(list); items != event->end() && items->is_array()) {
              for (const json& a : *items) {
                if (absl::Status s = check_unique(a, list); !s.ok()) return s;
                if (list[0] == 'O') NoteRecordObject(a);
              }
            }
          }
          return absl::OkStatus();
        });
    if (!document.ok()) return document.status();
    if (!document->is_object() ||
        (!document->contains("Event") && !document->contains("response"))) {
      return absl::InvalidArgumentError(
          "not a MISP event export: the top level needs \"Event\" or \"response\"");
    }
    if (document->contains("Event")) {
      if (!(*document)["Event"].is_object()) {
        return absl::InvalidArgumentError("not a MISP event export: \"Event\" must be an object");
      }
      header_ = (*document)["Event"];
    }
    return absl::OkStatus();
  }

  absl::Status Emit(std::FILE* in, const ImportedRecordSink& sink, ImportReport& report) override {
    EventMapper mapper(defaults_, record_objects_, sink, report);
    if (header_.is_object()) {
      report.ObjectRead();
      if (absl::Status s = mapper.Begin(header_); !s.ok()) return s;
    }
    absl::StatusOr<json> document = ReadJsonStream(
        in, kStreamed, defaults_.limits, [&](size_t path, uint64_t, json&& item) -> absl::Status {
          report.ObjectRead();
          if (path == kAttribute) return mapper.Attribute(item);
          if (path == kObject) return mapper.Object(item);
          const json& event = item["Event"];
          if (absl::Status s = mapper.Begin(event); !s.ok()) return s;
          for (const char* list : {"Attribute", "Object"}) {
            auto items = event.find(list);
            if (items == event.end() || !items->is_array()) continue;
            for (const json& a : *items) {
              absl::Status s = list[0] == 'A' ? mapper.Attribute(a) : mapper.Object(a);
              if (!s.ok()) return s;
            }
          }
          return mapper.Finish();
        });
    if (!document.ok()) return document.status();
    return header_.is_object() ? mapper.Finish() : absl::OkStatus();
  }

 private:
  enum Path { kAttribute, kObject, kResponse };
  inline static const std::vector<JsonPath> kStreamed = {
      {"Event", "Attribute"}, {"Event", "Object"}, {"response"}};
  static constexpr const char* kNames[] = {"Attribute", "Object", "response"};

  void NoteRecordObject(const json& object) {
    auto uuid = OptionalString(object, "uuid");
    if (uuid.ok() && *uuid && ObjectBecomesRecord(object, defaults_)) {
      record_objects_.emplace(ObjectIdKey(absl::AsciiStrToLower(**uuid)), **uuid);
    }
  }

  ImportDefaults defaults_;
  json header_;  // the single-event form's Event, without its lists
  RecordObjects record_objects_;
};

}  // namespace

std::unique_ptr<BundleImport> NewMispImport(ImportDefaults defaults) {
  return std::make_unique<MispImport>(std::move(defaults));
}

}  // namespace nexus
