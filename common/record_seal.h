// Sealing and opening records: the signature scheme that survives redaction.
//
// The origin signs a Manifest: the serialized RecordHeader (always visible) and, for every
// disclosable part, SHA-256("nexus.v1.part" || salt || kind || value) with a fresh 16-byte salt.
// Each disclosed part travels as (position, salt, value). Withholding a part drops its
// Disclosure; its digest stays in the signed manifest, so the signature still verifies, the
// withheld value cannot be recovered from the salted digest, and the reader sees the gap.
#ifndef NEXUS_COMMON_RECORD_SEAL_H_
#define NEXUS_COMMON_RECORD_SEAL_H_

#include <vector>

#include "absl/status/statusor.h"
#include "common/crypto.h"
#include "common/keyring.h"
#include "nexus/v1/record.pb.h"

namespace nexus {

// Signs `record` (id, origin, version and times already set; content validated) with the
// origin's key. Empty optional parts (no tags, no summary, ...) are not included.
v1::SignedRecord SealRecord(const v1::Record& record, const PrivateKey& key,
                            absl::string_view key_id);

struct WithheldPart {
  uint32_t index;  // position in the manifest
  v1::PartKind kind;
};

// A record whose signature and disclosed parts have been checked.
struct OpenedRecord {
  v1::RecordHeader header;
  v1::Record record;  // header fields plus every disclosed part
  std::vector<WithheldPart> withheld;
};

// Verifies `signed_record` against `keys` and decodes it. Fails with a message that says what
// does not verify: unknown key, bad signature, a part whose digest does not match, a reused salt,
// a malformed manifest or part.
absl::StatusOr<OpenedRecord> OpenRecord(const v1::SignedRecord& signed_record, const Keyring& keys);

// Decodes without checking the signature or digests: for a node reading back records it verified
// or sealed itself when it stored them (filters, indexes). Never for records from elsewhere.
absl::StatusOr<OpenedRecord> DecodeStoredRecord(const v1::SignedRecord& signed_record);

// Decodes the header alone, without verifying: for a node's own indexes and filters over
// records it verified when it stored them.
absl::StatusOr<v1::RecordHeader> PeekHeader(const v1::SignedRecord& signed_record);

// Removes the disclosure of manifest part `index`, if present. The result still verifies.
void WithholdPart(v1::SignedRecord& signed_record, uint32_t index);

}  // namespace nexus

#endif  // NEXUS_COMMON_RECORD_SEAL_H_
