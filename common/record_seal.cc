#include "common/record_seal.h"

#include <set>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/enum_values.h"
#include "common/untrusted_text.h"

namespace nexus {
namespace {

constexpr absl::string_view kPartDomain = "nexus.v1.part";
constexpr absl::string_view kSignatureDomain = "nexus.v1.record";
constexpr size_t kSaltBytes = 16;

std::string PartDigest(absl::string_view salt, v1::PartKind kind, absl::string_view value) {
  const char kind_byte = static_cast<char>(kind);
  return DigestBytes(Sha256Of({kPartDomain, salt, absl::string_view(&kind_byte, 1), value}));
}

std::string SignedMessage(absl::string_view manifest) {
  return absl::StrCat(kSignatureDomain, manifest);
}

// Builds the manifest and the disclosures side by side, one part at a time.
class Sealer {
 public:
  // One RandomBytes call for every salt: the RNG's per-call overhead exceeds drawing 16 bytes.
  explicit Sealer(size_t parts) : salts_(RandomBytes(parts * kSaltBytes)) {}

  void Add(v1::PartKind kind, std::string value) {
    std::string salt = salts_.substr(manifest_.parts_size() * kSaltBytes, kSaltBytes);
    v1::PartDigest* digest = manifest_.add_parts();
    digest->set_kind(kind);
    digest->set_digest(PartDigest(salt, kind, value));
    v1::Disclosure* disclosure = signed_.add_disclosures();
    disclosure->set_part(manifest_.parts_size() - 1);
    disclosure->set_salt(std::move(salt));
    disclosure->set_value(std::move(value));
  }

  v1::SignedRecord Finish(const v1::RecordHeader& header, const PrivateKey& key,
                          absl::string_view key_id) {
    manifest_.set_header(header.SerializeAsString());
    std::string manifest_bytes = manifest_.SerializeAsString();
    signed_.set_signature(key.Sign(SignedMessage(manifest_bytes)));
    signed_.set_manifest(std::move(manifest_bytes));
    signed_.set_key_id(std::string(key_id));
    return std::move(signed_);
  }

