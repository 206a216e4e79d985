// Records as people and scripts read and write them: JSON lines in, human text or JSON out.
#ifndef NEXUS_CLIENT_RECORD_TEXT_H_
#define NEXUS_CLIENT_RECORD_TEXT_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "common/record_seal.h"
#include "nexus/v1/record.pb.h"

namespace nexus {

// Parses one JSON object (protobuf JSON mapping of nexus.v1.Record; enum values by name, e.g.
// "tlp": "TLP_AMBER", and the short forms "AMBER", "alliance", "ipv4" also accepted).
absl::StatusOr<v1::Record> RecordFromJson(const std::string& json);

// Reads a JSON-lines file: one record per non-blank line. Errors name "FILE:LINE".
absl::StatusOr<std::vector<v1::Record>> ReadRecordsFile(const std::string& path);

// What a reader learned about one received record.
struct RecordView {
  const v1::SignedRecord* signed_record = nullptr;
  absl::StatusOr<OpenedRecord> opened = absl::UnknownError("not opened");
  bool verified = false;  // true when `opened` came from OpenRecord with the origin's key
  uint64_t cursor = 0;    // for pulled records
};

// Opens `signed_record`: verified against `keys` when they hold the origin's key, otherwise
// decoded and marked unverified.
RecordView ViewRecord(const v1::SignedRecord& signed_record, const Keyring* keys);

// `text` as a JSON string literal, quotes included.
std::string JsonQuote(absl::string_view text);

std::string RecordToHumanText(const RecordView& view);
// One JSON object: {"verified":..,"verification":"..","record":{..},"withheld":[..],"cursor":..}
std::string RecordToJson(const RecordView& view);

}  // namespace nexus

#endif  // NEXUS_CLIENT_RECORD_TEXT_H_
