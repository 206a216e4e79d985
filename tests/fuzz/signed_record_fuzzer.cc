// Opening a signed record received from elsewhere (OpenRecord with a fixed keyring), and the
// node's own decoding of stored records (DecodeStoredRecord, PeekHeader), over mutated
// SignedRecord bytes. The seeds are sealed with the fixed key, so mutations of the disclosures
// keep a valid signature and reach the digest, salt and part checks.
// Invariants for a record that opens: it is the origin's (the only key known); decoding without
// verification gives the same record; every manifest part is either disclosed or withheld; and
// withholding any disclosed part still verifies and reports that part withheld.
#include <cstddef>
#include <cstdint>

#include "common/record_seal.h"
#include "tests/fuzz/fuzz_support.h"

namespace {

using nexus::fuzz::Require;

bool SameOpened(const nexus::OpenedRecord& a, const nexus::OpenedRecord& b) {
  if (a.record.SerializeAsString() != b.record.SerializeAsString()) return false;
  if (a.header.SerializeAsString() != b.header.SerializeAsString()) return false;
  if (a.withheld.size() != b.withheld.size()) return false;
  for (size_t i = 0; i < a.withheld.size(); ++i) {
    if (a.withheld[i].index != b.withheld[i].index || a.withheld[i].kind != b.withheld[i].kind) {
      return false;
    }
  }
  return true;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  nexus::v1::SignedRecord signed_record;
  if (!signed_record.ParseFromArray(data, static_cast<int>(size))) return 0;
  absl::StatusOr<nexus::v1::RecordHeader> peeked = nexus::PeekHeader(signed_record);
  absl::StatusOr<nexus::OpenedRecord> decoded = nexus::DecodeStoredRecord(signed_record);
  absl::StatusOr<nexus::OpenedRecord> opened =
      nexus::OpenRecord(signed_record, nexus::fuzz::Keys());
  if (decoded.ok()) Require(peeked.ok(), "a decodable record has a header");
  if (!opened.ok()) {
    Require(!opened.status().message().empty(), "a record that does not open says why");
    return 0;
  }
  Require(opened->header.origin_agency() == nexus::fuzz::kAgency, "only the keyring's agency");
  Require(decoded.ok() && SameOpened(*opened, *decoded), "verified and decoded records agree");
  Require(peeked.ok() && peeked->SerializeAsString() == opened->header.SerializeAsString(),
          "the peeked header is the opened one");
  Require(
      opened->withheld.size() + signed_record.disclosures_size() ==
          [&] {
            nexus::v1::Manifest manifest;
            manifest.ParseFromString(signed_record.manifest());
            return static_cast<size_t>(manifest.parts_size());
          }(),
      "every part is disclosed or withheld");

  for (const nexus::v1::Disclosure& disclosure : signed_record.disclosures()) {
    nexus::v1::SignedRecord narrowed = signed_record;
    nexus::WithholdPart(narrowed, disclosure.part());
    absl::StatusOr<nexus::OpenedRecord> reopened = nexus::OpenRecord(narrowed, nexus::fuzz::Keys());
    Require(reopened.ok(), "withholding a part keeps the signature valid");
    Require(reopened->withheld.size() == opened->withheld.size() + 1,
            "a withheld part is reported withheld");
  }
  return 0;
}
