// Importing a file of another tool's format (a STIX 2.1 bundle, a MISP event) as nexus records.
//
// An import reads its file twice. The first pass (Scan) checks the whole file and learns what the
// second needs (marking definitions, relationships, which version of an object is the latest);
// any error there is fatal and nothing has been written. The second pass (Emit) maps objects to
// records and hands them on one at a time, so memory does not grow with the file's content, only
// with the number of ids in it.
#ifndef NEXUS_COMMON_INTEROP_BUNDLE_IMPORT_H_
#define NEXUS_COMMON_INTEROP_BUNDLE_IMPORT_H_

#include <cstdio>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/numeric/int128.h"
#include "absl/status/status.h"
#include "common/interop/import_report.h"
#include "common/interop/json_stream.h"
#include "nexus/v1/record.pb.h"

namespace nexus {

// One record made from the file, and the object it came from (for messages).
struct ImportedRecord {
  v1::Record record;
  std::string source;
};
using ImportedRecordSink = std::function<absl::Status(ImportedRecord&&)>;

// What the command line gives: the importing agency, and values for what an object does not say.
struct ImportDefaults {
  std::string agency;  // the caller's agency (from its certificate): the records' origin
  // The TLP floor: a record gets the stricter of its own markings and this. Without either the
  // object is skipped: a TLP is never guessed.
  v1::Tlp tlp = v1::TLP_UNSPECIFIED;
  // For objects that carry no x_nexus_distribution (MISP: overrides the event's distribution).
  std::optional<v1::Distribution> distribution;
  v1::NexusType nexus_type = v1::NEXUS_TYPE_UNSPECIFIED;  // for objects that name none
  bool ids_only = false;                                  // MISP: only attributes marked to_ids
  // STIX: the file is this agency's own export (--own-export): its records keep their ids, so
  // that importing it restores them. Without it such objects are skipped: a bundle from anyone
  // else could otherwise name, and overwrite, any record of this agency.
  bool own_export = false;
  // The agencies a TLP:RED record is for (--red-to): RED names its recipients, and a file cannot
  // (it has no nexus agency ids). Empty: a RED object that names none is skipped.
  std::vector<std::string> red_recipients;
  JsonStreamLimits limits;
};

class BundleImport {
 public:
  virtual ~BundleImport() = default;
  // First pass over the whole file. InvalidArgument names the object and the reason.
  virtual absl::Status Scan(std::FILE* in) = 0;
  // Second pass over the same file from its start: each record to `sink`, in file order; each
  // object not imported to `report` with its reason.
  virtual absl::Status Emit(std::FILE* in, const ImportedRecordSink& sink,
                            ImportReport& report) = 0;
};

std::unique_ptr<BundleImport> NewStixImport(ImportDefaults defaults);
std::unique_ptr<BundleImport> NewMispImport(ImportDefaults defaults);

// The record id of an imported object: a name-based UUID of the importing agency and the
// object's own id, so that the same object imported twice is the same record, and two agencies
// importing one public bundle do not claim each other's ids.
std::string ImportedRecordId(absl::string_view agency, absl::string_view object_id);

// The key under which an import remembers an object id between its passes: 128 bits of the id's
// SHA-256, so that memory grows by a few bytes per id whatever the ids' length, and finding two
// ids with one key is out of reach (a birthday search over 2^64).
absl::uint128 ObjectIdKey(absl::string_view id);

// Checks a mapped record as the node would (ValidateAndNormalize) after filling in `defaults`
// for what it lacks (a RED record without recipients gets `red_recipients`) and fitting
// over-long texts into its limits (FitImportedRecord; each change is appended to `notes`). The
// error is the skip reason.
absl::Status CompleteImportedRecord(const ImportDefaults& defaults, v1::Record& record,
                                    std::vector<std::string>* notes);

}  // namespace nexus

#endif  // NEXUS_COMMON_INTEROP_BUNDLE_IMPORT_H_
