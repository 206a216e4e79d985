// Records as people and scripts read and write them: JSON lines in, human text or JSON out.
#ifndef NEXUS_CLIENT_CLI_RECORD_TEXT_H_
#define NEXUS_CLIENT_CLI_RECORD_TEXT_H_

#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "common/record_seal.h"
#include "nexus/v1/agency_service.pb.h"
#include "nexus/v1/record.pb.h"

namespace nexus {

// Parses one JSON object (protobuf JSON mapping of nexus.v1.Record; enum values by name, e.g.
// "tlp": "TLP_AMBER", and the short forms "AMBER", "alliance", "ipv4" also accepted).
absl::StatusOr<v1::Record> RecordFromJson(const std::string& json);

// Reads a JSON-lines file: one record per non-blank line. Errors name "FILE:LINE".
absl::StatusOr<std::vector<v1::Record>> ReadRecordsFile(const std::string& path);

// Another manifest that a node holds for the same id and version as a record it shows: if the
// origin signed it, the origin signed two different versions under one number (equivocation).
struct EquivocationView {
  std::string manifest_sha256;  // hex SHA-256 of the manifest's exact bytes
  bool verified = false;        // its signature verified under the origin's key from --keys
  std::string problem;          // why it is not (yet) evidence against the origin, when not
};

// What a reader learned about one received record.
struct RecordView {
  const v1::SignedRecord* signed_record = nullptr;
  absl::StatusOr<OpenedRecord> opened = absl::UnknownError("not opened");
  bool verified = false;  // true when `opened` came from OpenRecord with the origin's key
  uint64_t cursor = 0;    // for pulled records
  // The peer node this version came through, as the node says; empty for the node's own.
  std::string received_from;
  // The peer node that answered a federation-wide search with it; empty for the node asked.
  std::string found_at;
  // What `get` reports of equivocations (empty: none); unset where the node does not say (pull,
  // search).
  std::optional<std::vector<EquivocationView>> equivocations;
  // Where the version goes from the node under its policy now (`get` by the node's own agency).
  std::vector<v1::Recipient> recipients;
  // What the node said of whose policy withheld the parts the record lacks.
  std::vector<v1::WithheldNote> notes;
};

// Where a record goes from the node, for a person: "  goes to:" and "  not to:" lines with each
// decision's reasons, then a WARNING when an agency the distribution names is denied, or when no
// other agency receives it at all. Empty for no recipients.
std::string RecipientsToHumanText(const google::protobuf::RepeatedPtrField<v1::Recipient>& list);
// The same as a JSON array.
std::string RecipientsToJson(const google::protobuf::RepeatedPtrField<v1::Recipient>& list);

// Opens `signed_record`: verified against `keys` when they hold the origin's key, otherwise
// decoded and marked unverified.
RecordView ViewRecord(const v1::SignedRecord& signed_record, const Keyring* keys);

// Checks each of `others` as an equivocation of `shown`: a manifest other than its own, for the
// same origin, id and version, whose signature verifies under the origin's key in `keys`.
std::vector<EquivocationView> ViewEquivocations(
    const v1::SignedRecord& shown,
    const google::protobuf::RepeatedPtrField<v1::SignedRecord>& others, const Keyring* keys);

// A cursor as a person reads it: a plain feed position as it is; an opaque one (another
// agency's, a keyed permutation of a position, 64 bits) as "~" and base 36, about 13 characters.
std::string CursorText(uint64_t cursor);

// A TLP as a person reads it: "CLEAR", ..., "AMBER+STRICT", "RED"; empty for a value the enum does
// not define.
std::string TlpName(v1::Tlp tlp);
// The inverse, for --since: a number, or "~" and base 36.
absl::StatusOr<uint64_t> ParseCursor(absl::string_view text);

// A hit notice for a person: who holds a record of whom that matched, and whom to ask.
std::string HitNoticeToHumanText(const v1::HitNotice& notice);
std::string HitNoticeToJson(const v1::HitNotice& notice);
// "police", "counter-terrorism", ... ("unspecified" for none).
std::string SectorName(v1::Sector sector);

// `text` as a JSON string literal, quotes included.
std::string JsonQuote(absl::string_view text);

std::string RecordToHumanText(const RecordView& view);
// One JSON object: {"verified":..,"error":"..","cursor":..,"received_from":"..","withheld":[..],
// "record":{..}}, and with equivocations known, "manifest_sha256":".." and "equivocations":
// [{"manifest_sha256":..,"verified":..,"error":..}].
std::string RecordToJson(const RecordView& view);

}  // namespace nexus

#endif  // NEXUS_CLIENT_CLI_RECORD_TEXT_H_
