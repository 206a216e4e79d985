#include "server/withheld_notes.h"

#include <set>

#include "common/record_validation.h"

namespace nexus {
namespace {

// The manifest's parts, or none if it does not parse (the record was checked when stored).
v1::Manifest ManifestOf(const v1::SignedRecord& record) {
  v1::Manifest manifest;
  if (!manifest.ParseFromString(record.manifest())) manifest.Clear();
  return manifest;
}

std::set<uint32_t> Disclosed(const v1::SignedRecord& record) {
  std::set<uint32_t> parts;
  for (const v1::Disclosure& disclosure : record.disclosures()) parts.insert(disclosure.part());
  return parts;
}

}  // namespace

std::vector<v1::WithheldNote> NotesOfRedaction(const v1::SignedRecord& held,
                                               const v1::SignedRecord& shared,
                                               const std::string& by) {
  std::vector<v1::WithheldNote> notes;
  if (held.disclosures_size() == shared.disclosures_size()) return notes;  // nothing dropped
  const std::set<uint32_t> kept = Disclosed(shared);
  const v1::Manifest manifest = ManifestOf(held);
  for (const v1::Disclosure& disclosure : held.disclosures()) {
    if (kept.contains(disclosure.part()) ||
        disclosure.part() >= static_cast<uint32_t>(manifest.parts_size())) {
      continue;
    }
    v1::WithheldNote& note = notes.emplace_back();
    note.set_part(disclosure.part());
    note.set_kind(manifest.parts(disclosure.part()).kind());
    note.set_by(by);
    if (note.kind() == v1::PART_KIND_INDICATOR) {
      v1::Indicator indicator;
      if (indicator.ParseFromString(disclosure.value())) note.set_indicator_type(indicator.type());
    }
  }
  return notes;
}

std::vector<v1::WithheldNote> CredibleNotes(
    const v1::SignedRecord& record,
    const google::protobuf::RepeatedPtrField<v1::WithheldNote>& notes) {
  std::vector<v1::WithheldNote> kept;
  if (notes.empty()) return kept;
  const std::set<uint32_t> disclosed = Disclosed(record);
  const v1::Manifest manifest = ManifestOf(record);
  std::set<uint32_t> noted;
  for (const v1::WithheldNote& note : notes) {
    if (note.part() >= static_cast<uint32_t>(manifest.parts_size()) ||
        disclosed.contains(note.part()) || noted.contains(note.part()) ||
        manifest.parts(note.part()).kind() != note.kind() || !IsValidAgencyId(note.by()) ||
        !v1::IndicatorType_IsValid(note.indicator_type()) ||
        (note.kind() != v1::PART_KIND_INDICATOR && note.indicator_type() != 0)) {
      continue;
    }
    noted.insert(note.part());
    kept.push_back(note);
  }
  return kept;
}

}  // namespace nexus
