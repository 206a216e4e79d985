// STIX 2.1 bundle → nexus records. Each `indicator` becomes a record; the other objects either
// feed those records (markings, relationships, the threat actors, intrusion sets, campaigns,
// malware and identities that relationships link to an indicator) or are reported as skipped.
// The mapping, property by property, is in README "Interoperability".
#include <algorithm>
#include <limits>
#include <map>
#include <set>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/dissemination_codes.h"
#include "common/interop/bundle_import.h"
#include "common/interop/json_fields.h"
#include "common/interop/stix_common.h"
#include "common/interop/stix_pattern.h"
#include "common/record_validation.h"
#include "common/untrusted_text.h"
#include "common/uuid.h"
#include "nlohmann/json.hpp"

namespace nexus {
namespace {

using nlohmann::json;

// Cyber-observable types: STIX 2.1 lets them omit spec_version.
const std::set<std::string, std::less<>> kObservableTypes = {"artifact",
                                                             "autonomous-system",
                                                             "directory",
                                                             "domain-name",
                                                             "email-addr",
                                                             "email-message",
                                                             "file",
                                                             "ipv4-addr",
                                                             "ipv6-addr",
                                                             "mac-addr",
                                                             "mutex",
                                                             "network-traffic",
                                                             "process",
                                                             "software",
                                                             "url",
                                                             "user-account",
                                                             "windows-registry-key",
                                                             "x509-certificate"};

// Objects a relationship can link to an indicator, and what each becomes in its record.
enum class EntityForm { kOrganization, kPerson, kTag };
struct Entity {
  std::string type;
  std::string name;
  std::vector<std::string> markings;  // a record that uses its name takes these markings too
  EntityForm form = EntityForm::kTag;
  bool nexus_agency = false;  // an identity a nexus export made for an origin agency
};

// What a marking definition means for the records it marks.
struct Marking {
  std::optional<v1::Tlp> tlp;
  std::string statement;  // a statement marking: terms of use, carried in the record
};

struct Relationship {
  std::string id, source, target, type;
  std::string target_record_id;       // x_nexus_target_record_id, written by our own export
  std::vector<std::string> markings;  // a record that uses the link takes these markings too
};

// What an indicator's record gains from a relationship: a related record, or an entity's name.
struct LinkUse {
  std::string target;       // a record id, or an entity's STIX id
  const Relationship* via;  // whose markings apply
};

// What the first pass keeps of each id (under its ObjectIdKey): the newest version's position and
// modified time, and what the second pass needs to know of it.
struct IdEntry {
  uint64_t index = 0;
  int64_t modified = 0;  // kNoTime when the object has none
  bool indicator = false;
  bool own_export = false;  // an indicator of our own export (--own-export): keeps its record id
};

// Every marking an object carries: object markings and those of its granular markings (a
// marking on one property limits the record that carries it, whole).
absl::StatusOr<std::vector<std::string>> MarkingRefs(const json& object) {
  absl::StatusOr<std::vector<std::string>> refs = StringList(object, "object_marking_refs");
  if (!refs.ok()) return refs.status();
  if (auto granular = object.find("granular_markings"); granular != object.end()) {
    if (!granular->is_array()) {
      return absl::InvalidArgumentError("granular_markings must be a list");
    }
    for (const json& g : *granular) {
      absl::StatusOr<std::optional<std::string>> ref = OptionalString(g, "marking_ref");
      if (!ref.ok()) return ref.status();
      if (*ref) refs->push_back(**ref);  // (a granular marking with only "lang" limits nothing)
    }
  }
  return refs;
}
constexpr int64_t kNoTime = std::numeric_limits<int64_t>::min();

// What the pattern cannot say of its indicators: OpenCTI's x_opencti_detection (false: none is
// for detection) and our x_nexus_indicator_context (per indicator: context only, comment, first
// and last seen).
absl::Status AddIndicatorContext(const json& object, std::vector<v1::Indicator>& indicators) {
  absl::StatusOr<std::optional<bool>> detection = OptionalBool(object, kXOpenCtiDetection);
  if (!detection.ok()) return detection.status();
  if (*detection && !**detection) {
    for (v1::Indicator& indicator : indicators) indicator.set_context_only(true);
  }
  auto list = object.find(kXIndicatorContext);
  if (list == object.end()) return absl::OkStatus();
  const absl::Status bad = absl::InvalidArgumentError(absl::StrCat(
      kXIndicatorContext,
      " must be a list of {\"index\": n, \"context_only\", \"comment\", \"first_seen\", "
      "\"last_seen\"} naming the pattern's indicators"));
  if (!list->is_array()) return bad;
  for (const json& entry : *list) {
    absl::StatusOr<std::optional<int64_t>> index = OptionalInteger(entry, "index");
    absl::StatusOr<std::optional<bool>> context_only = OptionalBool(entry, "context_only");
    absl::StatusOr<std::optional<std::string>> comment = OptionalString(entry, "comment");
    if (!entry.is_object() || !index.ok() || !*index || **index < 0 ||
        static_cast<size_t>(**index) >= indicators.size() || !context_only.ok() || !comment.ok()) {
      return bad;
    }
    v1::Indicator& indicator = indicators[static_cast<size_t>(**index)];
    if (context_only->value_or(false)) indicator.set_context_only(true);
    if (*comment) indicator.set_comment(**comment);
    for (auto [key, setter] : {std::pair{"first_seen", &v1::Indicator::set_first_seen_unix_micros},
                               std::pair{"last_seen", &v1::Indicator::set_last_seen_unix_micros}}) {
      absl::StatusOr<std::optional<std::string>> text = OptionalString(entry, key);
      if (!text.ok()) return bad;
      if (!*text) continue;
      absl::StatusOr<int64_t> micros = ParseStixTimestamp(**text);
      if (!micros.ok()) {
        return absl::InvalidArgumentError(
            absl::StrCat(kXIndicatorContext, " ", key, ": ", micros.status().message()));
      }
      (indicator.*setter)(*micros);
    }
  }
  return absl::OkStatus();
}

std::string Where(uint64_t index, absl::string_view id) {
  return absl::StrCat("objects[", index, "]", id.empty() ? "" : " ", QuoteInput(id, 120));
}

class StixImport : public BundleImport {
 public:
  explicit StixImport(ImportDefaults defaults) : defaults_(std::move(defaults)) {}

