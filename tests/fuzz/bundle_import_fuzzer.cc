// Untrusted files through the whole import, STIX and MISP alike: Scan, then Emit.
// Invariants: no crash; a refusal by Scan is InvalidArgument (or DataLoss) with a bounded message;
// after a good Scan, Emit never fails (every object is mapped or reported as skipped); every
// record handed on passes the node's own validation (ValidateAndNormalize) and has a canonical
// id; every object read is accounted for.
#include <cstddef>
#include <cstdint>
#include <cstdio>

#include "common/interop/bundle_import.h"
#include "common/record_validation.h"
#include "common/uuid.h"
#include "tests/fuzz/fuzz_support.h"

namespace {

using nexus::fuzz::Require;

void ImportWith(const uint8_t* data, size_t size, bool stix) {
  nexus::ImportDefaults defaults;
  defaults.agency = "agency-a";
  defaults.tlp = nexus::v1::TLP_AMBER;
  defaults.nexus_type = nexus::v1::NEXUS_TYPE_HYBRID;
  std::unique_ptr<nexus::BundleImport> import =
      stix ? nexus::NewStixImport(defaults) : nexus::NewMispImport(defaults);
  std::FILE* file = fmemopen(const_cast<uint8_t*>(data), size, "r");
  if (file == nullptr) return;
  absl::Status scan = import->Scan(file);
  if (!scan.ok()) {
    Require(absl::IsInvalidArgument(scan) || absl::IsDataLoss(scan), "Scan refuses with a reason");
    Require(scan.message().size() < 4096, "Scan's message is bounded");
    std::fclose(file);
    return;
  }
  std::rewind(file);
  nexus::ImportReport report;
  uint64_t records = 0;
  absl::Status emit = import->Emit(
      file,
      [&](nexus::ImportedRecord&& imported) {
        ++records;
        nexus::v1::Record copy = imported.record;
        Require(nexus::ValidateAndNormalize(copy).ok(), "a record handed on is valid");
        Require(nexus::IsCanonicalUuid(imported.record.id()), "a record has a canonical id");
        Require(!imported.source.empty(), "a record names its source");
        return absl::OkStatus();
      },
      report);
  Require(emit.ok(), "Emit after a good Scan does not fail");
  Require(records == report.records_mapped(), "every record handed on is counted");
  std::fclose(file);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  ImportWith(data, size, /*stix=*/true);
  ImportWith(data, size, /*stix=*/false);
  return 0;
}