 private:
  std::string salts_;
  v1::Manifest manifest_;
  v1::SignedRecord signed_;
};

v1::RecordHeader HeaderOf(const v1::Record& record) {
  v1::RecordHeader header;
  header.set_id(record.id());
  header.set_origin_agency(record.origin_agency());
  header.set_version(record.version());
  header.set_created_unix_micros(record.created_unix_micros());
  header.set_modified_unix_micros(record.modified_unix_micros());
  header.set_tlp(record.tlp());
  *header.mutable_distribution() = record.distribution();
  *header.mutable_handling_codes() = record.handling_codes();
  *header.mutable_terms_of_use() = record.terms_of_use();
  header.set_revoked(record.revoked());
  header.set_revocation_reason(record.revocation_reason());
  return header;
}

void CopyHeader(const v1::RecordHeader& header, v1::Record& record) {
  record.set_id(header.id());
  record.set_origin_agency(header.origin_agency());
  record.set_version(header.version());
  record.set_created_unix_micros(header.created_unix_micros());
  record.set_modified_unix_micros(header.modified_unix_micros());
  record.set_tlp(header.tlp());
  *record.mutable_distribution() = header.distribution();
  *record.mutable_handling_codes() = header.handling_codes();
  *record.mutable_terms_of_use() = header.terms_of_use();
  record.set_revoked(header.revoked());
  record.set_revocation_reason(header.revocation_reason());
}

absl::Status Broken(absl::string_view what) {
  return absl::DataLossError(absl::StrCat("record does not verify: ", what));
}

// Decodes one verified part into `record`.
absl::Status DecodePart(v1::PartKind kind, const std::string& value, v1::Record& record) {
  bool ok = true;
  switch (kind) {
    case v1::PART_KIND_CASE_REFERENCE:
      // Text parts travel as bytes; as the record's string fields they must be UTF-8, as any
      // parsed string field is.
      ok = IsValidUtf8(value);
      record.set_case_reference(value);
      break;
    case v1::PART_KIND_ASSESSMENT:
      ok = record.mutable_assessment()->ParseFromString(value);
      break;
    case v1::PART_KIND_INDICATOR:
      ok = record.add_indicators()->ParseFromString(value);
      break;
    case v1::PART_KIND_TAGS:
      ok = record.mutable_tags()->ParseFromString(value);
      break;
    case v1::PART_KIND_SUMMARY:
      ok = IsValidUtf8(value);
      record.set_summary(value);
      break;
    case v1::PART_KIND_RELATED:
      ok = record.mutable_related()->ParseFromString(value);
      break;
    default:
      return Broken(absl::StrCat("unknown part kind ", static_cast<int>(kind)));
  }
  if (!ok) return Broken(absl::StrCat(v1::PartKind_Name(kind), " part is malformed"));
  return absl::OkStatus();
}

}  // namespace

v1::SignedRecord SealRecord(const v1::Record& record, const PrivateKey& key,
                            absl::string_view key_id) {
  const bool has_case = !record.case_reference().empty();
  const bool has_tags = !record.tags().values().empty();
  const bool has_summary = !record.summary().empty();
  const bool has_related = !record.related().ids().empty();
  Sealer sealer(1 + record.indicators_size() + has_case + has_tags + has_summary + has_related);
  if (has_case) {
    sealer.Add(v1::PART_KIND_CASE_REFERENCE, record.case_reference());
  }
  sealer.Add(v1::PART_KIND_ASSESSMENT, record.assessment().SerializeAsString());
  for (const v1::Indicator& indicator : record.indicators()) {
    sealer.Add(v1::PART_KIND_INDICATOR, indicator.SerializeAsString());
  }
  if (has_tags) sealer.Add(v1::PART_KIND_TAGS, record.tags().SerializeAsString());
  if (has_summary) sealer.Add(v1::PART_KIND_SUMMARY, record.summary());
  if (has_related) {
    sealer.Add(v1::PART_KIND_RELATED, record.related().SerializeAsString());
  }
  return sealer.Finish(HeaderOf(record), key, key_id);
}

absl::StatusOr<v1::RecordHeader> PeekHeader(const v1::SignedRecord& signed_record) {
  v1::Manifest manifest;
  v1::RecordHeader header;
  if (!manifest.ParseFromString(signed_record.manifest()) ||
      !header.ParseFromString(manifest.header())) {
    return Broken("manifest is malformed");
  }
  return header;
}

// Decodes `signed_record`; checks the signature and every disclosed digest when `keys` is set.
static absl::StatusOr<OpenedRecord> Open(const v1::SignedRecord& signed_record,
                                         const Keyring* keys) {
  v1::Manifest manifest;
  OpenedRecord opened;
  if (!manifest.ParseFromString(signed_record.manifest()) ||
      !opened.header.ParseFromString(manifest.header())) {
    return Broken("manifest is malformed");
  }
  const v1::RecordHeader& header = opened.header;
  for (int i = 0; i < manifest.parts_size(); ++i) {
    const int kind = manifest.parts(i).kind();
    if (kind == v1::PART_KIND_UNSPECIFIED || !v1::PartKind_IsValid(kind)) {
      return Broken(UndefinedValueProblem(absl::StrCat("manifest part ", i, " kind"), kind,
                                          *v1::PartKind_descriptor()));
    }
  }
  const PublicKey* key =
      keys == nullptr ? nullptr : keys->Find(header.origin_agency(), signed_record.key_id());
  if (keys != nullptr && key == nullptr) {
    return absl::FailedPreconditionError(
        absl::StrCat("no public key for agency ", QuoteInput(header.origin_agency()), " key id ",
                     QuoteInput(signed_record.key_id())));
  }
  if (key != nullptr &&
      !key->Verify(SignedMessage(signed_record.manifest()), signed_record.signature())) {
    return Broken(absl::StrCat("signature of agency ", QuoteInput(header.origin_agency()),
                               " key id ", QuoteInput(signed_record.key_id()), " is not valid"));
  }

  CopyHeader(header, opened.record);
  std::set<absl::string_view> salts;
  int next_part = 0;  // disclosures come in manifest order; anything in between is withheld
  for (const v1::Disclosure& disclosure : signed_record.disclosures()) {
    const int part = static_cast<int>(disclosure.part());
    if (part < next_part || part >= manifest.parts_size()) {
      return Broken(absl::StrCat("disclosure of part ", part, " is out of order or out of range"));
    }
    for (; next_part < part; ++next_part) {
      opened.withheld.push_back(
          {static_cast<uint32_t>(next_part), manifest.parts(next_part).kind()});
    }
    next_part = part + 1;
    const v1::PartDigest& expected = manifest.parts(part);
    if (disclosure.salt().size() != kSaltBytes) {
      return Broken(absl::StrCat("part ", part, " has a ", disclosure.salt().size(),
                                 "-byte salt; expected ", kSaltBytes));
    }
    if (!salts.insert(disclosure.salt()).second) {
      return Broken(absl::StrCat("part ", part, " reuses the salt of another part"));
    }
    if (keys != nullptr &&
        PartDigest(disclosure.salt(), expected.kind(), disclosure.value()) != expected.digest()) {
      return Broken(absl::StrCat("part ", part, " (", v1::PartKind_Name(expected.kind()),
                                 ") does not match its signed digest"));
    }
    if (absl::Status s = DecodePart(expected.kind(), disclosure.value(), opened.record); !s.ok()) {
      return s;
    }
  }
  for (; next_part < manifest.parts_size(); ++next_part) {
    opened.withheld.push_back({static_cast<uint32_t>(next_part), manifest.parts(next_part).kind()});
  }
  // A validly signed record may still hold numbers its enums do not define (its signer is not
  // trusted to have validated it): no one downstream compares or shifts by such a value.
  std::vector<std::string> undefined;
  FindUndefinedRecordValues(opened.record, undefined);
  if (!undefined.empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat("record is malformed: ", absl::StrJoin(undefined, "; ")));
  }
  return opened;
}

void WithholdPart(v1::SignedRecord& signed_record, uint32_t index) {
  auto* disclosures = signed_record.mutable_disclosures();
  for (int i = 0; i < disclosures->size(); ++i) {
    if (disclosures->Get(i).part() == index) {
      disclosures->DeleteSubrange(i, 1);
      return;
    }
  }
}

absl::StatusOr<OpenedRecord> DecodeStoredRecord(const v1::SignedRecord& signed_record) {
  return Open(signed_record, nullptr);
}

absl::StatusOr<OpenedRecord> OpenRecord(const v1::SignedRecord& signed_record,
                                        const Keyring& keys) {
  return Open(signed_record, &keys);
}

}  // namespace nexus