  absl::Status Scan(std::FILE* in) override;
  absl::Status Emit(std::FILE* in, const ImportedRecordSink& sink, ImportReport& report) override;

 private:
  absl::Status ScanObject(uint64_t index, const json& object);
  void Link();
  absl::Status EmitObject(uint64_t index, const json& object, const ImportedRecordSink& sink,
                          ImportReport& report) const;
  // `notes` gets what of the object the record does not carry as written.
  absl::StatusOr<v1::Record> MapIndicator(const json& object,
                                          std::vector<std::string>* notes) const;
  const IdEntry* Find(absl::string_view id) const {
    auto it = ids_.find(ObjectIdKey(id));
    return it == ids_.end() ? nullptr : &it->second;
  }
  // The record an indicator of this file becomes (an own export's record ids are given by the
  // exported objects themselves: see MapIndicator and Link).
  std::string RecordIdOf(absl::string_view indicator_id) const {
    return ImportedRecordId(defaults_.agency, indicator_id);
  }
  absl::Status AddMarkings(std::vector<std::string> refs, v1::Record& record) const;
  absl::Status AddNexusProperties(const json& object, v1::Record& record) const;

  ImportDefaults defaults_;
  absl::flat_hash_map<absl::uint128, IdEntry> ids_;
  absl::flat_hash_map<std::string, Marking> markings_;
  absl::flat_hash_map<std::string, Entity> entities_;
  // Relationships in file order (of their latest version), so that related ids keep their order.
  std::map<uint64_t, Relationship> relationships_;
  absl::flat_hash_map<absl::uint128, uint64_t> relationship_at_;  // its key in relationships_
  std::set<std::string, std::less<>> authors_;  // identities that indicators name as creator
  // Filled by Link(): what each indicator gains from relationships, and what was used.
  absl::flat_hash_map<std::string, std::vector<LinkUse>> related_;  // indicator → record ids
  absl::flat_hash_map<std::string, std::vector<LinkUse>> linked_;   // indicator → entities
  std::set<std::string, std::less<>> used_;  // relationships and entities that feed a record
};

absl::Status StixImport::Scan(std::FILE* in) {
  absl::StatusOr<json> bundle = ReadJsonStream(
      in, {{"objects"}}, defaults_.limits,
      [&](size_t, uint64_t index, json&& object) { return ScanObject(index, object); });
  if (!bundle.ok()) return bundle.status();
  absl::StatusOr<std::optional<std::string>> type = OptionalString(*bundle, "type");
  if (!bundle->is_object() || !type.ok() || *type != "bundle") {
    return absl::InvalidArgumentError(
        "not a STIX bundle: the top level needs \"type\": \"bundle\"");
  }
  if (auto id = OptionalString(*bundle, "id"); !id.ok() || !*id || StixIdType(**id) != "bundle") {
    return absl::InvalidArgumentError("not a STIX bundle: \"id\" must be bundle--<uuid>");
  }
  if (auto it = bundle->find("spec_version"); it != bundle->end()) {
    // STIX 2.0 bundles carry spec_version; 2.1 bundles do not.
    return absl::InvalidArgumentError(
        absl::StrCat("not a STIX 2.1 bundle: the bundle has spec_version ",
                     QuoteInput(it->dump(), 32), " (STIX 2.0?); only STIX 2.1 is read"));
  }
  auto objects = bundle->find("objects");
  if (objects == bundle->end() || !objects->is_array()) {
    return absl::InvalidArgumentError("not a STIX bundle: \"objects\" must be a list");
  }
  Link();
  return absl::OkStatus();
}

absl::Status StixImport::ScanObject(uint64_t index, const json& object) {
  if (!object.is_object()) {
    return absl::InvalidArgumentError(absl::StrCat(Where(index, ""), ": not a JSON object"));
  }
  absl::StatusOr<std::optional<std::string>> type = OptionalString(object, "type");
  absl::StatusOr<std::optional<std::string>> id = OptionalString(object, "id");
  if (!type.ok() || !*type || !id.ok() || !*id) {
    return absl::InvalidArgumentError(absl::StrCat(Where(index, id.ok() && *id ? **id : ""),
                                                   ": needs string \"type\" and \"id\""));
  }
  if (StixIdType(**id) != **type) {
    return absl::InvalidArgumentError(absl::StrCat(Where(index, **id), ": id must be ",
                                                   QuoteInput(**type, 64), "--<lower-case UUID>"));
  }
  absl::StatusOr<std::optional<std::string>> spec = OptionalString(object, "spec_version");
  if (!spec.ok() || (*spec && **spec != "2.1") || (!*spec && !kObservableTypes.count(**type))) {
    return absl::InvalidArgumentError(
        absl::StrCat(Where(index, **id), ": not STIX 2.1 (spec_version ",
                     spec.ok() && *spec ? QuoteInput(**spec, 16) : "missing", ")"));
  }
  absl::StatusOr<std::optional<std::string>> modified = OptionalString(object, "modified");
  if (!modified.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat(Where(index, **id), ": ", modified.status().message()));
  }
  int64_t version = kNoTime;
  if (*modified) {
    absl::StatusOr<int64_t> micros = ParseStixTimestamp(**modified);
    if (!micros.ok()) {
      return absl::InvalidArgumentError(
          absl::StrCat(Where(index, **id), ": modified: ", micros.status().message()));
    }
    version = *micros;
  }
  auto [it, inserted] = ids_.try_emplace(ObjectIdKey(**id), IdEntry{index, version});
  if (!inserted) {
    // Versions of one object share its id and differ in `modified`; the same pair twice is a
    // duplicate whose two contents would compete.
    if (it->second.modified == version) {
      return absl::InvalidArgumentError(
          absl::StrCat(Where(index, **id), ": duplicate id: objects[", it->second.index,
                       "] has the same id", version == kNoTime ? "" : " and modified time"));
    }
    if (version < it->second.modified) return absl::OkStatus();  // older: not the one used
    it->second.index = index;
    it->second.modified = version;
  }
  if (**type == "indicator") {
    it->second.indicator = true;
    // With --own-export, our own export names the record: such an indicator is that record again.
    auto origin = OptionalString(object, kXOriginAgency);
    it->second.own_export =
        defaults_.own_export && origin.ok() && *origin && **origin == defaults_.agency;
    // A pattern no reader takes is a broken file, not one object to skip.
    if (auto pattern = OptionalString(object, "pattern");
        pattern.ok() && *pattern && (*pattern)->size() > kMaxStixPatternBytes) {
      return absl::InvalidArgumentError(absl::StrCat(Where(index, **id), ": pattern is ",
                                                     (*pattern)->size(), " bytes; the limit is ",
                                                     kMaxStixPatternBytes));
    }
    if (auto author = OptionalString(object, "created_by_ref"); author.ok() && *author) {
      authors_.insert(**author);
    }
  } else if (**type == "marking-definition") {
    // A marking definition's own object_marking_refs govern the definition (who may read the
    // marking's text), not the objects it marks: they are not followed, so a definition marked
    // by one absent from the bundle still marks what it marks (tests: a marked marking).
    Marking marking;
    auto definition_type = OptionalString(object, "definition_type");
    auto name = OptionalString(object, "name");
    if (definition_type.ok() && *definition_type == "tlp") {
      if (auto def = object.find("definition"); def != object.end() && def->is_object()) {
        if (auto level = OptionalString(*def, "tlp"); level.ok() && *level)
          marking.tlp = TlpFromName(**level);
      }
    } else if (definition_type.ok() && *definition_type == "statement") {
      if (auto def = object.find("definition"); def != object.end() && def->is_object()) {
        if (auto text = OptionalString(*def, "statement"); text.ok() && *text)
          marking.statement = **text;
      }
    } else if (auto ext = object.find("extensions"); ext != object.end() && ext->is_object()) {
      // TLP 2.0 as the OASIS extension writes it: {"tlp_2_0": "amber+strict"}.
      for (const auto& [key, value] : ext->items()) {
        if (auto level = OptionalString(value, "tlp_2_0"); level.ok() && *level)
          marking.tlp = TlpFromName(**level);
      }
    }
    if (!marking.tlp && marking.statement.empty() && name.ok() && *name) {
      marking.tlp = TlpFromName(**name);
    }
    markings_[**id] = std::move(marking);
  } else if (**type == "relationship") {
    auto source = OptionalString(object, "source_ref");
    auto target = OptionalString(object, "target_ref");
    auto kind = OptionalString(object, "relationship_type");
    auto target_record = OptionalString(object, kXTargetRecordId);
    auto refs = MarkingRefs(object);
    if (source.ok() && *source && target.ok() && *target && kind.ok() && *kind && refs.ok()) {
      // A newer version replaces the older one, at its own place in the file.
      auto [at, first] = relationship_at_.try_emplace(ObjectIdKey(**id), index);
      if (!first) relationships_.erase(std::exchange(at->second, index));
      relationships_[index] = {
          **id, **source, **target, **kind, target_record.ok() ? target_record->value_or("") : "",
          *refs};
    }
  } else if (**type == "threat-actor" || **type == "intrusion-set" || **type == "identity" ||
             **type == "campaign" || **type == "malware" || **type == "tool" ||
             **type == "attack-pattern") {
    Entity entity{**type, "", {}, EntityForm::kTag};
    if (auto name = OptionalString(object, "name"); name.ok() && *name) entity.name = **name;
    absl::StatusOr<std::vector<std::string>> refs = MarkingRefs(object);
    // Markings that cannot be read are limits that cannot be honoured: a record using the
    // entity is skipped (the placeholder resolves to no known marking).
    entity.markings =
        refs.ok() ? *std::move(refs) : std::vector<std::string>{"(unreadable markings)"};
    if (**type == "intrusion-set") entity.form = EntityForm::kOrganization;
    if (**type == "threat-actor") {
      auto level = OptionalString(object, "resource_level");
      entity.form =
          level.ok() && *level == "individual" ? EntityForm::kPerson : EntityForm::kOrganization;
    }
    if (**type == "identity") {
      auto kind = OptionalString(object, "identity_class");
      entity.form =
          kind.ok() && *kind == "individual" ? EntityForm::kPerson : EntityForm::kOrganization;
      entity.nexus_agency = object.contains(kXAgencyId);
    }
    entities_[**id] = std::move(entity);
  }
  return absl::OkStatus();
}

// Resolves relationships into what each indicator's record gains: related records (indicator to
// indicator, kept in the source's record as STIX relationships are directed) and linked entities
// (either direction).
void StixImport::Link() {
  for (const std::string& author : authors_) {
    if (entities_.count(author)) used_.insert(author);  // becomes a "source:" tag
  }
  for (const auto& [index, r] : relationships_) {
    const IdEntry* source = Find(r.source);
    const IdEntry* target = Find(r.target);
    const bool source_indicator = source != nullptr && source->indicator;
    const bool target_indicator = target != nullptr && target->indicator;
    const bool own = (source_indicator && source->own_export) || (target && target->own_export);
    if (source_indicator && own) {
      // Our own export names the related record itself; the bundle need not hold it.
      if (r.type != "related-to" || !IsCanonicalUuid(r.target_record_id)) continue;
      related_[r.source].push_back({r.target_record_id, &r});
    } else if (source_indicator && target_indicator) {
      related_[r.source].push_back({RecordIdOf(r.target), &r});
    } else if (source_indicator && entities_.count(r.target)) {
      linked_[r.source].push_back({r.target, &r});
      used_.insert(r.target);
    } else if (target_indicator && entities_.count(r.source)) {
      linked_[r.target].push_back({r.source, &r});
      used_.insert(r.source);
    } else {
      continue;
    }
    used_.insert(r.id);
  }
}

absl::Status StixImport::Emit(std::FILE* in, const ImportedRecordSink& sink, ImportReport& report) {
  absl::StatusOr<json> bundle = ReadJsonStream(in, {{"objects"}}, defaults_.limits,
                                               [&](size_t, uint64_t index, json&& object) {
                                                 return EmitObject(index, object, sink, report);
                                               });
  return bundle.status();
}

absl::Status StixImport::EmitObject(uint64_t index, const json& object,
                                    const ImportedRecordSink& sink, ImportReport& report) const {
  report.ObjectRead();
  // Scan checked every object's id and type, unless the file changed since.
  auto id_field = object.find("id");
  auto type_field = object.find("type");
  const IdEntry* entry = id_field != object.end() && id_field->is_string()
                             ? Find(id_field->get_ref<const std::string&>())
                             : nullptr;
  if (entry == nullptr || type_field == object.end() || !type_field->is_string()) {
    return absl::DataLossError(absl::StrCat(
        Where(index, ""), " is not what the first pass read: the file changed during the import"));
  }
  const std::string& id = id_field->get_ref<const std::string&>();
  const std::string& type = type_field->get_ref<const std::string&>();
  if (entry->index != index) {
    report.Superseded();
    return absl::OkStatus();
  }
  if (type == "indicator") {
    std::vector<std::string> notes;
    absl::StatusOr<v1::Record> record = MapIndicator(object, &notes);
    if (!record.ok()) {
      report.Skip(Where(index, id), std::string(record.status().message()));
      return absl::OkStatus();
    }
    for (std::string& note : notes) report.Note(Where(index, id), std::move(note));
    report.RecordMapped();
    return sink({*std::move(record), Where(index, id)});
  }
  if (type == "marking-definition" || used_.count(id)) return absl::OkStatus();
  std::string reason;
  if (type == "relationship") {
    reason =
        "the relationship links no indicator of this bundle to another indicator or to a threat "
        "actor, intrusion set, campaign, malware, tool, attack pattern or identity";
  } else if (entities_.count(id)) {
    reason = absl::StrCat(type, " is linked to no indicator by a relationship");
  } else {
    reason =
        absl::StrCat(QuoteInput(type, 64), " has no nexus form (only indicators become records)");
  }
  report.Skip(Where(index, id), std::move(reason));
  return absl::OkStatus();
}

absl::StatusOr<v1::Record> StixImport::MapIndicator(const json& object,
                                                    std::vector<std::string>* notes) const {
  const std::string& stix_id = object["id"].get_ref<const std::string&>();
  auto string = [&](const char* key) { return OptionalString(object, key); };
  absl::StatusOr<std::optional<std::string>> pattern_type = string("pattern_type");
  absl::StatusOr<std::optional<std::string>> pattern = string("pattern");
  if (!pattern_type.ok()) return pattern_type.status();
  if (!pattern.ok()) return pattern.status();
  if (!*pattern) return absl::InvalidArgumentError("the indicator has no pattern");
  if (*pattern_type != "stix") {
    return absl::InvalidArgumentError(absl::StrCat("pattern_type ",
                                                   QuoteInput(pattern_type->value_or(""), 32),
                                                   " is not supported (only stix)"));
  }
  if (auto revoked = OptionalBool(object, "revoked"); !revoked.ok() || revoked->value_or(false)) {
    return absl::InvalidArgumentError(
        "the indicator is revoked (a record already imported from it is revoked with nexusctl "
        "revoke)");
  }
  absl::StatusOr<PatternIndicators> parsed = IndicatorsFromStixPattern(**pattern);
  if (!parsed.ok()) {
    return absl::InvalidArgumentError(absl::StrCat("pattern: ", parsed.status().message()));
  }

  v1::Record record;
  // Our own export carries the record's id and origin. A record of another agency is not ours to
  // publish: that would put our signature, and our limits, on its content. Our own is restored
  // under its id only when the user says the file is our export (--own-export): otherwise any
  // bundle could name, and overwrite, any of our records.
  absl::StatusOr<std::optional<std::string>> origin = string(kXOriginAgency);
  if (!origin.ok()) return origin.status();
  if (*origin && **origin != defaults_.agency) {
    return absl::InvalidArgumentError(absl::StrCat("a record of agency ", QuoteInput(**origin, 64),
                                                   ": only its origin may publish it"));
  }
  if (*origin && !defaults_.own_export) {
    return absl::InvalidArgumentError(
        "an exported record of this agency: give --own-export to restore it under its record id "
        "(only for a file you exported yourself)");
  }
  if (*origin) {
    absl::StatusOr<std::optional<std::string>> record_id = string(kXRecordId);
    if (!record_id.ok() || !*record_id || !IsCanonicalUuid(**record_id)) {
      return absl::InvalidArgumentError(
          absl::StrCat(kXRecordId, " must be the record's id (a lower-case UUID)"));
    }
    record.set_id(**record_id);
  } else {
    record.set_id(RecordIdOf(stix_id));
  }
  if (auto withheld = StringList(object, kXWithheld); !withheld.ok() || !withheld->empty()) {
    return absl::InvalidArgumentError(
        "parts of this record were withheld from the copy exported (x_nexus_withheld): importing "
        "it would publish less than the record holds");
  }
  // Every object whose content the record takes lends it its markings too: a name from a RED
  // threat actor does not travel under the indicator's GREEN.
  absl::StatusOr<std::vector<std::string>> refs = MarkingRefs(object);
  if (!refs.ok()) return refs.status();
  if (absl::Status s = AddIndicatorContext(object, parsed->indicators); !s.ok()) return s;
  for (v1::Indicator& indicator : parsed->indicators)
    *record.add_indicators() = std::move(indicator);
  std::vector<std::string> entity_tags;
  if (auto it = linked_.find(stix_id); it != linked_.end()) {
    for (const LinkUse& link : it->second) {
      const Entity& entity = entities_.at(link.target);
      if (entity.name.empty()) continue;
      refs->insert(refs->end(), entity.markings.begin(), entity.markings.end());
      refs->insert(refs->end(), link.via->markings.begin(), link.via->markings.end());
      if (entity.form == EntityForm::kTag) {
        entity_tags.push_back(absl::StrCat(entity.type, ":", entity.name));
      } else {
        v1::Indicator* indicator = record.add_indicators();
        indicator->set_type(entity.form == EntityForm::kPerson ? v1::INDICATOR_TYPE_PERSON
                                                               : v1::INDICATOR_TYPE_ORGANIZATION);
        indicator->set_value(entity.name);
      }
    }
  }
  if (auto it = related_.find(stix_id); it != related_.end()) {
    for (const LinkUse& link : it->second) {
      record.mutable_related()->add_ids(link.target);
      refs->insert(refs->end(), link.via->markings.begin(), link.via->markings.end());
    }
  }
  if (auto author = string("created_by_ref"); author.ok() && *author) {
    auto it = entities_.find(**author);
    if (it != entities_.end() && !it->second.nexus_agency && !it->second.name.empty()) {
      entity_tags.push_back(absl::StrCat("source:", it->second.name));
      refs->insert(refs->end(), it->second.markings.begin(), it->second.markings.end());
    }
  }

  // Times: the object's own, kept.
  for (auto [key, setter] : {std::pair{"created", &v1::Record::set_created_unix_micros},
                             std::pair{"modified", &v1::Record::set_modified_unix_micros}}) {
    absl::StatusOr<std::optional<std::string>> text = string(key);
    if (!text.ok()) return text.status();
    if (!*text)
      return absl::InvalidArgumentError(absl::StrCat("the indicator has no ", key, " time"));
    absl::StatusOr<int64_t> micros = ParseStixTimestamp(**text);
    if (!micros.ok())
      return absl::InvalidArgumentError(absl::StrCat(key, ": ", micros.status().message()));
    (record.*setter)(*micros);
  }

  // Summary: name, description, or both separated by a blank line (export splits there).
  absl::StatusOr<std::optional<std::string>> name = string("name");
  absl::StatusOr<std::optional<std::string>> description = string("description");
  if (!name.ok()) return name.status();
  if (!description.ok()) return description.status();
  if (*name && *description) {
    record.set_summary(absl::StrCat(**name, "\n\n", **description));
  } else if (*name || *description) {
    record.set_summary(*name ? **name : **description);
  }

  // Tags keep their order (labels as written, then what the import adds): the node compares
  // content byte for byte, so a re-import must give the same list.
  absl::StatusOr<std::vector<std::string>> labels = StringList(object, "labels");
  absl::StatusOr<std::vector<std::string>> types = StringList(object, "indicator_types");
  if (!labels.ok()) return labels.status();
  if (!types.ok()) return types.status();
  std::vector<std::string> tags = *labels;
  for (const std::string& type : *types)
    tags.push_back(absl::StrCat(kIndicatorTypeTagPrefix, type));
  if (parsed->all_of) tags.push_back(kAllOfTag);
  tags.insert(tags.end(), entity_tags.begin(), entity_tags.end());
  std::set<std::string> seen;
  for (const std::string& tag : tags) {
    if (seen.insert(tag).second) record.mutable_tags()->add_values(tag);
  }

  if (auto refs = object.find("external_references"); refs != object.end()) {
    if (!refs->is_array()) return absl::InvalidArgumentError("external_references must be a list");
    std::string first;
    for (const json& ref : *refs) {
      auto source = OptionalString(ref, "source_name");
      auto external_id = OptionalString(ref, "external_id");
      if (!source.ok() || !external_id.ok() || !*external_id) continue;
      if (*source == kCaseReferenceSource) {
        first = **external_id;
        break;
      }
      if (first.empty()) first = absl::StrCat(source->value_or(""), ":", **external_id);
    }
    if (!first.empty()) record.set_case_reference(first);
  }

  if (absl::Status s = AddMarkings(*std::move(refs), record); !s.ok()) return s;
  if (absl::Status s = AddNexusProperties(object, record); !s.ok()) return s;
  if (absl::Status s = CompleteImportedRecord(defaults_, record, notes); !s.ok()) return s;
  return record;
}

// TLP from the object's markings (object and granular, TLP 2.0 and 1.0 ids, or definitions in
// the bundle), the stricter of all and of --tlp; statement markings become the record's terms of
// use (a disclaimer is text for people, not a handling code that policies match). A marking this
// import cannot read is a limit it cannot honour: the object is skipped.
absl::Status StixImport::AddMarkings(std::vector<std::string> refs, v1::Record& record) const {
  v1::Tlp tlp = defaults_.tlp;
  std::set<std::string> statements;
  for (const std::string& ref : refs) {
    if (std::optional<v1::Tlp> standard = TlpOfStandardMarking(ref)) {
      tlp = StricterTlp(tlp, *standard);
      continue;
    }
    auto it = markings_.find(ref);
    if (it == markings_.end() || (!it->second.tlp && it->second.statement.empty())) {
      return absl::InvalidArgumentError(
          absl::StrCat("marking ", QuoteInput(ref, 100),
                       " is neither a TLP marking nor a statement defined in this bundle: it "
                       "cannot be honoured"));
    }
    if (it->second.tlp) tlp = StricterTlp(tlp, *it->second.tlp);
    const std::string& statement = it->second.statement;
    if (!statement.empty() && statements.insert(statement).second) {
      record.add_terms_of_use(statement);
      // Policies and originator limits read handling codes, not terms of use: a statement that
      // stops onward sharing is a handling code too, and one too long to be a code cannot be
      // honoured.
      if (IsNoFurtherDisseminationCode(statement)) {
        if (statement.size() > kMaxShortTextBytes ||
            statement.find_first_of("\r\n\t") != std::string::npos) {
          return absl::InvalidArgumentError(absl::StrCat(
              "statement marking ", QuoteInput(ref, 100),
              " limits dissemination but is too long for a handling code: it cannot be honoured"));
        }
        record.add_handling_codes(statement);
      }
    }
  }
  if (tlp == v1::TLP_UNSPECIFIED) {
    return absl::InvalidArgumentError("no TLP marking (give --tlp to import unmarked objects)");
  }
  record.set_tlp(tlp);
  return absl::OkStatus();
}

// x_nexus_* properties: what STIX has no word for, and confidence → credibility.
absl::Status StixImport::AddNexusProperties(const json& object, v1::Record& record) const {
  v1::Assessment& assessment = *record.mutable_assessment();
  absl::StatusOr<std::optional<int64_t>> confidence = OptionalInteger(object, "confidence");
  if (!confidence.ok()) return confidence.status();
  if (*confidence) {
    if (**confidence < 0 || **confidence > 100) {
      return absl::InvalidArgumentError("confidence must be 0 to 100");
    }
    assessment.set_information_credibility(
        CredibilityFromConfidence(static_cast<int>(**confidence)));
  }
  absl::StatusOr<std::optional<int64_t>> credibility = OptionalInteger(object, kXCredibility);
  if (!credibility.ok()) return credibility.status();
  if (*credibility) {
    if (**credibility < 1 || **credibility > 6) {
      return absl::InvalidArgumentError(absl::StrCat(kXCredibility, " must be 1 to 6"));
    }
    assessment.set_information_credibility(static_cast<v1::InformationCredibility>(**credibility));
  }
  auto enum_property = [&](const char* key, const google::protobuf::EnumDescriptor* type,
                           absl::string_view prefix) -> absl::StatusOr<int> {
    absl::StatusOr<std::optional<std::string>> text = OptionalString(object, key);
    if (!text.ok()) return text.status();
    if (!*text) return 0;
    std::optional<int> value = EnumFromShortName(type, prefix, **text);
    if (!value) {
      return absl::InvalidArgumentError(
          absl::StrCat(key, ": ", QuoteInput(**text, 64), " is not a known value"));
    }
    return *value;
  };
  absl::StatusOr<int> nexus_type =
      enum_property(kXNexusType, v1::NexusType_descriptor(), "NEXUS_TYPE_");
  absl::StatusOr<int> reliability =
      enum_property(kXSourceReliability, v1::SourceReliability_descriptor(), "SOURCE_RELIABILITY_");
  if (!nexus_type.ok()) return nexus_type.status();
  if (!reliability.ok()) return reliability.status();
  assessment.set_nexus_type(static_cast<v1::NexusType>(*nexus_type));
  assessment.set_source_reliability(static_cast<v1::SourceReliability>(*reliability));
  absl::StatusOr<std::vector<std::string>> points = StringList(object, kXWatchPoints);
  if (!points.ok()) return points.status();
  for (const std::string& point : *points) {
    std::optional<int> value =
        EnumFromShortName(v1::WatchPoint_descriptor(), "WATCH_POINT_", point);
    if (!value) {
      return absl::InvalidArgumentError(
          absl::StrCat(kXWatchPoints, ": ", QuoteInput(point, 64), " is not a nexus watch point"));
    }
    assessment.add_watch_points(static_cast<v1::WatchPoint>(*value));
  }
  absl::StatusOr<std::vector<std::string>> codes = StringList(object, kXHandlingCodes);
  if (!codes.ok()) return codes.status();
  for (const std::string& code : *codes) {
    // Our own export writes a limiting statement both as a code and as a marking.
    if (std::find(record.handling_codes().begin(), record.handling_codes().end(), code) ==
        record.handling_codes().end()) {
      record.add_handling_codes(code);
    }
  }

  if (auto it = object.find(kXDistribution); it != object.end()) {
    v1::Distribution& distribution = *record.mutable_distribution();
    absl::StatusOr<std::optional<std::string>> scope = OptionalString(*it, "scope");
    absl::StatusOr<std::vector<std::string>> agencies = StringList(*it, "agencies");
    absl::StatusOr<std::vector<std::string>> groups = StringList(*it, "groups");
    std::optional<int> value;
    if (scope.ok() && *scope) {
      value = EnumFromShortName(v1::DistributionScope_descriptor(), "DISTRIBUTION_SCOPE_", **scope);
    }
    if (!it->is_object() || !value || !agencies.ok() || !groups.ok()) {
      return absl::InvalidArgumentError(
          absl::StrCat(kXDistribution,
                       " must be {\"scope\": \"federation\"|\"group\"|\"named-agencies\"|"
                       "\"origin-only\", \"agencies\": [...], \"groups\": [...]}"));
    }
    distribution.set_scope(static_cast<v1::DistributionScope>(*value));
    for (const std::string& a : *agencies) distribution.add_agencies(a);
    for (const std::string& g : *groups) distribution.add_groups(g);
  }
  return absl::OkStatus();
}

}  // namespace

std::unique_ptr<BundleImport> NewStixImport(ImportDefaults defaults) {
  return std::make_unique<StixImport>(std::move(defaults));
}

}  // namespace nexus
